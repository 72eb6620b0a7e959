import { useEffect, useRef, useState } from 'react';
import { matrixToGraph, promQuery, type GraphData, type PromSeries } from '../lib/prometheus';
import { Graph } from './Graph';
import { IDENTITY_VIEW, formatRate, layoutServiceGraph, panBy, serviceGraphEdges, serviceGraphQueries, zoomAt, type GraphEdge, type GraphView } from '../lib/service-graph';
import { formatMs } from '../lib/trace';

type Vector = { metric: Record<string, string>; value?: [number, string] }[];

/**
 * The service graph: the metrics generator's `traces_service_graph_*` series from the Prometheus datasource named
 * in the Tempo datasource's `serviceMap`, drawn as nodes (services, with requests served, failure share and mean
 * latency) and arrows (client → server, with request rates). Per-second rates over the selected range, as Grafana
 * does (`rate(…[range])` at the range's end); the mean latency is the ratio of the seconds and request rates.
 * Zoom with the wheel (at the pointer) or the +/− buttons, pan by dragging the background, 1:1 resets.
 */
export function ServiceGraph(props: { promUid: string; startSec: number; endSec: number; selected?: string; onSelect?: (service: string) => void }) {
  const [edges, setEdges] = useState<GraphEdge[] | undefined>();
  const [error, setError] = useState('');
  // The columns spread over the pane's width (measured, and again when it changes).
  const box = useRef<HTMLDivElement>(null);
  const [paneWidth, setPaneWidth] = useState(0);
  const [view, setView] = useState<GraphView>(IDENTITY_VIEW);
  const drag = useRef<{ x: number; y: number; moved: boolean } | null>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  // The wheel zooms the graph, not the page: a non-passive listener so that preventDefault is honoured.
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = svg.getBoundingClientRect();
      setView((v) => zoomAt(v, e.deltaY < 0 ? 1.2 : 1 / 1.2, e.clientX - r.left, e.clientY - r.top));
    };
    svg.addEventListener('wheel', onWheel, { passive: false });
    return () => svg.removeEventListener('wheel', onWheel);
  });
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setPaneWidth(el.clientWidth));
    ro.observe(el);
    setPaneWidth(el.clientWidth);
    return () => ro.disconnect();
  }, [edges !== undefined && edges.length > 0]);
  useEffect(() => {
    setError('');
    const q = (expr: string) => promQuery(props.promUid, 'query', { query: expr, time: String(props.endSec) }, 'GET').then((r) => (r.body.data?.result ?? []) as PromSeries[] as Vector);
    Promise.all(serviceGraphQueries(props.endSec - props.startSec).map(q)).then(([req, failed, secs]) => setEdges(serviceGraphEdges(req, failed, secs)), (e: Error) => setError(e.message));
  }, [props.promUid, props.startSec, props.endSec]);
  if (error) return <div className="alert error">{error}</div>;
  if (!edges) return <div className="muted">Loading service graph…</div>;
  if (edges.length === 0) return <div className="alert info" data-testid="service-graph-empty">No service graph data: no traces_service_graph_request_total increase in this time range.</div>;
  const natural = layoutServiceGraph(edges);
  const cols = Math.round((Math.max(...natural.map((n) => n.x)) - 90) / 220) + 1;
  const width = Math.max(paneWidth - 2, cols * 220);
  // Spread the columns over the width, 90 px in from each side; one column sits in the middle.
  const nodes = cols > 1 ? layoutServiceGraph(edges, (width - 180) / (cols - 1)) : natural.map((n) => ({ ...n, x: width / 2 }));
  const at = new Map(nodes.map((n) => [n.name, n]));
  const height = Math.max(...nodes.map((n) => n.y)) + 80;
  const R = 34;
  return (
    <div ref={box} className="service-graph-box">
    <div className="sg-zoom" role="group" aria-label="Zoom the service graph">
      <button type="button" className="btn small" data-testid="sg-zoom-in" aria-label="Zoom in" onClick={() => setView((v) => zoomAt(v, 1.25, width / 2, height / 2))}>+</button>
      <button type="button" className="btn small" data-testid="sg-zoom-out" aria-label="Zoom out" onClick={() => setView((v) => zoomAt(v, 1 / 1.25, width / 2, height / 2))}>−</button>
      <button type="button" className="btn small" data-testid="sg-zoom-reset" aria-label="Reset zoom and position" onClick={() => setView(IDENTITY_VIEW)}>1:1</button>
    </div>
    <svg
      ref={svgRef}
      className={drag.current?.moved ? 'service-graph dragging' : 'service-graph'}
      data-testid="service-graph"
      data-view={`${view.x.toFixed(1)},${view.y.toFixed(1)},${view.k.toFixed(3)}`}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      onPointerDown={(e) => {
        if ((e.target as Element).closest('[data-testid=sg-node]')) return; // a node click selects, it does not pan
        drag.current = { x: e.clientX, y: e.clientY, moved: false };
        (e.currentTarget as SVGSVGElement).setPointerCapture?.(e.pointerId);
      }}
      onPointerMove={(e) => {
        const d = drag.current;
        if (!d) return;
        const dx = e.clientX - d.x;
        const dy = e.clientY - d.y;
        if (!d.moved && Math.hypot(dx, dy) < 3) return;
        d.moved = true;
        d.x = e.clientX;
        d.y = e.clientY;
        setView((v) => panBy(v, dx, dy));
      }}
      onPointerUp={() => (drag.current = null)}
      onPointerCancel={() => (drag.current = null)}
    >
      <rect className="sg-background" width={width} height={height} fill="transparent" />
      <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
      <defs>
        <marker id="sg-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" className="sg-arrowhead" />
        </marker>
      </defs>
      {edges.map((e) => {
        const a = at.get(e.client)!;
        const b = at.get(e.server)!;
        const dx = b.x - a.x;
        const dy = b.y - a.y;
        const len = Math.hypot(dx, dy) || 1;
        const [x1, y1, x2, y2] = [a.x + (dx / len) * R, a.y + (dy / len) * R, b.x - (dx / len) * R, b.y - (dy / len) * R];
        return (
          <g key={`${e.client}→${e.server}`} data-testid="sg-edge" data-edge={`${e.client}→${e.server}`}>
            <line x1={x1} y1={y1} x2={x2} y2={y2} className={e.failed > 0 ? 'sg-line failed' : 'sg-line'} markerEnd="url(#sg-arrow)" />
            <text x={(x1 + x2) / 2} y={(y1 + y2) / 2 - 6} textAnchor="middle" className="sg-edge-label">
              {formatRate(e.requests)} req/s
              <title>{`${formatRate(e.requests)} req/s, ${formatRate(e.failed)} failed/s`}</title>
            </text>
          </g>
        );
      })}
      {nodes.map((n) => {
        const share = n.requests > 0 ? n.failed / n.requests : 0;
        // the ring: green for successes, red for the failed share
        const c = 2 * Math.PI * R;
        return (
          <g
            key={n.name}
            data-testid="sg-node"
            className={n.name === props.selected ? 'sg-node selected' : 'sg-node'}
            transform={`translate(${n.x},${n.y})`}
            role="button"
            tabIndex={0}
            aria-pressed={n.name === props.selected}
            aria-label={`Service ${n.name}: show its spans and rates`}
            onClick={() => props.onSelect?.(n.name)}
            onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && props.onSelect?.(n.name)}
          >
            <circle r={R} className="sg-ok" />
            {share > 0 && <circle r={R} className="sg-fail" strokeDasharray={`${share * c} ${c}`} transform="rotate(-90)" />}
            <text y={-4} textAnchor="middle" className="sg-stat">
              {n.avgMs !== undefined ? formatMs(n.avgMs) : ''}
            </text>
            <text y={12} textAnchor="middle" className="sg-stat">
              {n.requests > 0 ? `${formatRate(n.requests)} r/s` : ''}
            </text>
            <text y={R + 16} textAnchor="middle" className="sg-name">
              {n.name}
            </text>
            {n.requests > 0 && (
              <text y={R + 31} textAnchor="middle" className="sg-failed">
                {(share * 100).toFixed(1)}% failed
              </text>
            )}
          </g>
        );
      })}
      </g>
    </svg>
    </div>
  );
}

