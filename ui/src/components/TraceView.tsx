import { useMemo, useState } from 'react';
import { axisTicks, formatMs, visibleRows, type SpanRow } from '../lib/trace';

function AttrTable(props: { title: string; rows: [string, string][] }) {
  if (props.rows.length === 0) return null;
  return (
    <div className="span-attrs">
      <h4>{props.title}</h4>
      <table className="result-table">
        <tbody>
          {props.rows.map(([k, v]) => (
            <tr key={k}>
              <td className="attr-key">{k}</td>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What one span is: times, status, attributes (span and resource), events, links, and the way to its logs. */
function SpanDetails(props: { row: SpanRow; t0: number; logs?: () => void; logsMissing: boolean; openTrace: (id: string) => void }) {
  const r = props.row;
  return (
    <div className="span-details" data-testid="span-details">
      <div className="span-details-head">
        <strong>{r.name}</strong> <span className="muted">{r.service}</span>
        <span className="muted">
          {' '}
          · {r.kind} · start {formatMs(r.startMs - props.t0)} · duration {formatMs(r.durMs)} · span {r.spanId}
        </span>
        {props.logs ? (
          <button className="btn secondary" data-testid="span-logs" onClick={props.logs}>
            Logs for this span
          </button>
        ) : (
          props.logsMissing && <span className="muted"> (no tags for logs)</span>
        )}
      </div>
      {r.error && (
        <div className="alert error" data-testid="span-status">
          Error{r.statusMessage ? `: ${r.statusMessage}` : ''}
        </div>
      )}
      <AttrTable title="Span attributes" rows={r.spanAttributes} />
      <AttrTable title="Resource attributes" rows={r.resourceAttributes} />
      {r.events.length > 0 && (
        <div className="span-attrs">
          <h4>Events</h4>
          <ul className="span-events" data-testid="span-events">
            {r.events.map((e, i) => (
              <li key={i}>
                <span className="muted">{formatMs(e.offsetMs)}</span> <strong>{e.name}</strong> {e.attributes.map(([k, v]) => `${k}=${v}`).join(' ')}
              </li>
            ))}
          </ul>
        </div>
      )}
      {r.links.length > 0 && (
        <div className="span-attrs">
          <h4>Links</h4>
          <ul className="span-events">
            {r.links.map((l, i) => (
              <li key={i}>
                <button className="link" data-testid="span-link" onClick={() => props.openTrace(l.traceId)}>
                  {l.traceId === r.traceId ? 'this trace' : l.traceId} / span {l.spanId}
                </button>{' '}
                {l.attributes.map(([k, v]) => `${k}=${v}`).join(' ')}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

/**
 * The trace waterfall: one row per span in tree order (collapsible), its bar on the trace's time axis, errors in
 * red; a click opens the span's details under its row.
 */
export function TraceView(props: { rows: SpanRow[]; logsFor?: (r: SpanRow) => (() => void) | undefined; openTrace: (id: string) => void }) {
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [selected, setSelected] = useState<string | undefined>();
  const { t0, total } = useMemo(() => {
    const start = Math.min(...props.rows.map((r) => r.startMs));
    const end = Math.max(...props.rows.map((r) => r.startMs + r.durMs));
    return { t0: start, total: end - start || 1 };
  }, [props.rows]);
  const shown = visibleRows(props.rows, collapsed);
  const ticks = axisTicks(total);
  const services = [...new Set(props.rows.map((r) => r.service))];
  const root = props.rows[0];
  const toggle = (id: string) => {
    const next = new Set(collapsed);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setCollapsed(next);
  };
  return (
    <div className="trace-view">
      <div className="trace-head" data-testid="trace-head">
        <strong>
          {root?.service}: {root?.name}
        </strong>{' '}
        <span className="muted">
          {formatMs(total)} · {props.rows.length} spans · {services.length} services · {new Date(t0).toISOString()}
        </span>
      </div>
      <div className="waterfall" data-testid="trace-waterfall">
        <div className="wf-row wf-axis">
          <div className="wf-name muted">Service &amp; operation</div>
          <div className="wf-timeline">
            {ticks.map((t) => (
              <span key={t} className="wf-tick" style={{ left: `${(t / total) * 100}%` }}>
                {formatMs(t)}
              </span>
            ))}
          </div>
        </div>
        {shown.map((r) => {
          const logs = props.logsFor?.(r);
          return (
            <div key={r.spanId}>
              <div className={`wf-row${r.error ? ' span-error' : ''}${selected === r.spanId ? ' selected' : ''}`} data-testid="span-row" data-span-id={r.spanId} onClick={() => setSelected(selected === r.spanId ? undefined : r.spanId)}>
                <div className="wf-name" style={{ paddingLeft: 4 + r.depth * 16 }}>
                  {r.hasChildren ? (
                    <button
                      className="wf-toggle"
                      data-testid="span-toggle"
                      aria-label={collapsed.has(r.spanId) ? 'Expand' : 'Collapse'}
                      onClick={(e) => {
                        e.stopPropagation();
                        toggle(r.spanId);
                      }}
                    >
                      {collapsed.has(r.spanId) ? '▸' : '▾'}
                    </button>
                  ) : (
                    <span className="wf-toggle" />
                  )}
                  <span className="span-service">{r.service}</span> <span className="span-name">{r.name}</span>
                </div>
                <div className="wf-timeline">
                  {ticks.map((t) => (
                    <span key={t} className="wf-grid" style={{ left: `${(t / total) * 100}%` }} />
                  ))}
                  <div className="span-bar" style={{ left: `${((r.startMs - t0) / total) * 100}%`, width: `${Math.max((r.durMs / total) * 100, 0.2)}%` }} />
                  <span className="wf-dur" style={{ left: `${Math.min(((r.startMs - t0 + r.durMs) / total) * 100, 88)}%` }}>
                    {formatMs(r.durMs)}
                  </span>
                </div>
              </div>
              {selected === r.spanId && <SpanDetails row={r} t0={t0} logs={logs} logsMissing={props.logsFor !== undefined} openTrace={props.openTrace} />}
            </div>
          );
        })}
      </div>
    </div>
  );
}
