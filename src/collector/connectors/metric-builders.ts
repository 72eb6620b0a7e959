import Long from 'long';
import type { ExportMetricsServiceRequest, HistogramDataPoint, KeyValue, Metric, NumberDataPoint, ResourceSpans } from '../../otlp/index.js';
import type { BuildEnv } from '../components.js';
import type { Consumer, ExportRequest, Lifecycle, Signal } from '../pipeline/consumer.js';

/** OTLP aggregation temporality values. */
export const DELTA = 1;
export const CUMULATIVE = 2;

/** A millisecond wall-clock time as an OTLP nanosecond timestamp. */
export function nanosOf(ms: number): Long {
  return Long.fromNumber(Math.floor(ms), true).multiply(1_000_000);
}

/**
 * An explicit-bounds histogram as the Collector's connectors keep one: a value falls in the first bucket whose upper
 * bound is >= the value (`sort.SearchFloat64s`), the last bucket being (last bound, +Inf).
 */
export class ExplicitHistogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }
  observe(v: number): void {
    let lo = 0;
    let hi = this.bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.bounds[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    this.counts[lo]++;
    this.sum += v;
    this.count++;
  }
}

export interface Exemplar {
  traceId: Uint8Array;
  spanId: Uint8Array;
  value: number;
  timeMs: number;
}

export function intPoint(attributes: KeyValue[], startMs: number, timeMs: number, value: number): NumberDataPoint {
  return { attributes, startTimeUnixNano: nanosOf(startMs), timeUnixNano: nanosOf(timeMs), asInt: value, value: 'asInt' };
}

export function histogramPoint(attributes: KeyValue[], startMs: number, timeMs: number, h: ExplicitHistogram, exemplars: readonly Exemplar[] = []): HistogramDataPoint {
  const p: HistogramDataPoint & { exemplars?: unknown[] } = {
    attributes,
    startTimeUnixNano: nanosOf(startMs),
    timeUnixNano: nanosOf(timeMs),
    count: h.count,
    sum: h.sum,
    bucketCounts: [...h.counts],
    explicitBounds: [...h.bounds],
  };
  if (exemplars.length > 0) p.exemplars = exemplars.map((e) => ({ traceId: e.traceId, spanId: e.spanId, timeUnixNano: nanosOf(e.timeMs), asDouble: e.value, value: 'asDouble' }));
  return p;
}

export function sumMetric(name: string, unit: string, points: NumberDataPoint[], temporality: number): Metric {
  return { name, unit, sum: { dataPoints: points, aggregationTemporality: temporality, isMonotonic: true }, data: 'sum' };
}

export function histogramMetric(name: string, unit: string, points: HistogramDataPoint[], temporality: number): Metric {
  return { name, unit, histogram: { dataPoints: points, aggregationTemporality: temporality }, data: 'histogram' };
}

// The Collector's `pdatautil.GetAttributeValue` and pdata's `Value.AsString` (shared with the service graph store).
export { asString, findAttr } from '../../otlp/index.js';

/** A Go duration list (`[2ms, 1s]`) in the connector's unit (ms → ms, s → seconds). */
export function durationsIn(ms: readonly number[], unit: 'ms' | 's'): number[] {
  return ms.map((v) => (unit === 's' ? v / 1000 : v));
}

export interface TracesToMetricsOptions {
  /** Aggregate spans (the traces pipeline's side). */
  observe(resourceSpans: ResourceSpans[]): void;
  /** The metrics to send now (an empty request is not sent). */
  build(): ExportMetricsServiceRequest;
  /** How often to send (ms); 0: after every traces request. */
  flushEveryMs: number;
  /** Housekeeping run periodically while started: [interval ms, task]. */
  loops?: [number, () => void][];
}

/**
 * A connector from a traces pipeline to the metrics pipelines that receive from it: spans are aggregated as they come,
 * metrics are sent on a timer (errors downstream are logged, the traces pipeline is never refused for them).
 */
export function tracesToMetricsConnector(id: string, next: Partial<Record<Signal, Consumer>>, env: BuildEnv, opts: TracesToMetricsOptions): Lifecycle & { consumerFor(from: Signal): Consumer } {
  const out = next.metrics;
  const log = env.logger.child({ kind: 'connector', name: id });
  const timers: NodeJS.Timeout[] = [];
  const flush = async () => {
    const req = opts.build();
    if (!out || (req.resourceMetrics ?? []).length === 0) return;
    try {
      await out.consume({ signal: 'metrics', req }, {});
    } catch (e) {
      log.error({ err: e }, 'failed to send generated metrics');
    }
  };
  const input: Consumer = {
    mutates: false,
    async consume(data: ExportRequest) {
      if (data.signal !== 'traces') return;
      opts.observe(data.req.resourceSpans ?? []);
      if (opts.flushEveryMs <= 0) await flush();
    },
  };
  const every = (ms: number, fn: () => void) => {
    const t = setInterval(fn, Math.max(1, ms));
    t.unref();
    timers.push(t);
  };
  return {
    start() {
      if (opts.flushEveryMs > 0) every(opts.flushEveryMs, () => void flush());
      for (const [ms, fn] of opts.loops ?? []) every(ms, fn);
      return Promise.resolve();
    },
    shutdown() {
      for (const t of timers.splice(0)) clearInterval(t);
      return Promise.resolve();
    },
    consumerFor(from) {
      if (from !== 'traces') throw new Error(`connector ${id}: cannot receive ${from}`);
      return input;
    },
  };
}
