import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { rowWindow } from '../lib/row-window';
import { formatDateTime } from '../lib/time';
import { axisTicks, formatMs, labelPlacement, visibleRows, type SpanRow } from '../lib/trace';

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
function SpanDetails(props: { row: SpanRow; t0: number; logs?: () => void; logsMissing: boolean; metrics?: { name: string; open: () => void }[]; openTrace: (id: string) => void }) {
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
        {props.metrics?.map((m) => (
          <button key={m.name} className="btn secondary" data-testid="span-metrics" onClick={m.open}>
            {m.name}
          </button>
        ))}
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
 * The minimap above the waterfall (as Grafana's trace view): every span as a thin line on the whole trace's time, and
 * the viewport — the part the waterfall shows. Drag across it to zoom to a window, drag the viewport to move it.
 */
function Minimap(props: { rows: SpanRow[]; t0: number; total: number; view: [number, number]; setView: (v: [number, number]) => void }) {
  const box = useRef<HTMLDivElement>(null);
  const [draft, setDraft] = useState<[number, number] | undefined>();
  const frac = (clientX: number) => {
    const r = box.current!.getBoundingClientRect();
    return Math.min(1, Math.max(0, (clientX - r.left) / r.width));
  };
  const drag = (e: React.PointerEvent, mode: 'select' | 'move') => {
    e.preventDefault();
    e.stopPropagation();
    const x0 = frac(e.clientX);
    const [a0, b0] = props.view;
    let cur: [number, number] = mode === 'select' ? [x0, x0] : [a0, b0];
    const onMove = (ev: PointerEvent) => {
      const x = frac(ev.clientX);
      if (mode === 'select') cur = [Math.min(x0, x), Math.max(x0, x)];
      else {
        const d = Math.min(1 - b0, Math.max(-a0, x - x0));
        cur = [a0 + d, b0 + d];
      }
      setDraft(cur);
    };
    const onUp = () => {
      window.removeEventListener('pointermove', onMove);
      window.removeEventListener('pointerup', onUp);
      setDraft(undefined);
      if (cur[1] - cur[0] > 0.005) props.setView(cur);
    };
    window.addEventListener('pointermove', onMove);
    window.addEventListener('pointerup', onUp);
  };
  const [a, b] = draft ?? props.view;
  const n = props.rows.length;
  return (
    <div className="minimap" data-testid="trace-minimap" ref={box} onPointerDown={(e) => drag(e, 'select')} title="Drag to zoom into a part of the trace">
      {props.rows.map((r, i) => (
        <span
          key={r.spanId}
          className={`mm-span${r.error ? ' error' : ''}`}
          style={{ left: `${((r.startMs - props.t0) / props.total) * 100}%`, width: `${Math.max((r.durMs / props.total) * 100, 0.3)}%`, top: `${(i / Math.max(n, 1)) * 100}%` }}
        />
      ))}
      <span className="mm-shade" style={{ left: 0, width: `${a * 100}%` }} />
      <span className="mm-shade" style={{ left: `${b * 100}%`, right: 0 }} />
      <span className="mm-viewport" data-testid="minimap-viewport" style={{ left: `${a * 100}%`, width: `${(b - a) * 100}%` }} onPointerDown={(e) => drag(e, 'move')} />
    </div>
  );
}

/** Rows drawn beyond the visible band on each side (scrolling shows drawn rows before the next frame fills in more). */
const OVERSCAN = 20;
/** A row's height before one is measured (`.wf-row`: 26 px and a 1 px border). */
const ROW_HEIGHT = 27;

/**
 * The visible band of the element `ref` (px from its top: the part inside the window), followed as anything scrolls
 * (one capturing listener on the window sees every scroll container) or the window is resized; at most once a frame.
 */
function useVisibleBand(ref: React.RefObject<HTMLElement | null>): [number, number] {
  const [band, setBand] = useState<[number, number]>([0, typeof window === 'undefined' ? 1000 : window.innerHeight]);
  useEffect(() => {
    let frame = 0;
    const measure = () => {
      frame = 0;
      const el = ref.current;
      if (!el) return;
      const top = -el.getBoundingClientRect().top;
      setBand((b) => (b[0] === top && b[1] === top + window.innerHeight ? b : [top, top + window.innerHeight]));
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(measure);
    };
    measure();
    window.addEventListener('scroll', schedule, { capture: true, passive: true });
    window.addEventListener('resize', schedule);
    return () => {
      window.removeEventListener('scroll', schedule, { capture: true });
      window.removeEventListener('resize', schedule);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [ref]);
  return band;
}

/**
 * The trace view: Grafana's header (root service and operation, start, duration, services, depth, span count), a
 * minimap, and the waterfall: one row per span in tree order (collapsible), its bar on the time axis of the window
 * chosen in the minimap, errors in red; a click opens the span's details under its row. Only the rows in view (and
 * OVERSCAN more each side) are in the page — spacers stand for the others — so a 5,000-span trace stays quick.
 */
export function TraceView(props: { rows: SpanRow[]; logsFor?: (r: SpanRow) => (() => void) | undefined; metricsFor?: (r: SpanRow) => { name: string; open: () => void }[]; openTrace: (id: string) => void }) {
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [selected, setSelected] = useState<string | undefined>();
  const [view, setView] = useState<[number, number]>([0, 1]);
  const { t0, total } = useMemo(() => {
    const start = Math.min(...props.rows.map((r) => r.startMs));
    const end = Math.max(...props.rows.map((r) => r.startMs + r.durMs));
    return { t0: start, total: end - start || 1 };
  }, [props.rows]);
  const shown = visibleRows(props.rows, collapsed);
  const list = useRef<HTMLDivElement>(null);
  const [top, bottom] = useVisibleBand(list);
  // measured once rows are drawn: a row's height and the open details' height under the selected row
  const [rowHeight, setRowHeight] = useState(ROW_HEIGHT);
  const [detailsHeight, setDetailsHeight] = useState(0);
  const selectedIndex = selected === undefined ? -1 : shown.findIndex((r) => r.spanId === selected);
  // a waterfall below the fold draws its first screenful (what scrolling down or a test's locator meets first)
  const win = rowWindow(shown.length, rowHeight, Math.max(0, top), Math.max(bottom, window.innerHeight), OVERSCAN, selectedIndex >= 0 ? { index: selectedIndex, height: detailsHeight } : undefined);
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const row = el.querySelector<HTMLElement>('.wf-item:not(.open)');
    if (row && row.offsetHeight > 0 && row.offsetHeight !== rowHeight) setRowHeight(row.offsetHeight);
    const open = el.querySelector<HTMLElement>('.wf-item.open');
    const extra = open ? Math.max(0, open.offsetHeight - (row?.offsetHeight ?? rowHeight)) : 0;
    if (open && extra !== detailsHeight) setDetailsHeight(extra);
  });
  const viewStart = view[0] * total;
  const viewLen = (view[1] - view[0]) * total || 1;
  const ticks = axisTicks(viewLen);
  const services = [...new Set(props.rows.map((r) => r.service))];
  const depth = Math.max(...props.rows.map((r) => r.depth)) + 1;
  const root = props.rows[0];
  const zoomed = view[0] > 0 || view[1] < 1;
  const toggle = (id: string) => {
    const next = new Set(collapsed);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setCollapsed(next);
  };
  return (
    <div className="trace-view">
      <div className="trace-header" data-testid="trace-header">
        <h3 className="trace-title" title={`${root?.service}: ${root?.name}`}>
          {root?.service}: {root?.name}
        </h3>
        <dl className="trace-stats">
          <div><dt>Trace ID</dt><dd className="mono">{root?.traceId}</dd></div>
          <div><dt>Start</dt><dd>{formatDateTime(t0)}</dd></div>
          <div><dt>Duration</dt><dd>{formatMs(total)}</dd></div>
          <div><dt>Services</dt><dd>{services.length}</dd></div>
          <div><dt>Depth</dt><dd>{depth}</dd></div>
          <div><dt>Total spans</dt><dd data-testid="trace-span-count">{props.rows.length}</dd></div>
        </dl>
      </div>
      <Minimap rows={props.rows} t0={t0} total={total} view={view} setView={setView} />
      <div className="waterfall" data-testid="trace-waterfall" data-rows={shown.length}>
        <div className="wf-row wf-axis">
          <div className="wf-name muted">
            Service &amp; operation
            {zoomed && (
              <button className="link wf-reset" data-testid="minimap-reset" onClick={() => setView([0, 1])}>
                Reset zoom
              </button>
            )}
          </div>
          <div className="wf-timeline">
            {ticks.map((t) => (
              <span key={t} className="wf-tick" style={{ left: `${(t / viewLen) * 100}%` }}>
                {formatMs(viewStart + t)}
              </span>
            ))}
          </div>
        </div>
        <div ref={list} data-testid="wf-rows">
        <div className="wf-spacer" style={{ height: win.before }} />
        {shown.slice(win.first, win.last).map((r, k) => {
          const logs = props.logsFor?.(r);
          const startFrac = (r.startMs - t0 - viewStart) / viewLen;
          const endFrac = (r.startMs - t0 + r.durMs - viewStart) / viewLen;
          const place = labelPlacement(Math.max(0, startFrac), Math.min(1, endFrac));
          const labelStyle: React.CSSProperties =
            place === 'right' ? { left: `calc(${Math.max(0, endFrac) * 100}% + 4px)` } : place === 'left' ? { right: `calc(${(1 - Math.min(1, startFrac)) * 100}% + 4px)` } : { left: `calc(${Math.max(0, startFrac) * 100}% + 4px)` };
          return (
            <div key={r.spanId} className={`wf-item${selected === r.spanId ? ' open' : ''}`}>
              <div className={`wf-row${r.error ? ' span-error' : ''}${selected === r.spanId ? ' selected' : ''}`} data-testid="span-row" data-span-id={r.spanId} data-row-index={win.first + k} onClick={() => setSelected(selected === r.spanId ? undefined : r.spanId)}>
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
                  <span className="span-service" title={r.service}>{r.service}</span>
                  <span className="span-name" title={r.name}>{r.name}</span>
                </div>
                <div className="wf-timeline">
                  {ticks.map((t) => (
                    <span key={t} className="wf-grid" style={{ left: `${(t / viewLen) * 100}%` }} />
                  ))}
                  {endFrac >= 0 && startFrac <= 1 && (
                    <div className="span-bar" style={{ left: `${Math.max(0, startFrac) * 100}%`, width: `${Math.max((Math.min(1, endFrac) - Math.max(0, startFrac)) * 100, 0.2)}%` }} />
                  )}
                  <span className={`wf-dur ${place}`} style={labelStyle}>
                    {formatMs(r.durMs)}
                  </span>
                </div>
              </div>
              {selected === r.spanId && <SpanDetails row={r} t0={t0} logs={logs} logsMissing={props.logsFor !== undefined} metrics={props.metricsFor?.(r)} openTrace={props.openTrace} />}
            </div>
          );
        })}
        <div className="wf-spacer" style={{ height: win.after }} />
        </div>
      </div>
    </div>
  );
}
