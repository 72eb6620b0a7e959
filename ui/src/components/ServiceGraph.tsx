import { useEffect, useState } from 'react';
import { promQuery, type PromSeries } from '../lib/prometheus';
import { formatRate, layoutServiceGraph, serviceGraphEdges, serviceGraphQueries, type GraphEdge } from '../lib/service-graph';
import { formatMs } from '../lib/trace';

type Vector = { metric: Record<string, string>; value?: [number, string] }[];

/**
 * The service graph: the metrics generator's `traces_service_graph_*` series from the Prometheus datasource named
 * in the Tempo datasource's `serviceMap`, drawn as nodes (services, with requests served, failure share and mean
 * latency) and arrows (client → server, with request rates). Per-second rates over the selected range, as Grafana
 * does (`rate(…[range])` at the range's end); the mean latency is the ratio of the seconds and request rates.
 */
export function ServiceGraph(props: { promUid: string; startSec: number; endSec: number }) {
  const [edges, setEdges] = useState<GraphEdge[] | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    setError('');
    const q = (expr: string) => promQuery(props.promUid, 'query', { query: expr, time: String(props.endSec) }, 'GET').then((r) => (r.body.data?.result ?? []) as PromSeries[] as Vector);
    Promise.all(serviceGraphQueries(props.endSec - props.startSec).map(q)).then(([req, failed, secs]) => setEdges(serviceGraphEdges(req, failed, secs)), (e: Error) => setError(e.message));
  }, [props.promUid, props.startSec, props.endSec]);
  if (error) return <div className="alert error">{error}</div>;
  if (!edges) return <div className="muted">Loading service graph…</div>;
  if (edges.length === 0) return <div className="alert info" data-testid="service-graph-empty">No service graph data: no traces_service_graph_request_total increase in this time range.</div>;
  const nodes = layoutServiceGraph(edges);
  const at = new Map(nodes.map((n) => [n.name, n]));
  const width = Math.max(...nodes.map((n) => n.x)) + 120;
  const height = Math.max(...nodes.map((n) => n.y)) + 80;
  const R = 34;
  return (
    <svg className="service-graph" data-testid="service-graph" width={width} height={height} viewBox={`0 0 ${width} ${height}`}>
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
          <g key={n.name} data-testid="sg-node" transform={`translate(${n.x},${n.y})`}>
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
    </svg>
  );
}
