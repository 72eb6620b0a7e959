import type {
  Exemplar,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Metric,
  NumberDataPoint,
  ResourceMetrics,
  ScopeMetrics,
  SummaryDataPoint,
} from './types.js';
import type Long from 'long';
import { WireReader } from '../../lib/protobuf/index.js';
import { EMPTY, K_METRIC, decodeResourceList, keyValue, otlpErrorFor, undecodedPointCount, type ItemLayout } from './otlp-wire.js';

const otlpError = otlpErrorFor('metrics request');

/**
 * Hand-written decoder of `ExportMetricsServiceRequest` / `MetricsData` (field 1: repeated ResourceMetrics) into the
 * shapes protobufjs produced (camelCase fields, the `data` oneof naming the set member, a data point's `value` oneof,
 * 64-bit integers as `Long`, proto3 `optional` doubles null when absent). Metrics are checked on arrival (the errors a
 * full decode raises, and their data points counted) and built on first read of `ScopeMetrics.metrics`; until then
 * they are counted (`dataPointCount`) and re-sent (`encodeMetricsRequest`) from the bytes they arrived with. Like log
 * records, a built metric carries no `raw`: processors change data points in place, so it is re-encoded from its fields.
 */
export function decodeResourceMetricsList(buf: Uint8Array): ResourceMetrics[] {
  return decodeResourceList<ResourceMetrics>(buf, METRICS, otlpError);
}

/** Decode one encoded `Metric`. */
export function decodeMetricBytes(raw: Uint8Array): Metric {
  const r = WireReader.of(raw, otlpError);
  const m: Metric = { name: '', description: '', unit: '', metadata: [] };
  const setData = (key: NonNullable<Metric['data']>, body: NonNullable<Metric[typeof key]>) => {
    if (m.data !== undefined && m.data !== key) delete m[m.data];
    m.data = key;
    (m as Record<string, unknown>)[key] = body;
  };
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        m.name = r.string();
        break;
      case (2 << 3) | 2:
        m.description = r.string();
        break;
      case (3 << 3) | 2:
        m.unit = r.string();
        break;
      case (5 << 3) | 2:
        setData('gauge', { dataPoints: numberPoints(r.sub()).dataPoints });
        break;
      case (7 << 3) | 2:
        setData('sum', numberPoints(r.sub()));
        break;
      case (9 << 3) | 2: {
        const b = pointsOf(r.sub(), histogramPoint);
        setData('histogram', { dataPoints: b.dataPoints, aggregationTemporality: b.aggregationTemporality });
        break;
      }
      case (10 << 3) | 2: {
        const b = pointsOf(r.sub(), exponentialHistogramPoint);
        setData('exponentialHistogram', { dataPoints: b.dataPoints, aggregationTemporality: b.aggregationTemporality });
        break;
      }
      case (11 << 3) | 2:
        setData('summary', { dataPoints: pointsOf(r.sub(), summaryPoint).dataPoints });
        break;
      case (12 << 3) | 2:
        m.metadata!.push(keyValue(r.sub()));
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return m;
}

const METRICS: ItemLayout<Metric> = { groups: 'scopeMetrics', items: 'metrics', kind: K_METRIC, decode: decodeMetricBytes };

/** Data points in `sm`, without building its metrics when they were never read. */
export function dataPointCount(sm: ScopeMetrics): number {
  const n = undecodedPointCount(sm);
  if (n !== undefined) return n;
  let points = 0;
  for (const m of sm.metrics ?? []) {
    const d = m.data ? (m as unknown as Record<string, { dataPoints?: unknown[] } | null>)[m.data] : null;
    points += d?.dataPoints?.length ?? 0;
  }
  return points;
}

