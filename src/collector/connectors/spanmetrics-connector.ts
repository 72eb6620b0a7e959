import * as z from 'zod';
import { nanosBetween, type ExportMetricsServiceRequest, type KeyValue, type Metric, type ResourceSpans } from '../../otlp/index.js';
import type { ConnectorFactory } from '../components.js';
import { goDurationMs } from '../config/go-duration.js';
import { toAnyValue } from '../pipeline/otlp-data.js';
import { asString, CUMULATIVE, DELTA, durationsIn, ExplicitHistogram, findAttr, histogramMetric, histogramPoint, intPoint, sumMetric, tracesToMetricsConnector, type Exemplar } from './metric-builders.js';

const dimension = z.strictObject({ name: z.string().min(1), default: z.string().nullish() });

const schema = z.strictObject({
  histogram: z
    .strictObject({
      disable: z.boolean().default(false),
      unit: z.enum(['ms', 's']).default('ms'),
      explicit: z.strictObject({ buckets: z.array(goDurationMs).optional() }).nullish(),
    })
    .prefault({}),
  dimensions: z.array(dimension).default([]),
  exclude_dimensions: z.array(z.string()).default([]),
  dimensions_cache_size: z.number().int().positive().default(1000),
  resource_metrics_cache_size: z.number().int().positive().default(1000),
  resource_metrics_key_attributes: z.array(z.string()).default([]),
  aggregation_temporality: z.enum(['AGGREGATION_TEMPORALITY_CUMULATIVE', 'AGGREGATION_TEMPORALITY_DELTA']).default('AGGREGATION_TEMPORALITY_CUMULATIVE'),
  namespace: z.string().default('traces.span.metrics'),
  metrics_flush_interval: goDurationMs.default(15_000),
  metrics_expiration: goDurationMs.default(0),
  exemplars: z.strictObject({ enabled: z.boolean().default(false), max_per_data_point: z.number().int().positive().optional() }).prefault({}),
  events: z.strictObject({ enabled: z.boolean().default(false), dimensions: z.array(dimension).default([]) }).prefault({}),
  include_instrumentation_scope: z.array(z.string()).default([]),
  delta_timestamp_cache_size: z.number().int().positive().default(10_000),
}).refine((c) => !c.events.enabled || c.events.dimensions.length > 0, { message: 'no dimensions configured for events', path: ['events', 'dimensions'] });

export type SpanMetricsConfig = z.output<typeof schema>;

/** The default duration buckets (ms): `[2ms, 4ms, 6ms, 8ms, 10ms, 50ms, 100ms, 200ms, 400ms, 800ms, 1s, 1400ms, 2s, 5s, 10s, 15s]`. */
export const SPANMETRICS_DEFAULT_BUCKETS_MS = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10_000, 15_000];

const KIND = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

interface Series {
  attributes: KeyValue[];
  startMs: number;
  count: number;
  histogram?: ExplicitHistogram;
  exemplars: Exemplar[];
}

interface ResourceEntry {
  attributes: KeyValue[];
  calls: Map<string, Series>;
  events: Map<string, Series>;
  lastSeenMs: number;
}

/**
 * The aggregation state of the `spanmetrics` connector: calls (a monotonic sum) and a duration histogram per unique
 * set of dimensions (`service.name`, `span.name`, `span.kind`, `status.code`, then the configured `dimensions` looked up
 * in the span's attributes, then its resource's, then their `default`), grouped by resource as the contrib
 * connector does. `flush` builds the OTLP metrics of the state (and, for delta temporality, resets it).
 */
export class SpanMetrics {
  private readonly resources = new Map<string, ResourceEntry>();
  private readonly lastDelta = new Map<string, number>();
  private readonly bounds: number[];
  private readonly delta: boolean;
  private readonly divider: number;

