/**
 * The service graph (Grafana's node graph for Tempo's `serviceMap`) from the metrics generator's series:
 * `traces_service_graph_request_total`, `..._request_failed_total` and `..._request_server_seconds_sum` by
 * `client` and `server` (their rates over the range). Pure helpers: edges from instant-vector results, node statistics and a layered layout.
 */

export interface GraphEdge {
  client: string;
  server: string;
  /** Requests (and failed requests) per second over the range. */
  requests: number;
  failed: number;
  /** Mean server-side latency in ms, when the seconds sum is known. */
  avgMs?: number;
}

export interface GraphNode {
  name: string;
  /** Requests per second this service served (sum over incoming edges); 0 for pure clients. */
  requests: number;
  failed: number;
  avgMs?: number;
  x: number;
  y: number;
}

/**
 * Grafana's service map queries: per-second rates over the whole range (`rangeSec`, at least 1 s) of requests,
 * failed requests and server seconds, by client and server; evaluated as instant queries at the range's end.
 */
export function serviceGraphQueries(rangeSec: number): [string, string, string] {
  const r = `${Math.max(1, Math.round(rangeSec))}s`;
  const q = (m: string) => `sum by (client, server) (rate(${m}[${r}]))`;
  return [q('traces_service_graph_request_total'), q('traces_service_graph_request_failed_total'), q('traces_service_graph_request_server_seconds_sum')];
}

/** A rate for a label: three significant digits below 100, whole numbers above. */
export function formatRate(v: number): string {
  if (v === 0) return '0';
  if (v >= 100) return v.toFixed(0);
  return String(Number(v.toPrecision(3)));
}

type Vector = { metric: Record<string, string>; value?: [number, string] }[];

const key = (m: Record<string, string>) => `${m.client ?? ''}\u0000${m.server ?? ''}`;

/** Edges from `sum by (client, server)` vectors of requests, failed requests and server seconds. */
export function serviceGraphEdges(requests: Vector, failed: Vector, serverSeconds: Vector): GraphEdge[] {
  const f = new Map(failed.map((s) => [key(s.metric), Number(s.value?.[1] ?? 0)]));
  const sec = new Map(serverSeconds.map((s) => [key(s.metric), Number(s.value?.[1] ?? 0)]));
  return requests
    .map((s) => {
      const k = key(s.metric);
      const n = Number(s.value?.[1] ?? 0);
      const secs = sec.get(k);
      return { client: s.metric.client ?? '', server: s.metric.server ?? '', requests: n, failed: Math.min(f.get(k) ?? 0, n), avgMs: secs !== undefined && n > 0 ? (secs / n) * 1000 : undefined };
    })
    .filter((e) => e.client !== '' && e.server !== '' && e.requests > 0)
    .sort((a, b) => (a.client + a.server < b.client + b.server ? -1 : 1));
}

/**
 * Nodes sorted by name, placed in columns by their distance from a service nobody calls (callers left of callees),
 * rows within a column by name. Coordinates are in units of `colWidth` × `rowHeight`.
 */
export function layoutServiceGraph(edges: GraphEdge[], colWidth = 220, rowHeight = 110): GraphNode[] {
  const names = [...new Set(edges.flatMap((e) => [e.client, e.server]))].sort();
  const incoming = new Map<string, GraphEdge[]>(names.map((n) => [n, []]));
  for (const e of edges) incoming.get(e.server)!.push(e);
  const level = new Map<string, number>();
  const roots = names.filter((n) => incoming.get(n)!.every((e) => e.client === n));
  const queue = roots.length ? roots : names.slice(0, 1);
  for (const r of queue) level.set(r, 0);
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i];
    for (const e of edges) {
      if (e.client === n && !level.has(e.server)) {
        level.set(e.server, level.get(n)! + 1);
        queue.push(e.server);
      }
    }
  }
  for (const n of names) if (!level.has(n)) level.set(n, 0);
  const rowsUsed = new Map<number, number>();
  return names.map((name) => {
    const col = level.get(name)!;
    const row = rowsUsed.get(col) ?? 0;
    rowsUsed.set(col, row + 1);
    const inc = incoming.get(name)!;
    const requests = inc.reduce((a, e) => a + e.requests, 0);
    const failed = inc.reduce((a, e) => a + e.failed, 0);
    const withLatency = inc.filter((e) => e.avgMs !== undefined);
    const avgMs = withLatency.length ? withLatency.reduce((a, e) => a + e.avgMs! * e.requests, 0) / withLatency.reduce((a, e) => a + e.requests, 0) : undefined;
    return { name, requests, failed, avgMs, x: 90 + col * colWidth, y: 70 + row * rowHeight };
  });
}

/** Pan and zoom of the service graph: screen = graph × k + (x, y). */
export interface GraphView {
  x: number;
  y: number;
  k: number;
}

export const IDENTITY_VIEW: GraphView = { x: 0, y: 0, k: 1 };
const MIN_ZOOM = 0.25;
const MAX_ZOOM = 4;

/** Zoom by `factor` keeping the graph point under (px, py) where it is (wheel or +/- at the pointer or centre). */
export function zoomAt(view: GraphView, factor: number, px: number, py: number): GraphView {
  const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, view.k * factor));
  const f = k / view.k;
  return { k, x: px - (px - view.x) * f, y: py - (py - view.y) * f };
}

/** Move the view by a drag of (dx, dy) screen pixels. */
export function panBy(view: GraphView, dx: number, dy: number): GraphView {
  return { ...view, x: view.x + dx, y: view.y + dy };
}
