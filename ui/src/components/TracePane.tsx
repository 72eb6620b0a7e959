import { useEffect, useState } from 'react';
import { apiFetch, proxyPath, type Datasource } from '../lib/api';
import { resolveRange } from '../lib/time';
import { traceRows, type OtlpTrace, type SpanRow } from '../lib/trace';
import { metricsQueriesForSpan, type TracesToMetrics } from '../lib/traces-to-metrics';
import { quoteLabelValue, spanTagValue } from '../lib/span-tags';
import { parsePromDuration } from '../lib/time';
import { ServiceGraph, ServiceRates } from './ServiceGraph';
import { decodeSearch, encodeSearch, searchParams, TraceResults, TraceSearchForm, type SearchFields, type TraceSearchHit } from './TraceSearch';
import { TraceqlEditor } from './TraceqlEditor';
import { TraceView } from './TraceView';

interface TracesToLogs {
  datasourceUid?: string;
  tags?: (string | { key: string; value?: string })[];
  mapTagNamesEnabled?: boolean;
  mappedTags?: { key: string; value?: string }[];
  spanStartTimeShift?: string;
  spanEndTimeShift?: string;
  filterByTraceID?: boolean;
}

/**
 * Grafana's `tracesToLogs`: a Loki selector from the span's tags (each configured tag, looked up as itself, its
 * OpenTelemetry name, named as mapped), to be run over the span's time widened by a minute on each side.
 */
export function logsQueryForSpan(cfg: TracesToLogs, tags: Record<string, string>, traceId: string): string | undefined {
  const matchers: string[] = [];
  for (const t of cfg.tags ?? []) {
    const key = typeof t === 'string' ? t : t.key;
    const label = typeof t === 'string' ? t : t.value || t.key;
    const mapped = cfg.mappedTags?.find((m) => m.key === key)?.value;
    const value = spanTagValue(tags, key);
    if (value !== undefined) matchers.push(`${mapped || label}=${quoteLabelValue(value)}`);
  }
  if (matchers.length === 0) return undefined;
  return `{${matchers.join(', ')}}${cfg.filterByTraceID ? ` |= "${traceId}"` : ''}`;
}

/** The TraceQL search for a service's spans, as a service-graph node opens it. */
export function serviceSpansQuery(service: string): string {
  return `{resource.service.name=${JSON.stringify(service)}}`;
}

export type TraceQueryType = 'traceid' | 'search' | 'traceql' | 'servicemap';

const MODES: { value: TraceQueryType; label: string }[] = [
  { value: 'search', label: 'Search' },
  { value: 'traceql', label: 'TraceQL' },
  { value: 'traceid', label: 'Trace ID' },
  { value: 'servicemap', label: 'Service graph' },
];

function rangeSec(from: string, to: string): { startSec: number; endSec: number } {
  try {
    const r = resolveRange({ from, to }, Date.now());
    return { startSec: Math.floor(r.start / 1000), endSec: Math.ceil(r.end / 1000) };
  } catch {
    const now = Math.floor(Date.now() / 1000);
    return { startSec: now - 3600, endSec: now };
  }
}

/**
 * Explore for a Tempo datasource: search (service, span name, tags, duration), TraceQL, a trace by ID as a
 * waterfall, and the service graph from the Prometheus datasource in `serviceMap`. `expr` is the trace ID or the
 * TraceQL query; `tq` the query type.
 */
