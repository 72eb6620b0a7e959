import { useEffect, useState } from 'react';
import { apiFetch, proxyPath, type Datasource } from '../lib/api';

interface OtlpAttr {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
}
interface OtlpSpan {
  attributes?: OtlpAttr[];
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status?: { code?: number | string };
}
interface OtlpTrace {
  batches?: { resource?: { attributes?: OtlpAttr[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
  trace?: OtlpTrace;
}

interface SpanRow {
  span: OtlpSpan;
  service: string;
  /** Resource and span attributes as strings (span wins). */
  tags: Record<string, string>;
  depth: number;
  startMs: number;
  durMs: number;
}

/** Spans of an OTLP-JSON trace (Tempo's `/api/traces/<id>`), in tree order with depth. */
function spanRows(t: OtlpTrace): SpanRow[] {
  const batches = t.batches ?? t.trace?.batches ?? [];
  const all: { span: OtlpSpan; service: string; tags: Record<string, string> }[] = [];
  const str = (v: OtlpAttr['value']) => String(v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue ?? '');
  for (const b of batches) {
    const res = Object.fromEntries((b.resource?.attributes ?? []).map((a) => [a.key, str(a.value)]));
    const service = res['service.name'] ?? '';
    for (const ss of b.scopeSpans ?? []) for (const span of ss.spans ?? []) all.push({ span, service, tags: { ...res, ...Object.fromEntries((span.attributes ?? []).map((a) => [a.key, str(a.value)])) } });
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
      out.push({ span: s.span, service: s.service, tags: s.tags, depth, startMs: ms(s.span.startTimeUnixNano), durMs: ms(s.span.endTimeUnixNano) - ms(s.span.startTimeUnixNano) });
      walk(s.span.spanId, depth + 1);
    }
  };
  walk('', 0);
  return out;
}

interface TracesToLogs {
  datasourceUid?: string;
  tags?: (string | { key: string; value?: string })[];
  mapTagNamesEnabled?: boolean;
  mappedTags?: { key: string; value?: string }[];
  spanStartTimeShift?: string;
  spanEndTimeShift?: string;
  filterByTraceID?: boolean;
}

/** Where the span's attribute may be found for a Loki label (OpenTelemetry's Kubernetes names first). */
const OTEL_NAMES: Record<string, string[]> = { pod: ['k8s.pod.name'], namespace: ['k8s.namespace.name'], container: ['k8s.container.name'], cluster: ['k8s.cluster.name'], job: ['service.name'], service_name: ['service.name'] };

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
    const value = tags[key] ?? OTEL_NAMES[key]?.map((k) => tags[k]).find((v) => v !== undefined);
    if (value !== undefined) matchers.push(`${mapped || label}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  }
  if (matchers.length === 0) return undefined;
  return `{${matchers.join(', ')}}${cfg.filterByTraceID ? ` |= "${traceId}"` : ''}`;
}

/** A first trace view for a Tempo datasource: trace by ID as a span table with bars on the trace's time axis. */
export function TracePane(props: { ds: Datasource; traceId: string; onTraceId: (id: string) => void; onLogs: (datasourceUid: string, expr: string, fromMs: number, toMs: number) => void }) {
  const t2l = props.ds.jsonData.tracesToLogs as TracesToLogs | undefined;
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
              {t2l?.datasourceUid && <th>Logs</th>}
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
                {t2l?.datasourceUid && (
                  <td>
                    {(() => {
                      const q = logsQueryForSpan(t2l, r.tags, props.traceId);
                      return q ? (
                        <button className="link" data-testid="span-logs" onClick={() => props.onLogs(t2l.datasourceUid!, q, r.startMs - 60_000, r.startMs + r.durMs + 60_000)}>
                          Logs for this span
                        </button>
                      ) : (
                        <span className="muted">no matching tags</span>
                      );
                    })()}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
