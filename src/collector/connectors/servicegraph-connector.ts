import * as z from 'zod';
import type { ExportMetricsServiceRequest, KeyValue, Metric, ResourceSpans } from '../../otlp/index.js';
import { ServiceGraphStore, type GraphEdge } from '../../traces/index.js';
import type { ConnectorFactory } from '../components.js';
import { goDurationMs } from '../config/go-duration.js';
import { toAnyValue } from '../pipeline/otlp-data.js';
import { asString, CUMULATIVE, ExplicitHistogram, findAttr, histogramMetric, histogramPoint, intPoint, sumMetric, tracesToMetricsConnector } from './metric-builders.js';

const schema = z.strictObject({
  latency_histogram_buckets: z.array(goDurationMs).optional(),
  dimensions: z.array(z.string()).default([]),
  store: z.strictObject({ ttl: goDurationMs.default(2000), max_items: z.number().int().positive().default(1000) }).prefault({}),
  cache_loop: goDurationMs.default(60_000),
  store_expiration_loop: goDurationMs.default(2000),
  virtual_node_peer_attributes: z.array(z.string()).default(['peer.service', 'db.name', 'db.system']),
  virtual_node_extra_label: z.boolean().default(false),
  metrics_flush_interval: goDurationMs.default(60_000),
  metrics_timestamp_offset: goDurationMs.default(0),
  database_name_attributes: z.array(z.string()).default(['db.name']),
  metrics_exporter: z.string().optional(),
});

export type ServiceGraphConfig = z.output<typeof schema>;

/** The default latency buckets (seconds). */
export const SERVICEGRAPH_DEFAULT_BUCKETS = [0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15];
/** Series not updated for this long are dropped by the cache loop. */
const STALE_SERIES_MS = 15 * 60_000;

interface Series {
  attributes: KeyValue[];
  total: number;
  failed: number;
  server: ExplicitHistogram;
  client: ExplicitHistogram;
  lastUpdated: number;
}

/**
 * The `servicegraph` connector's state: spans that form a request (client→server, producer→consumer, and client spans
 * calling a database) are paired in a store keyed by trace and span ID; a completed pair counts a request between two
 * services, an expired one becomes a request from `user` or to a virtual node (the peer attribute, else `unknown`).
 */
export class ServiceGraph {
  private readonly store: ServiceGraphStore;
  private readonly series = new Map<string, Series>();
  private readonly bounds: number[];
  private readonly startMs: number;

  constructor(
    private readonly cfg: ServiceGraphConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.bounds = cfg.latency_histogram_buckets ? cfg.latency_histogram_buckets.map((ms) => ms / 1000) : SERVICEGRAPH_DEFAULT_BUCKETS;
    this.startMs = now();
    this.store = new ServiceGraphStore({
      ttlMs: cfg.store.ttl,
      maxItems: cfg.store.max_items,
      whenFull: 'drop',
      virtualNodePeerAttributes: cfg.virtual_node_peer_attributes,
      databaseNameAttributes: cfg.database_name_attributes,
      dimensions: cfg.dimensions,
      onEdge: (e) => this.record(e),
      now,
    });
  }

  /** Spans refused because the store was full (`max_items`). */
  get droppedSpans(): number {
    return this.store.droppedSpans;
  }

  /** Edges that expired before their other side came. */
  get expiredEdges(): number {
    return this.store.expiredEdges;
  }