  constructor(
    private readonly cfg: SpanMetricsConfig,
    private readonly now: () => number = Date.now,
  ) {
    const unit = cfg.histogram.unit;
    this.bounds = cfg.histogram.explicit?.buckets ? durationsIn(cfg.histogram.explicit.buckets, unit) : durationsIn(SPANMETRICS_DEFAULT_BUCKETS_MS, unit);
    this.delta = cfg.aggregation_temporality === 'AGGREGATION_TEMPORALITY_DELTA';
    this.divider = unit === 's' ? 1e9 : 1e6;
  }

  private excluded(key: string): boolean {
    return this.cfg.exclude_dimensions.includes(key);
  }

  private resourceFor(attrs: KeyValue[]): ResourceEntry {
    const keyAttrs = this.cfg.resource_metrics_key_attributes;
    const used = keyAttrs.length === 0 ? attrs : attrs.filter((kv) => keyAttrs.includes(kv.key));
    const key = used
      .map((kv) => `${kv.key}\u0000${kv.value ? asString(kv.value) : ''}`)
      .sort()
      .join('\u0001');
    let r = this.resources.get(key);
    if (r) {
      // Least recently used last: re-insert.
      this.resources.delete(key);
    } else {
      r = { attributes: attrs.map((kv) => ({ key: kv.key, value: kv.value })), calls: new Map(), events: new Map(), lastSeenMs: 0 };
    }
    this.resources.set(key, r);
    return r;
  }

  /** The dimension key and attributes of a span (plus extra dimensions looked up in `extra` before the resource). */
  private dims(service: string, span: { name?: string; kind?: number; status?: { code?: number } | null; attributes?: KeyValue[] }, dims: SpanMetricsConfig['dimensions'], lookup: (KeyValue[] | undefined)[], scope?: { name?: string; version?: string } | null): [string, KeyValue[]] {
    const parts: string[] = [];
    const attrs: KeyValue[] = [];
    const put = (k: string, v: string) => {
      if (this.excluded(k)) return;
      parts.push(v);
      attrs.push({ key: k, value: toAnyValue(v) });
    };
    put('service.name', service);
    put('span.name', span.name ?? '');
    put('span.kind', KIND[span.kind ?? 0] ?? KIND[0]);
    put('status.code', STATUS[span.status?.code ?? 0] ?? STATUS[0]);
    for (const d of dims) {
      const v = findAttr(d.name, ...lookup);
      if (v) {
        parts.push(asString(v));
        attrs.push({ key: d.name, value: v });
      } else if (d.default !== undefined && d.default !== null) {
        parts.push(d.default);
        attrs.push({ key: d.name, value: toAnyValue(d.default) });
      }
    }
    const scopeName = scope?.name ?? '';
    if (scopeName !== '' && this.cfg.include_instrumentation_scope.includes(scopeName)) {
      attrs.push({ key: 'span.instrumentation.scope.name', value: toAnyValue(scopeName) });
      if (scope?.version) attrs.push({ key: 'span.instrumentation.scope.version', value: toAnyValue(scope.version) });
    }
    return [parts.join('\u0000'), attrs];
  }

  private seriesIn(map: Map<string, Series>, key: string, attributes: KeyValue[], now: number, withHistogram: boolean): Series {
    let s = map.get(key);
    if (!s) {
      s = { attributes, startMs: now, count: 0, histogram: withHistogram ? new ExplicitHistogram(this.bounds) : undefined, exemplars: [] };
      map.set(key, s);
    }
    return s;
  }

