import { useEffect, useState } from 'react';
import { apiFetch, proxyPath } from '../lib/api';
import { formatMs } from '../lib/trace';

/** One trace of Tempo's `/api/search` answer. */
export interface TraceSearchHit {
  traceID: string;
  rootServiceName?: string;
  rootTraceName?: string;
  startTimeUnixNano?: string;
  durationMs?: number;
  spanSets?: { matched?: number }[];
  spanSet?: { matched?: number };
}

/** The search form's fields, as Tempo's `/api/search` parameters (`tags` in logfmt, durations as Go durations). */
export interface SearchFields {
  service: string;
  span: string;
  tags: string;
  minDuration: string;
  maxDuration: string;
  limit: string;
}

export const EMPTY_SEARCH: SearchFields = { service: '', span: '', tags: '', minDuration: '', maxDuration: '', limit: '20' };
const FIELD_KEYS = Object.keys(EMPTY_SEARCH) as (keyof SearchFields)[];

/** The form as the `expr` of a search pane (`service=bank&span=authorize`), so a search is in the URL: shareable and kept on reload. */
export function encodeSearch(f: SearchFields): string {
  const p = new URLSearchParams();
  for (const k of FIELD_KEYS) if (f[k].trim() && !(k === 'limit' && f[k] === EMPTY_SEARCH.limit)) p.set(k, f[k].trim());
  return p.toString() || 'limit=20';
}

/** The form from a search pane's `expr` (empty fields for anything missing). */
export function decodeSearch(expr: string): SearchFields {
  const p = new URLSearchParams(expr);
  const f = { ...EMPTY_SEARCH };
  for (const k of FIELD_KEYS) f[k] = p.get(k) ?? f[k];
  return f;
}

const quoteIfNeeded = (v: string) => (/^[^\s"=]+$/.test(v) ? v : JSON.stringify(v));

/** `/api/search` query parameters for the form (service and span name become `service.name=` and `name=` tags). */
export function searchParams(f: SearchFields, startSec: number, endSec: number): URLSearchParams {
  const tags = [f.service && `service.name=${quoteIfNeeded(f.service)}`, f.span && `name=${quoteIfNeeded(f.span)}`, f.tags.trim()].filter(Boolean).join(' ');
  const p = new URLSearchParams({ start: String(startSec), end: String(endSec), limit: f.limit || '20' });
  if (tags) p.set('tags', tags);
  if (f.minDuration.trim()) p.set('minDuration', f.minDuration.trim());
  if (f.maxDuration.trim()) p.set('maxDuration', f.maxDuration.trim());
  return p;
}

/** Results of a trace search: one row per trace, newest first; the trace ID opens the trace. */
export function TraceResults(props: { hits: TraceSearchHit[]; openTrace: (id: string) => void }) {
  if (props.hits.length === 0) {
    return (
      <div className="alert info" data-testid="trace-results-empty">
        No traces found.
      </div>
    );
  }
  const start = (h: TraceSearchHit) => (h.startTimeUnixNano ? Number(BigInt(h.startTimeUnixNano) / 1_000_000n) : 0);
  return (
    <table className="result-table" data-testid="trace-results">
      <thead>
        <tr>
          <th>Trace ID</th>
          <th>Start time</th>
          <th>Service</th>
          <th>Name</th>
          <th className="num">Duration</th>
          <th className="num">Matched spans</th>
        </tr>
      </thead>
      <tbody>
        {[...props.hits]
          .sort((a, b) => start(b) - start(a))
          .map((h) => (
            <tr key={h.traceID}>
              <td>
                <a
                  href="#"
                  onClick={(e) => {
                    e.preventDefault();
                    props.openTrace(h.traceID);
                  }}
                >
                  {h.traceID}
                </a>
              </td>
              <td>{h.startTimeUnixNano ? new Date(start(h)).toISOString().replace('T', ' ').slice(0, 23) : ''}</td>
              <td>{h.rootServiceName ?? ''}</td>
              <td>{h.rootTraceName ?? ''}</td>
              <td className="num">{h.durationMs !== undefined ? formatMs(h.durationMs) : '<1 ms'}</td>
              <td className="num">{(h.spanSets ?? (h.spanSet ? [h.spanSet] : [])).reduce((a, s) => a + (s.matched ?? 0), 0)}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

/** Tempo's search form: service (values from the tag-values API), span name, tags, duration bounds, limit. */
export function TraceSearchForm(props: { uid: string; initial: SearchFields; run: (f: SearchFields) => void; running: boolean }) {
  const [f, setF] = useState<SearchFields>(props.initial);
  const [services, setServices] = useState<string[]>([]);
  const [spanNames, setSpanNames] = useState<string[]>([]);
  const [tagNames, setTagNames] = useState<string[]>([]);
  useEffect(() => {
    const base = proxyPath(props.uid);
    apiFetch<{ tagValues: string[] }>(`${base}/api/search/tag/service.name/values`).then((r) => setServices(r.tagValues ?? []), () => setServices([]));
    apiFetch<{ tagValues: string[] }>(`${base}/api/search/tag/name/values`).then((r) => setSpanNames(r.tagValues ?? []), () => setSpanNames([]));
    apiFetch<{ tagNames: string[] }>(`${base}/api/search/tags`).then((r) => setTagNames(r.tagNames ?? []), () => setTagNames([]));
  }, [props.uid]);
  const set = (k: keyof SearchFields) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const onEnter = (e: { key: string }) => e.key === 'Enter' && props.run(f);
  return (
    <div className="query-row trace-search" data-testid="trace-search">
      <div className="editor-row wrap">
        <label>
          Service name
          <select data-testid="search-service" value={f.service} onChange={set('service')}>
            <option value="">any</option>
            {services.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Span name
          <input data-testid="search-span" list="span-names" value={f.span} onChange={set('span')} onKeyDown={onEnter} placeholder="any" />
          <datalist id="span-names">
            {spanNames.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        </label>
        <label style={{ flex: 1 }}>
          Tags (logfmt)
          <input data-testid="search-tags" list="tag-names" value={f.tags} onChange={set('tags')} onKeyDown={onEnter} placeholder="http.status_code=500 k8s.pod.name=shop-1" />
          <datalist id="tag-names">
            {tagNames.map((s) => (
              <option key={s} value={`${s}=`} />
            ))}
          </datalist>
        </label>
        <label>
          Min duration
          <input data-testid="search-min-duration" size={7} value={f.minDuration} onChange={set('minDuration')} onKeyDown={onEnter} placeholder="e.g. 100ms" />
        </label>
        <label>
          Max duration
          <input data-testid="search-max-duration" size={7} value={f.maxDuration} onChange={set('maxDuration')} onKeyDown={onEnter} placeholder="e.g. 5s" />
        </label>
        <label>
          Limit
          <input data-testid="search-limit" size={4} value={f.limit} onChange={set('limit')} onKeyDown={onEnter} />
        </label>
        <button className="btn primary" data-testid="run-search" disabled={props.running} onClick={() => props.run(f)}>
          Run query
        </button>
      </div>
    </div>
  );
}