/** Gauge, Sum, Histogram, ExponentialHistogram and Summary share: data_points = 1, aggregation_temporality = 2 (varint), is_monotonic = 3. */
function pointsOf<P>(r: WireReader, point: (r: WireReader) => P): { dataPoints: P[]; aggregationTemporality: number; isMonotonic: boolean } {
  const b = { dataPoints: [] as P[], aggregationTemporality: 0, isMonotonic: false };
  while (!r.done()) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) b.dataPoints.push(point(r.sub()));
    else if (tag === 2 << 3) b.aggregationTemporality = r.uint32() | 0;
    else if (tag === 3 << 3) b.isMonotonic = r.uint32() !== 0;
    else r.skip(tag & 7);
  }
  return b;
}

const numberPoints = (r: WireReader) => pointsOf(r, numberPoint);

const sfixed64 = (r: WireReader): Long => r.fixed64(r.end, true);
const sint32 = (r: WireReader): number => {
  const n = r.uint32();
  return (n >>> 1) ^ -(n & 1);
};

function numberPoint(r: WireReader): NumberDataPoint {
  const p: NumberDataPoint = { attributes: [], startTimeUnixNano: 0, timeUnixNano: 0, exemplars: [], flags: 0 };
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (7 << 3) | 2:
        p.attributes!.push(keyValue(r.sub()));
        break;
      case (2 << 3) | 1:
        p.startTimeUnixNano = r.fixed64();
        break;
      case (3 << 3) | 1:
        p.timeUnixNano = r.fixed64();
        break;
      case (4 << 3) | 1:
        delete p.asInt;
        p.asDouble = r.double();
        p.value = 'asDouble';
        break;
      case (6 << 3) | 1:
        delete p.asDouble;
        p.asInt = sfixed64(r);
        p.value = 'asInt';
        break;
      case (5 << 3) | 2:
        p.exemplars!.push(exemplar(r.sub()));
        break;
      case 8 << 3:
        p.flags = r.uint32();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return p;
}

/** Repeated fixed64 (`Long`) or double, packed or not. */
function repeatedFixed64<T>(r: WireReader, tag: number, into: T[], read: (r: WireReader) => T): void {
  if ((tag & 7) === 2) {
    const e = r.lengthEnd();
    while (r.pos < e) into.push(read(r));
  } else into.push(read(r));
}

function histogramPoint(r: WireReader): HistogramDataPoint {
  const p: HistogramDataPoint = {
    attributes: [],
    startTimeUnixNano: 0,
    timeUnixNano: 0,
    count: 0,
    sum: null,
    bucketCounts: [],
    explicitBounds: [],
    exemplars: [],
    flags: 0,
    min: null,
    max: null,
  };
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (9 << 3) | 2:
        p.attributes!.push(keyValue(r.sub()));
        break;
      case (2 << 3) | 1:
        p.startTimeUnixNano = r.fixed64();
        break;
      case (3 << 3) | 1:
        p.timeUnixNano = r.fixed64();
        break;
      case (4 << 3) | 1:
        p.count = r.fixed64();
        break;
      case (5 << 3) | 1:
        p.sum = r.double();
        break;
      case (6 << 3) | 1:
      case (6 << 3) | 2:
        repeatedFixed64(r, tag, p.bucketCounts as Long[], (x) => x.fixed64());
        break;
      case (7 << 3) | 1:
      case (7 << 3) | 2:
        repeatedFixed64(r, tag, p.explicitBounds!, (x) => x.double());
        break;
      case (8 << 3) | 2:
        p.exemplars!.push(exemplar(r.sub()));
        break;
      case 10 << 3:
        p.flags = r.uint32();
        break;
      case (11 << 3) | 1:
        p.min = r.double();
        break;
      case (12 << 3) | 1:
        p.max = r.double();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return p;
}

