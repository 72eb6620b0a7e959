import { Labels, METRIC_NAME, type MetricType } from '../../model/index.js';
import type { Appendable } from '../../metrics/storage-api/index.js';
import { nanosBetween, spansMayHaveAttribute, stringAttr } from '../../otlp/index.js';
import type { ResourceSpans } from '../../otlp/index.js';
import { ServiceGraphStore, type GraphEdge } from './service-graph-store.js';

const KIND_NAMES = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** Tempo's default latency buckets (seconds). */
export const DEFAULT_BUCKETS = [0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192, 16.384];

class Histogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly bounds: number[]) {
    this.counts = new Float64Array(bounds.length);
  }
  observe(v: number): void {
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]) this.counts[i]++;
    this.sum += v;
    this.count++;
  }
}

interface SpanMetricsSeries {
  labels: Record<string, string>;
  calls: number;
  latency: Histogram;
}

/** Slots of one (service, span name)'s series by kind and status code, for the usual kinds (0–5) and codes (0–2). */
const KIND_SLOTS = 6;
const CODE_SLOTS = 3;

interface EdgeSeries {
  labels: Record<string, string>;
  total: number;
  failed: number;
  server: Histogram;
  client: Histogram;
}

export interface MetricsGeneratorOptions {
  buckets?: number[];
  /** How long a client or server span waits for its counterpart (Tempo's service-graphs `wait`). */
  waitMs?: number;
  maxPendingEdges?: number;
  /**
   * Client span attributes naming the virtual server node of an edge that expired without its server side (Tempo's
   * `peer_attributes`); a root server span then also becomes a request from `user`. Empty (the default here): expired
   * edges are dropped.
   */
  peerAttributes?: readonly string[];
  /** Attributes of a client span naming the database it calls (Tempo's `database_name_attributes`). */
  databaseNameAttributes?: readonly string[];
  now?: () => number;
}

/**
 * Tempo's metrics generator: span metrics (`traces_spanmetrics_calls_total`, `traces_spanmetrics_latency` histogram by
 * service, span_name, span_kind, status_code) and service graphs (`traces_service_graph_request_total`,
 * `..._request_failed_total`, `..._request_server_seconds`, `..._request_client_seconds` by client, server and
 * connection_type, from client/server span pairs found within a wait window by the shared ServiceGraphStore). Values are cumulative; `collect` writes them to an Appendable.
 */
export class MetricsGenerator {
  /**
   * Span-metrics series by service, then span name, then kind × status code (a slot array): found per span without
   * building a key string (one per span was most of span metrics' cost). Kinds or codes outside the enums' ranges
   * go by a string key in `otherSeries`. `series` lists them all in creation order (the order `collect` writes).
   */
  private readonly byService = new Map<string, Map<string, (SpanMetricsSeries | undefined)[]>>();
  private readonly otherSeries = new Map<string, SpanMetricsSeries>();
  private readonly series: SpanMetricsSeries[] = [];
  private readonly edges = new Map<string, EdgeSeries>();
  private readonly graph: ServiceGraphStore;
  private readonly databaseNameAttributes: readonly string[];
  private readonly buckets: number[];
  private readonly now: () => number;

  constructor(opts: MetricsGeneratorOptions = {}) {
    this.buckets = opts.buckets ?? DEFAULT_BUCKETS;
    this.now = opts.now ?? Date.now;
    this.databaseNameAttributes = opts.databaseNameAttributes ?? ['db.name'];
    this.graph = new ServiceGraphStore({
      ttlMs: opts.waitMs ?? 10_000,
      maxItems: opts.maxPendingEdges ?? 10_000,
      whenFull: 'expire-oldest',
      virtualNodePeerAttributes: opts.peerAttributes ?? [],
      databaseNameAttributes: this.databaseNameAttributes,
      dimensions: [],
      onEdge: (e) => this.recordEdge(e),
      now: this.now,
    });
  }

  /** Pending edges that expired (into a virtual node, or dropped). */
  get expiredEdges(): number {
    return this.graph.expiredEdges;
  }

