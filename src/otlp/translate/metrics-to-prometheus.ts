import { Labels, METRIC_NAME, STALE_NAN, type MetricType } from '../../model/index.js';
import { AppendError, type Appender } from '../../metrics/storage-api/index.js';
import { anyValueToJs, int64ToNumber, nanosToMillis, stringAttr } from '../proto/codec.js';
import type { ExportMetricsServiceRequest, KeyValue, Metric } from '../proto/types.js';
import { dataPointCount } from '../proto/metric-decoder.js';
import { prometheusLabelName, prometheusMetricName } from './prometheus-names.js';

const CUMULATIVE = 2;
const NO_RECORDED_VALUE = 1;
const PROMOTED = new Set(['service.name', 'service.namespace', 'service.instance.id']);

export interface MetricsTranslation {
  /** Data points written to the appender. */
  accepted: number;
  /** Data points that could not be translated or were refused by the appender. */
  rejected: number;
  /** The first reason for a rejection ('' when none). */
  message: string;
}

function formatFloat(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/**
 * Writes an OTLP metrics request into a Prometheus appender the way the Collector's `prometheusremotewrite` exporter
 * translates it: normalised names, `job`/`instance` from `service.namespace`/`service.name`/`service.instance.id`,
 * other resource attributes on a `target_info` series, cumulative sums and histograms (classic `_bucket`/`_sum`/
 * `_count`), gauges and summaries. Delta temporality and exponential histograms are refused, as the exporter does.
 * The caller commits the appender.
 */
export function appendOtlpMetrics(req: ExportMetricsServiceRequest, app: Appender): MetricsTranslation {
  const r: MetricsTranslation = { accepted: 0, rejected: 0, message: '' };
  const reject = (n: number, msg: string) => {
    r.rejected += n;
    if (r.message === '') r.message = msg;
  };
  for (const rm of req.resourceMetrics ?? []) {
    const rattrs = rm.resource?.attributes ?? [];
    const serviceName = stringAttr(rattrs, 'service.name');
    const namespace = stringAttr(rattrs, 'service.namespace');
    const instance = stringAttr(rattrs, 'service.instance.id') ?? '';
    const job = serviceName ? (namespace ? `${namespace}/${serviceName}` : serviceName) : '';
    const base: [string, string][] = [];
    if (job !== '') base.push(['job', job]);
    if (instance !== '') base.push(['instance', instance]);
    let latest = 0;

    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        try {
          const t = appendMetric(m, base, app, reject);
          r.accepted += t.accepted;
          latest = Math.max(latest, t.latest);
        } catch (e) {
          reject(1, (e as Error).message);
        }
      }
    }
    // target_info carries the resource attributes that are not job/instance.
    const extra = rattrs.filter((kv) => !PROMOTED.has(kv.key));
    if (extra.length > 0 && latest > 0) {
      const l = labelsOf(extra, base, 'target_info');
      try {
        app.append(0, l, latest, 1);
        app.updateMetadata(0, l, { type: 'gauge', help: 'Target metadata', unit: '' });
      } catch (e) {
        reject(1, (e as Error).message);
      }
    }
  }
  return r;
}

function labelsOf(attrs: KeyValue[] | undefined, base: [string, string][], name: string, extra?: [string, string]): Labels {
  const obj: Record<string, string> = Object.create(null);
  for (const kv of attrs ?? []) {
    const v = anyValueToJs(kv.value);
    if (v === undefined || v === '') continue;
    const n = prometheusLabelName(kv.key);
    obj[n] = obj[n] !== undefined ? `${obj[n]};${v}` : String(v);
  }
  for (const [n, v] of base) obj[n] = v;
  if (extra) obj[extra[0]] = extra[1];
  obj[METRIC_NAME] = name;
  return Labels.fromObject(obj);
}

