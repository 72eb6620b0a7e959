import { useEffect, useState } from 'react';
import { apiFetch, proxyPath, type Datasource } from '../lib/api';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status?: { code?: number | string };
}
interface OtlpTrace {
  batches?: { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
  trace?: OtlpTrace;
}

interface SpanRow {
  span: OtlpSpan;
  service: string;
  depth: number;
  startMs: number;
  durMs: number;
}

/** Spans of an OTLP-JSON trace (Tempo's `/api/traces/<id>`), in tree order with depth. */
function spanRows(t: OtlpTrace): SpanRow[] {
  const batches = t.batches ?? t.trace?.batches ?? [];
  const all: { span: OtlpSpan; service: string }[] = [];
  for (const b of batches) {
    const service = b.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
    for (const ss of b.scopeSpans ?? []) for (const span of ss.spans ?? []) all.push({ span, service });
  }
  const ms = (ns: string) => Number(ns.slice(0, -6) || '0') + Number(ns.slice(-6) || '0') / 1e6;
  const byParent = new Map<string, typeof all>();
  const ids = new Set(all.map((s) => s.span.spanId));
  for (const s of all) {
    const p = s.span.parentSpanId && ids.has(s.span.parentSpanId) ? s.span.parentSpanId : '';
    byParent.set(p, [...(byParent.get(p) ?? []), s]);
  }
  const out: SpanRow[] = [];
  const walk = (parent: string, depth: number) => {
    for (const s of (byParent.get(parent) ?? []).sort((a, b) => ms(a.span.startTimeUnixNano) - ms(b.span.startTimeUnixNano))) {
      out.push({ span: s.span, service: s.service, depth, startMs: ms(s.span.startTimeUnixNano), durMs: ms(s.span.endTimeUnixNano) - ms(s.span.startTimeUnixNano) });
      walk(s.span.spanId, depth + 1);
    }
  };
  walk('', 0);
  return out;
}

/** A first trace view for a Tempo datasource: trace by ID as a span table with bars on the trace's time axis. */
export function TracePane(props: { ds: Datasource; traceId: string; onTraceId: (id: string) => void }) {
  const [draft, setDraft] = useState(props.traceId);
  const [rows, setRows] = useState<SpanRow[] | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    setDraft(props.traceId);
    setRows(undefined);
    setError('');
    if (!props.traceId.trim()) return;
    apiFetch<OtlpTrace>(`${proxyPath(props.ds.uid)}/api/traces/${encodeURIComponent(props.traceId.trim())}`).then((t) => setRows(spanRows(t)), (e: Error) => setError(e.message));
  }, [props.ds.uid, props.traceId]);
  const t0 = rows && rows.length ? Math.min(...rows.map((r) => r.startMs)) : 0;
  const total = rows && rows.length ? Math.max(...rows.map((r) => r.startMs + r.durMs)) - t0 || 1 : 1;
  return (
    <>
      <div className="query-row">
        <div className="editor-row">
          <input aria-label="Trace ID" data-testid="trace-id" placeholder="Trace ID" value={draft} onChange={(e) => setDraft(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && props.onTraceId(draft)} style={{ flex: 1 }} />
          <button className="btn primary" onClick={() => props.onTraceId(draft)}>
            Run query
          </button>
        </div>
        <div className="muted">Trace search, TraceQL and the full waterfall are not built yet: this view looks a trace up by ID.</div>
      </div>
      {error && <div className="alert error">{error}</div>}
      {rows && (
        <table className="result-table trace-table" data-testid="trace-spans">
          <thead>
            <tr>
              <th>Service</th>
              <th>Span</th>
              <th className="num">Duration</th>
              <th>Timeline</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.span.spanId} className={r.span.status?.code === 2 || r.span.status?.code === 'STATUS_CODE_ERROR' ? 'span-error' : ''}>
                <td>{r.service}</td>
                <td style={{ paddingLeft: 8 + r.depth * 14 }}>{r.span.name}</td>
                <td className="num">{r.durMs.toFixed(2)} ms</td>
                <td className="bar">
                  <div className="span-bar" style={{ marginLeft: `${((r.startMs - t0) / total) * 100}%`, width: `${(r.durMs / total) * 100}%` }} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