/** PromQL for a service's requests served and failed per second over time (the node graph's detail view). */
export function serviceRateQueries(service: string, stepSec: number): [string, string] {
  const sel = `server=${JSON.stringify(service)}`;
  const w = `${Math.max(4 * stepSec, 60)}s`;
  return [`sum(rate(traces_service_graph_request_total{${sel}}[${w}]))`, `sum(rate(traces_service_graph_request_failed_total{${sel}}[${w}]))`];
}

/** A service's request rate and error rate over the range, as a graph (series "requests" and "errors"). */
export function ServiceRates(props: { promUid: string; service: string; startSec: number; endSec: number }) {
  const [graph, setGraph] = useState<GraphData | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    setError('');
    const step = Math.max(1, Math.round((props.endSec - props.startSec) / 200));
    const range = (expr: string) => promQuery(props.promUid, 'query_range', { query: expr, start: String(props.startSec), end: String(props.endSec), step: String(step) }, 'GET').then((r) => (r.body.data?.result ?? []) as PromSeries[]);
    const [req, failed] = serviceRateQueries(props.service, step);
    Promise.all([range(req), range(failed)]).then(([a, b]) => {
      const g = matrixToGraph([...a.map((s) => ({ ...s, metric: { kind: 'requests' } })), ...b.map((s) => ({ ...s, metric: { kind: 'errors' } }))], props.startSec, props.endSec, step, '{{kind}}');
      setGraph(g);
    }, (e: Error) => setError(e.message));
  }, [props.promUid, props.service, props.startSec, props.endSec]);
  if (error) return <div className="alert error">{error}</div>;
  if (!graph) return <div className="muted">Loading rates…</div>;
  const last = (name: string) => [...(graph.series.find((s) => s.name === name)?.values ?? [])].reverse().find((v) => v !== null) ?? 0;
  return (
    <div data-testid="sg-rates">
      <div className="muted" data-testid="sg-rate-summary">
        {formatRate(last('requests'))} req/s, {formatRate(last('errors'))} errors/s (latest)
      </div>
      <Graph data={graph} options={{ stacked: false, unit: 'reqps', yFromZero: true }} height={180} />
    </div>
  );
}