  observe(resourceSpans: readonly ResourceSpans[]): void {
    for (const rs of resourceSpans) {
      const resAttrs = rs.resource?.attributes;
      const serviceValue = findAttr('service.name', resAttrs);
      if (!serviceValue) continue;
      const service = asString(serviceValue);
      for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) this.store.observe(service, span, resAttrs);
    }
  }

  /** Expire edges older than the store's `ttl`: their missing side becomes a virtual node. */
  expire(): void {
    this.store.expire();
  }

  private record(e: GraphEdge): void {
    const dimParts: string[] = [];
    for (const d of this.cfg.dimensions)
      for (const kind of ['client', 'server']) {
        const v = e.dimensions.get(`${kind}_${d}`);
        if (v !== undefined) dimParts.push(`${kind}_${d}_${v}`);
      }
    const key = [e.clientService, e.serverService, e.connectionType, String(e.failed), ...dimParts].join('\u0000');
    const attributes: KeyValue[] = [
      { key: 'client', value: toAnyValue(e.clientService) },
      { key: 'server', value: toAnyValue(e.serverService) },
      { key: 'connection_type', value: toAnyValue(e.connectionType) },
      { key: 'failed', value: toAnyValue(e.failed) },
    ];
    for (const [k, v] of e.dimensions) attributes.push({ key: k, value: toAnyValue(v) });
    if (this.cfg.virtual_node_extra_label) attributes.push({ key: 'virtual_node', value: toAnyValue(e.virtualNode ?? '') });
    let s = this.series.get(key);
    if (!s) {
      s = { attributes, total: 0, failed: 0, server: new ExplicitHistogram(this.bounds), client: new ExplicitHistogram(this.bounds), lastUpdated: 0 };
      this.series.set(key, s);
    }
    s.attributes = attributes;
    s.lastUpdated = this.now();
    s.total++;
    if (e.failed) s.failed++;
    s.server.observe(e.serverSeconds);
    s.client.observe(e.clientSeconds);
  }

  /** Drop series not updated for 15 minutes (the connector's cache loop). */
  cleanCache(): void {
    const now = this.now();
    for (const [k, s] of this.series) if (s.lastUpdated + STALE_SERIES_MS < now) this.series.delete(k);
  }

  /** The cumulative metrics so far (empty when no request was recorded). */
  build(): ExportMetricsServiceRequest {
    const series = [...this.series.values()];
    if (series.length === 0) return { resourceMetrics: [] };
    const t = this.now() - this.cfg.metrics_timestamp_offset;
    const metrics: Metric[] = [sumMetric('traces_service_graph_request_total', '', series.map((s) => intPoint(s.attributes, this.startMs, t, s.total)), CUMULATIVE)];
    const failed = series.filter((s) => s.failed > 0);
    if (failed.length > 0) metrics.push(sumMetric('traces_service_graph_request_failed_total', '', failed.map((s) => intPoint(s.attributes, this.startMs, t, s.failed)), CUMULATIVE));
    metrics.push(histogramMetric('traces_service_graph_request_server', 's', series.map((s) => histogramPoint(s.attributes, this.startMs, t, s.server)), CUMULATIVE));
    metrics.push(histogramMetric('traces_service_graph_request_client', 's', series.map((s) => histogramPoint(s.attributes, this.startMs, t, s.client)), CUMULATIVE));
    return { resourceMetrics: [{ resource: { attributes: [] }, scopeMetrics: [{ scope: { name: 'traces_service_graph' }, metrics }] }] };
  }
}

/**
 * `servicegraph`: the request graph between services from client/server (and producer/consumer, database) span
 * pairs — `traces_service_graph_request_total`, `..._request_failed_total`, and the `..._request_server` /
 * `..._request_client` latency histograms (unit `s`) by `client`, `server`, `connection_type`, `failed` and the
 * configured `dimensions` (prefixed `client_` / `server_`). Traces pipeline in, metrics pipeline out.
 */
export const servicegraphConnectorFactory: ConnectorFactory<typeof schema> = {
  type: 'servicegraph',
  pairs: [['traces', 'metrics']],
  schema,
  create(id, cfg, next, env) {
    const graph = new ServiceGraph(cfg);
    return tracesToMetricsConnector(id, next, env, {
      observe: (rs) => graph.observe(rs),
      build: () => graph.build(),
      flushEveryMs: cfg.metrics_flush_interval,
      loops: [
        [cfg.cache_loop, () => graph.cleanCache()],
        [cfg.store_expiration_loop, () => graph.expire()],
      ],
    });
  },
};