function appendMetric(
  m: Metric,
  base: [string, string][],
  app: Appender,
  reject: (n: number, msg: string) => void,
): { accepted: number; latest: number } {
  let accepted = 0;
  let latest = 0;
  const unit = m.unit ?? '';
  const help = m.description ?? '';
  const put = (l: Labels, t: number, v: number, type: MetricType) => {
    try {
      app.append(0, l, t, v);
      app.updateMetadata(0, l, { type, help, unit: '' });
    } catch (e) {
      // One refused sample (out of order, too old, ...) refuses that sample only.
      if (!(e instanceof AppendError)) throw e;
      reject(1, `${e.message} for series ${l.toString()}`);
    }
  };
  switch (m.data) {
    case 'gauge':
    case 'sum': {
      const isSum = m.data === 'sum';
      const monotonic = isSum && m.sum!.isMonotonic === true;
      const points = (isSum ? m.sum!.dataPoints : m.gauge!.dataPoints) ?? [];
      if (isSum && m.sum!.aggregationTemporality !== CUMULATIVE) {
        reject(points.length, `invalid temporality and type combination for metric "${m.name}"`);
        break;
      }
      const name = prometheusMetricName(m.name ?? '', unit, isSum ? 'sum' : 'gauge', monotonic);
      for (const dp of points) {
        const t = Math.trunc(nanosToMillis(dp.timeUnixNano));
        const v = (dp.flags ?? 0) & NO_RECORDED_VALUE ? STALE_NAN : dp.value === 'asInt' ? int64ToNumber(dp.asInt) : (dp.asDouble ?? 0);
        put(labelsOf(dp.attributes, base, name), t, v, monotonic ? 'counter' : 'gauge');
        accepted++;
        latest = Math.max(latest, t);
      }
      break;
    }
    case 'histogram': {
      const points = m.histogram!.dataPoints ?? [];
      if (m.histogram!.aggregationTemporality !== CUMULATIVE) {
        reject(points.length, `invalid temporality and type combination for metric "${m.name}"`);
        break;
      }
      const name = prometheusMetricName(m.name ?? '', unit, 'histogram', false);
      for (const dp of points) {
        const t = Math.trunc(nanosToMillis(dp.timeUnixNano));
        const stale = ((dp.flags ?? 0) & NO_RECORDED_VALUE) !== 0;
        const val = (v: number) => (stale ? STALE_NAN : v);
        const bounds = dp.explicitBounds ?? [];
        const counts = dp.bucketCounts ?? [];
        let cum = 0;
        for (let i = 0; i < bounds.length; i++) {
          cum += int64ToNumber(counts[i]);
          put(labelsOf(dp.attributes, base, `${name}_bucket`, ['le', formatFloat(bounds[i])]), t, val(cum), 'histogram');
        }
        const count = int64ToNumber(dp.count);
        put(labelsOf(dp.attributes, base, `${name}_bucket`, ['le', '+Inf']), t, val(count), 'histogram');
        if (dp.sum !== undefined && dp.sum !== null) put(labelsOf(dp.attributes, base, `${name}_sum`), t, val(dp.sum), 'histogram');
        put(labelsOf(dp.attributes, base, `${name}_count`), t, val(count), 'histogram');
        accepted++;
        latest = Math.max(latest, t);
      }
      break;
    }
    case 'summary': {
      const name = prometheusMetricName(m.name ?? '', unit, 'summary', false);
      for (const dp of m.summary!.dataPoints ?? []) {
        const t = Math.trunc(nanosToMillis(dp.timeUnixNano));
        const stale = ((dp.flags ?? 0) & NO_RECORDED_VALUE) !== 0;
        const val = (v: number) => (stale ? STALE_NAN : v);
        for (const q of dp.quantileValues ?? []) {
          put(labelsOf(dp.attributes, base, name, ['quantile', formatFloat(q.quantile ?? 0)]), t, val(q.value ?? 0), 'summary');
        }
        put(labelsOf(dp.attributes, base, `${name}_sum`), t, val(dp.sum ?? 0), 'summary');
        put(labelsOf(dp.attributes, base, `${name}_count`), t, val(int64ToNumber(dp.count)), 'summary');
        accepted++;
        latest = Math.max(latest, t);
      }
      break;
    }
    case 'exponentialHistogram':
      reject(m.exponentialHistogram!.dataPoints?.length ?? 0, `exponential histograms are not supported (metric "${m.name}")`);
      break;
    default:
      reject(1, `metric "${m.name}" has no data`);
  }
  return { accepted, latest };
}

/** Number of data points in a request (for the receiver's accepted/refused counters). */
export function countDataPoints(req: ExportMetricsServiceRequest): number {
  let n = 0;
  for (const rm of req.resourceMetrics ?? []) for (const sm of rm.scopeMetrics ?? []) n += dataPointCount(sm);
  return n;
}