export function TracePane(props: {
  ds: Datasource;
  expr: string;
  tq: TraceQueryType;
  from: string;
  to: string;
  update: (p: { expr?: string; tq?: TraceQueryType }) => void;
  onLogs: (datasourceUid: string, expr: string, fromMs: number, toMs: number) => void;
  /** The TraceQL or trace ID typed but not run yet. */
  onDraft?: (expr: string) => void;
}) {
  const t2l = props.ds.jsonData.tracesToLogs as TracesToLogs | undefined;
  const t2m = props.ds.jsonData.tracesToMetrics as TracesToMetrics | undefined;
  const serviceMapUid = (props.ds.jsonData.serviceMap as { datasourceUid?: string } | undefined)?.datasourceUid;
  const [draft, setDraftState] = useState(props.expr);
  const setDraft = (v: string) => {
    setDraftState(v);
    props.onDraft?.(v);
  };
  const [rows, setRows] = useState<SpanRow[] | undefined>();
  const [hits, setHits] = useState<TraceSearchHit[] | undefined>();
  const [running, setRunning] = useState(false);
  const [error, setError] = useState('');
  const { startSec, endSec } = rangeSec(props.from, props.to);
  const base = proxyPath(props.ds.uid);
  const openTrace = (id: string) => props.update({ tq: 'traceid', expr: id });

  const search = (params: URLSearchParams) => {
    setRunning(true);
    setError('');
    apiFetch<{ traces?: TraceSearchHit[] }>(`${base}/api/search?${params.toString()}`)
      .then((r) => setHits(r.traces ?? []), (e: Error) => setError(e.message))
      .finally(() => setRunning(false));
  };

  useEffect(() => {
    setDraft(props.expr);
    setRows(undefined);
    setHits(undefined);
    setError('');
    if (props.tq === 'traceid' && props.expr.trim()) {
      apiFetch<OtlpTrace>(`${base}/api/traces/${encodeURIComponent(props.expr.trim())}`).then((t) => setRows(traceRows(t)), (e: Error) => setError(e.message));
    } else if (props.tq === 'traceql' && props.expr.trim()) {
      search(new URLSearchParams({ q: props.expr, start: String(startSec), end: String(endSec), limit: '20' }));
    } else if (props.tq === 'search' && props.expr.trim()) {
      search(searchParams(decodeSearch(props.expr), startSec, endSec));
    } else if (props.tq === 'servicemap' && props.expr.trim()) {
      search(new URLSearchParams({ q: serviceSpansQuery(props.expr), start: String(startSec), end: String(endSec), limit: '20' }));
    }
  }, [props.ds.uid, props.expr, props.tq, props.from, props.to]);

  const logsFor = t2l?.datasourceUid
    ? (r: SpanRow) => {
        const q = logsQueryForSpan(t2l, r.tags, r.traceId);
        return q ? () => props.onLogs(t2l.datasourceUid!, q, r.startMs - 60_000, r.startMs + r.durMs + 60_000) : undefined;
      }
    : undefined;

  // Related metrics (Grafana's tracesToMetrics): each query over the span's time, widened by the configured shifts (±2m).
  const shift = (v: string | undefined, dflt: number) => {
    if (!v) return dflt;
    const neg = v.startsWith('-');
    const ms = parsePromDuration(neg ? v.slice(1) : v);
    return ms === undefined ? dflt : neg ? -ms : ms;
  };
  const metricsFor = t2m?.datasourceUid
    ? (r: SpanRow) =>
        metricsQueriesForSpan(t2m, r.tags).map((q) => ({
          name: q.name,
          open: () => props.onLogs(t2m.datasourceUid!, q.expr, r.startMs + shift(t2m.spanStartTimeShift, -120_000), r.startMs + r.durMs + shift(t2m.spanEndTimeShift, 120_000)),
        }))
    : undefined;

  return (
    <>
      <div className="query-row">
        <div className="editor-row">
          <div className="seg" role="group" aria-label="Query type" data-testid="trace-query-type">
            {MODES.filter((m) => m.value !== 'servicemap' || serviceMapUid).map((m) => (
              <button key={m.value} className={props.tq === m.value ? 'on' : ''} onClick={() => props.update({ tq: m.value, expr: m.value === 'traceid' || m.value === 'traceql' ? props.expr : '' })}>
                {m.label}
              </button>
            ))}
          </div>
        </div>
        {(props.tq === 'traceid' || props.tq === 'traceql') && (
          <div className="editor-row">
            {props.tq === 'traceql' ? (
              <div style={{ flex: 1 }}>
                <TraceqlEditor value={draft} datasourceUrl={base} onChange={setDraft} onRun={(v) => props.update({ expr: v })} />
              </div>
            ) : (
              <input
                aria-label="Trace ID"
                data-testid="trace-id"
                className="mono"
                placeholder="Trace ID"
                value={draft}
                onChange={(e) => setDraft(e.target.value)}
                onKeyDown={(e) => e.key === 'Enter' && props.update({ expr: draft })}
                style={{ flex: 1 }}
              />
            )}
            <button className="btn primary" data-testid="run-trace-query" onClick={() => props.update({ expr: draft })}>
              Run query
            </button>
          </div>
        )}
      </div>
      {props.tq === 'search' && <TraceSearchForm key={props.expr} uid={props.ds.uid} initial={decodeSearch(props.expr)} running={running} run={(f: SearchFields) => props.update({ expr: encodeSearch(f) })} />}
      {error && (
        <div className="alert error" role="alert" data-testid="query-error">
          {error}
        </div>
      )}
      {(props.tq === 'search' || props.tq === 'traceql') && hits && <TraceResults hits={hits} openTrace={openTrace} />}
      {props.tq === 'traceid' && rows && <TraceView key={props.expr} rows={rows} logsFor={logsFor} metricsFor={metricsFor} openTrace={openTrace} />}
      {props.tq === 'servicemap' && serviceMapUid && <ServiceGraph promUid={serviceMapUid} startSec={startSec} endSec={endSec} selected={props.expr} onSelect={(name) => props.update({ expr: name })} />}
      {props.tq === 'servicemap' && serviceMapUid && props.expr && (
        <section className="sg-details" data-testid="sg-details">
          <div className="editor-row">
            <h3>{props.expr}</h3>
            <button className="btn secondary small" onClick={() => props.update({ tq: 'traceql', expr: serviceSpansQuery(props.expr) })}>
              Open in TraceQL
            </button>
          </div>
          <ServiceRates promUid={serviceMapUid} service={props.expr} startSec={startSec} endSec={endSec} />
          {hits && <TraceResults hits={hits} openTrace={openTrace} />}
        </section>
      )}
    </>
  );
}