  observe(resourceSpans: readonly ResourceSpans[]): void {
    const now = this.now();
    const histograms = !this.cfg.histogram.disable;
    const maxExemplars = this.cfg.exemplars.max_per_data_point ?? Infinity;
    for (const rs of resourceSpans) {
      const resAttrs = rs.resource?.attributes ?? [];
      const serviceValue = findAttr('service.name', resAttrs);
      if (!serviceValue) continue;
      const service = asString(serviceValue);
      const r = this.resourceFor(resAttrs);
      r.lastSeenMs = now;
      for (const ss of rs.scopeSpans ?? [])
        for (const span of ss.spans ?? []) {
          const duration = nanosBetween(span.startTimeUnixNano, span.endTimeUnixNano) / this.divider;
          const [key, attributes] = this.dims(service, span, this.cfg.dimensions, [span.attributes, resAttrs], ss.scope);
          const s = this.seriesIn(r.calls, key, attributes, now, histograms);
          s.count++;
          s.histogram?.observe(duration);
          const hasTrace = span.traceId && span.traceId.some((b) => b !== 0);
          if (this.cfg.exemplars.enabled && hasTrace && s.exemplars.length < maxExemplars) s.exemplars.push({ traceId: span.traceId, spanId: span.spanId, value: duration, timeMs: now });
          if (!this.cfg.events.enabled) continue;
          const eventDims = [...this.cfg.dimensions, ...this.cfg.events.dimensions];
          for (const ev of span.events ?? []) {
            const [ekey, eattrs] = this.dims(service, span, eventDims, [span.attributes, ev.attributes, resAttrs], ss.scope);
            this.seriesIn(r.events, ekey, eattrs, now, false).count++;
          }
        }
    }
  }

  /** The current metrics (one resource per span resource), then reset (delta) or expire (cumulative) the state. */
  flush(): ExportMetricsServiceRequest {
    const now = this.now();
    const ns = this.cfg.namespace;
    const name = (n: string) => (ns ? `${ns}.${n}` : n);
    const temporality = this.delta ? DELTA : CUMULATIVE;
    const start = (rk: string, metric: string, s: Series): number => {
      if (!this.delta) return s.startMs;
      const k = `${rk}\u0002${metric}\u0002${s.attributes.map((a) => `${a.key}=${a.value ? asString(a.value) : ''}`).join('\u0000')}`;
      const last = this.lastDelta.get(k);
      this.lastDelta.delete(k);
      this.lastDelta.set(k, now);
      if (this.lastDelta.size > this.cfg.delta_timestamp_cache_size) this.lastDelta.delete(this.lastDelta.keys().next().value as string);
      return last ?? s.startMs;
    };
    const resourceMetrics = [];
    for (const [rk, r] of this.resources) {
      const series = [...r.calls.values()];
      const metrics: Metric[] = [sumMetric(name('calls'), '', series.map((s) => intPoint(s.attributes, start(rk, 'calls', s), now, s.count)), temporality)];
      if (!this.cfg.histogram.disable)
        metrics.push(histogramMetric(name('duration'), this.cfg.histogram.unit, series.map((s) => histogramPoint(s.attributes, start(rk, 'duration', s), now, s.histogram!, s.exemplars)), temporality));
      if (this.cfg.events.enabled) metrics.push(sumMetric(name('events'), '', [...r.events.values()].map((s) => intPoint(s.attributes, start(rk, 'events', s), now, s.count)), temporality));
      resourceMetrics.push({ resource: { attributes: r.attributes }, scopeMetrics: [{ scope: { name: 'spanmetricsconnector' }, metrics }] });
      for (const s of series) s.exemplars = [];
    }
    if (this.delta) this.resources.clear();
    else {
      const exp = this.cfg.metrics_expiration;
      for (const [k, r] of this.resources) if (exp > 0 && now - r.lastSeenMs >= exp) this.resources.delete(k);
      while (this.resources.size > this.cfg.resource_metrics_cache_size) this.resources.delete(this.resources.keys().next().value as string);
    }
    return { resourceMetrics };
  }
}

/**
 * `spanmetrics`: R.E.D. metrics from spans (traces pipeline in, metrics pipeline out), `namespace.calls` and
 * `namespace.duration` (default namespace `traces.span.metrics`), sent every `metrics_flush_interval`.
 */
export const spanmetricsConnectorFactory: ConnectorFactory<typeof schema> = {
  type: 'spanmetrics',
  pairs: [['traces', 'metrics']],
  schema,
  create(id, cfg, next, env) {
    const state = new SpanMetrics(cfg);
    return tracesToMetricsConnector(id, next, env, { observe: (rs) => state.observe(rs), build: () => state.flush(), flushEveryMs: Math.max(1, cfg.metrics_flush_interval) });
  },
};
