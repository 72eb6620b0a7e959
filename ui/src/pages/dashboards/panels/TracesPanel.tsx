import { useEffect, useState } from 'react';
import { TraceResults } from '../../../components/TraceSearch';
import { TraceView } from '../../../components/TraceView';
import { apiFetch, proxyPath } from '../../../lib/api';
import { traceRows, type OtlpTrace } from '../../../lib/trace';
import type { PanelTraces } from '../../../dashboards/panel-query';

/**
 * Grafana's traces panel over Tempo: a trace-ID query shows the trace as Explore's waterfall; a TraceQL search shows
 * its traces as Explore's result list, and a click opens that trace in the panel (back returns to the list). A link
 * to another trace in a span opens that one.
 */
export function TracesPanel(props: { tempo: PanelTraces }) {
  const first = props.tempo.traces[0];
  const [opened, setOpened] = useState<{ id: string; trace?: OtlpTrace; error?: string } | undefined>();
  const datasourceUid = first?.datasourceUid ?? props.tempo.hits[0]?.datasourceUid;
  // new query results: back to what they show
  useEffect(() => setOpened(undefined), [props.tempo]);
  const open = (id: string) => {
    if (!datasourceUid) return;
    setOpened({ id });
    apiFetch<OtlpTrace>(`${proxyPath(datasourceUid)}/api/traces/${encodeURIComponent(id)}`).then(
      (trace) => setOpened((o) => (o?.id === id ? { id, trace } : o)),
      (e: Error) => setOpened((o) => (o?.id === id ? { id, error: e.message } : o)),
    );
  };
  if (opened) {
    return (
      <div className="dash-traces" data-testid="panel-traces" data-trace-id={opened.id}>
        {props.tempo.hits.length > 0 && (
          <button className="link" data-testid="traces-back" onClick={() => setOpened(undefined)}>
            ← Traces
          </button>
        )}
        {opened.error && <div className="alert error">{opened.error}</div>}
        {opened.trace ? <TraceView key={opened.id} rows={traceRows(opened.trace)} openTrace={open} /> : !opened.error && <div className="muted">Loading…</div>}
      </div>
    );
  }
  if (first) {
    return (
      <div className="dash-traces" data-testid="panel-traces">
        <TraceView rows={traceRows(first.trace)} openTrace={open} />
      </div>
    );
  }
  return (
    <div className="dash-traces" data-testid="panel-traces">
      <TraceResults hits={props.tempo.hits.map((h) => h.hit)} openTrace={open} />
    </div>
  );
}