function exponentialHistogramPoint(r: WireReader): ExponentialHistogramDataPoint {
  const p: ExponentialHistogramDataPoint = {
    attributes: [],
    startTimeUnixNano: 0,
    timeUnixNano: 0,
    count: 0,
    sum: null,
    scale: 0,
    zeroCount: 0,
    positive: null,
    negative: null,
    flags: 0,
    exemplars: [],
    min: null,
    max: null,
    zeroThreshold: 0,
  };
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        p.attributes!.push(keyValue(r.sub()));
        break;
      case (2 << 3) | 1:
        p.startTimeUnixNano = r.fixed64();
        break;
      case (3 << 3) | 1:
        p.timeUnixNano = r.fixed64();
        break;
      case (4 << 3) | 1:
        p.count = r.fixed64();
        break;
      case (5 << 3) | 1:
        p.sum = r.double();
        break;
      case 6 << 3:
        p.scale = sint32(r);
        break;
      case (7 << 3) | 1:
        p.zeroCount = r.fixed64();
        break;
      case (8 << 3) | 2:
        p.positive = buckets(r.sub());
        break;
      case (9 << 3) | 2:
        p.negative = buckets(r.sub());
        break;
      case 10 << 3:
        p.flags = r.uint32();
        break;
      case (11 << 3) | 2:
        p.exemplars!.push(exemplar(r.sub()));
        break;
      case (12 << 3) | 1:
        p.min = r.double();
        break;
      case (13 << 3) | 1:
        p.max = r.double();
        break;
      case (14 << 3) | 1:
        p.zeroThreshold = r.double();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return p;
}

function buckets(r: WireReader): ExponentialHistogramBuckets {
  const b: ExponentialHistogramBuckets = { offset: 0, bucketCounts: [] };
  while (!r.done()) {
    const tag = r.uint32();
    if (tag === 1 << 3) b.offset = sint32(r);
    else if (tag === ((2 << 3) | 2)) {
      const e = r.lengthEnd();
      while (r.pos < e) b.bucketCounts!.push(r.uint64Long(e));
    } else if (tag === 2 << 3) b.bucketCounts!.push(r.uint64Long());
    else r.skip(tag & 7);
  }
  return b;
}

function summaryPoint(r: WireReader): SummaryDataPoint {
  const p: SummaryDataPoint = { attributes: [], startTimeUnixNano: 0, timeUnixNano: 0, count: 0, sum: 0, quantileValues: [], flags: 0 };
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (7 << 3) | 2:
        p.attributes!.push(keyValue(r.sub()));
        break;
      case (2 << 3) | 1:
        p.startTimeUnixNano = r.fixed64();
        break;
      case (3 << 3) | 1:
        p.timeUnixNano = r.fixed64();
        break;
      case (4 << 3) | 1:
        p.count = r.fixed64();
        break;
      case (5 << 3) | 1:
        p.sum = r.double();
        break;
      case (6 << 3) | 2: {
        const q = r.sub();
        const v = { quantile: 0, value: 0 };
        while (!q.done()) {
          const t = q.uint32();
          if (t === ((1 << 3) | 1)) v.quantile = q.double();
          else if (t === ((2 << 3) | 1)) v.value = q.double();
          else q.skip(t & 7);
        }
        p.quantileValues!.push(v);
        break;
      }
      case 8 << 3:
        p.flags = r.uint32();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return p;
}

function exemplar(r: WireReader): Exemplar {
  const x: Exemplar = { filteredAttributes: [], timeUnixNano: 0, spanId: EMPTY, traceId: EMPTY };
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (7 << 3) | 2:
        x.filteredAttributes!.push(keyValue(r.sub()));
        break;
      case (2 << 3) | 1:
        x.timeUnixNano = r.fixed64();
        break;
      case (3 << 3) | 1:
        delete x.asInt;
        x.asDouble = r.double();
        x.value = 'asDouble';
        break;
      case (6 << 3) | 1:
        delete x.asDouble;
        x.asInt = sfixed64(r);
        x.value = 'asInt';
        break;
      case (4 << 3) | 2:
        x.spanId = r.bytes();
        break;
      case (5 << 3) | 2:
        x.traceId = r.bytes();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return x;
}