  observe(resourceSpans: ResourceSpans[]): void {
    this.graph.expire();
    for (const rs of resourceSpans) {
      const resAttrs = rs.resource?.attributes;
      const service = stringAttr(resAttrs, 'service.name') ?? '';
      let byName = this.byService.get(service);
      if (!byName) this.byService.set(service, (byName = new Map()));
      for (const ss of rs.scopeSpans ?? []) {
        const spans = ss.spans ?? [];
        // Most requests name no database: one search of their bytes spares a walk of every client span's attributes.
        const noDatabaseAttribute = !spansMayHaveAttribute(spans, this.databaseNameAttributes);
        for (const s of spans) {
          const kind = s.kind ?? 0;
          const code = s.status?.code ?? 0;
          const name = s.name ?? '';
          const seconds = nanosBetween(s.startTimeUnixNano, s.endTimeUnixNano) / 1e9;
          const m = this.seriesOf(byName, service, name, kind, code);
          m.calls++;
          m.latency.observe(seconds);

          this.graph.observe(service, s, resAttrs, seconds, noDatabaseAttribute);
        }
      }
    }
  }

  /** The span-metrics series of (service, name, kind, code), created on first use. */
  private seriesOf(byName: Map<string, (SpanMetricsSeries | undefined)[]>, service: string, name: string, kind: number, code: number): SpanMetricsSeries {
    if (kind >= 0 && kind < KIND_SLOTS && code >= 0 && code < CODE_SLOTS) {
      let slots = byName.get(name);
      if (!slots) byName.set(name, (slots = new Array<SpanMetricsSeries | undefined>(KIND_SLOTS * CODE_SLOTS).fill(undefined)));
      const i = kind * CODE_SLOTS + code;
      return (slots[i] ??= this.newSeries(service, name, kind, code));
    }
    const key = `${service}\xff${name}\xff${kind}\xff${code}`;
    let m = this.otherSeries.get(key);
    if (!m) this.otherSeries.set(key, (m = this.newSeries(service, name, kind, code)));
    return m;
  }

  private newSeries(service: string, name: string, kind: number, code: number): SpanMetricsSeries {
    const m = { labels: { service, span_name: name, span_kind: KIND_NAMES[kind] ?? KIND_NAMES[0], status_code: STATUS_NAMES[code] ?? STATUS_NAMES[0] }, calls: 0, latency: new Histogram(this.buckets) };
    this.series.push(m);
    return m;
  }

  private recordEdge(edge: GraphEdge): void {
    const key = `${edge.clientService}\xff${edge.serverService}\xff${edge.connectionType}`;
    let e = this.edges.get(key);
    if (!e) {
      // An empty connection_type is no label: a direct request keeps the {client, server} label set.
      e = { labels: { client: edge.clientService, server: edge.serverService, connection_type: edge.connectionType }, total: 0, failed: 0, server: new Histogram(this.buckets), client: new Histogram(this.buckets) };
      this.edges.set(key, e);
    }
    e.total++;
    if (edge.failed) e.failed++;
    e.server.observe(edge.serverSeconds);
    e.client.observe(edge.clientSeconds);
  }

  /** Append the current cumulative values at `t` (ms) and commit. */
  async collect(target: Appendable, t = this.now()): Promise<number> {
    const app = target.appender();
    let n = 0;
    const put = (name: string, labels: Record<string, string>, v: number, type: MetricType, extra?: [string, string]) => {
      const obj: Record<string, string> = { ...labels, [METRIC_NAME]: name };
      if (extra) obj[extra[0]] = extra[1];
      const l = Labels.fromObject(obj);
      app.append(0, l, t, v);
      app.updateMetadata(0, l, { type, help: '', unit: '' });
      n++;
    };
    const hist = (name: string, labels: Record<string, string>, h: Histogram) => {
      for (let i = 0; i < h.bounds.length; i++) put(`${name}_bucket`, labels, h.counts[i], 'histogram', ['le', String(h.bounds[i])]);
      put(`${name}_bucket`, labels, h.count, 'histogram', ['le', '+Inf']);
      put(`${name}_sum`, labels, h.sum, 'histogram');
      put(`${name}_count`, labels, h.count, 'histogram');
    };
    for (const m of this.series) {
      put('traces_spanmetrics_calls_total', m.labels, m.calls, 'counter');
      hist('traces_spanmetrics_latency', m.labels, m.latency);
    }
    for (const e of this.edges.values()) {
      put('traces_service_graph_request_total', e.labels, e.total, 'counter');
      put('traces_service_graph_request_failed_total', e.labels, e.failed, 'counter');
      hist('traces_service_graph_request_server_seconds', e.labels, e.server);
      hist('traces_service_graph_request_client_seconds', e.labels, e.client);
    }
    try {
      await app.commit();
    } catch (err) {
      app.rollback();
      throw err;
    }
    return n;
  }
}
