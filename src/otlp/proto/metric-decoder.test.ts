import { describe, expect, it } from 'vitest';
import { OtlpDecodeError, Types, decodeMetricsRequest, encodeMetricsRequest, messageToOtlpJson } from './codec.js';
import { dataPointCount } from './metric-decoder.js';
import { MAX_ANY_VALUE_DEPTH, undecodedItems } from './otlp-wire.js';
import type { ExportMetricsServiceRequest, HistogramDataPoint, NumberDataPoint } from './types.js';

const T = '1700000000123456789';
const attrs = [
  { key: 'i', value: { intValue: '9007199254740993' } },
  { key: 'm', value: { kvlistValue: { values: [{ key: 'k', value: { arrayValue: { values: [{ boolValue: true }] } } }] } } },
];
const exemplar = { filteredAttributes: [{ key: 'user', value: { stringValue: 'u1' } }], timeUnixNano: T, asInt: '-7', spanId: Buffer.from('b7ad6b7169203331', 'hex'), traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex') };

const metrics = [
  { name: 'g', description: 'a gauge', unit: 'By', metadata: [{ key: 'md', value: { stringValue: 'x' } }], gauge: { dataPoints: [{ attributes: attrs, timeUnixNano: T, asInt: '-9007199254740993' }, { timeUnixNano: T, asDouble: 1.5, flags: 1 }] } },
  { name: 'c', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ startTimeUnixNano: T, timeUnixNano: T, asDouble: 42, exemplars: [exemplar] }] } },
  {
    name: 'h',
    histogram: {
      aggregationTemporality: 2,
      dataPoints: [
        { timeUnixNano: T, count: '12', sum: 7.5, bucketCounts: ['1', '2', '9'], explicitBounds: [0.5, 1], min: 0.1, max: 3 },
        { timeUnixNano: T, count: '3', bucketCounts: ['3'], exemplars: [{ ...exemplar, asInt: undefined, asDouble: 0.25 }] },
      ],
    },
  },
  { name: 'e', exponentialHistogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: T, count: '5', sum: 3, scale: -3, zeroCount: '1', zeroThreshold: 1e-9, positive: { offset: -2, bucketCounts: ['1', '18446744073709551615'] }, negative: { offset: 4, bucketCounts: ['2'] } }] } },
  { name: 's', summary: { dataPoints: [{ timeUnixNano: T, count: '4', sum: 10, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 0.99, value: 4 }] }] } },
];

const request = {
  resourceMetrics: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
      schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
      scopeMetrics: [{ scope: { name: 'lib', version: '1.0' }, schemaUrl: 's', metrics }],
    },
  ],
};
const bytes = Types.ExportMetricsServiceRequest.encode(Types.ExportMetricsServiceRequest.fromObject(request)).finish();
const json = (b: Uint8Array) => messageToOtlpJson(Types.ExportMetricsServiceRequest, b);

describe('hand-written metrics decoder', () => {
  it('counts data points and re-sends metrics byte-identically without building them', () => {
    const req = decodeMetricsRequest(bytes);
    const sm = req.resourceMetrics![0].scopeMetrics![0];
    expect(undecodedItems(sm)).toHaveLength(5);
    expect(dataPointCount(sm)).toBe(7);
    expect(Buffer.from(encodeMetricsRequest(req)).equals(Buffer.from(bytes))).toBe(true);
    expect(undecodedItems(sm)).toHaveLength(5); // neither counting nor encoding built them
    expect(req.resourceMetrics![0].resource!.attributes![0].value!.stringValue).toBe('svc');
    expect(sm.scope!.name).toBe('lib');
  });

  it('builds metrics with what protobufjs decodes, once, on first read', () => {
    const req = decodeMetricsRequest(bytes);
    const sm = req.resourceMetrics![0].scopeMetrics![0];
    const ms = sm.metrics!;
    expect(undecodedItems(sm)).toBeUndefined();
    expect(sm.metrics).toBe(ms);
    expect(dataPointCount(sm)).toBe(7);
    // Every field survives: re-encoded from the built objects, protobufjs reads back the same message.
    expect(json(encodeMetricsRequest(req))).toEqual(json(bytes));
    expect(ms.map((m) => m.data)).toEqual(['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary']);
    const theirs = Types.ExportMetricsServiceRequest.decode(bytes) as unknown as ExportMetricsServiceRequest;
    const want = theirs.resourceMetrics![0].scopeMetrics![0].metrics!;
    const [g0, g1] = ms[0].gauge!.dataPoints as NumberDataPoint[];
    expect([g0.value, g0.asInt!.toString(), g0.asDouble]).toEqual(['asInt', '-9007199254740993', undefined]);
    expect([g1.value, g1.asDouble, g1.flags]).toEqual(['asDouble', 1.5, 1]);
    expect(g0.timeUnixNano!.toString()).toBe(want[0].gauge!.dataPoints![0].timeUnixNano!.toString());
    expect(g0.attributes![0].value!.intValue!.toString()).toBe('9007199254740993');
    expect([ms[0].name, ms[0].description, ms[0].unit, ms[0].metadata![0].key]).toEqual(['g', 'a gauge', 'By', 'md']);
    expect([ms[1].sum!.aggregationTemporality, ms[1].sum!.isMonotonic]).toEqual([2, true]);
    const ex = ms[1].sum!.dataPoints![0].exemplars![0];
    expect([ex.value, ex.asInt!.toString(), Buffer.from(ex.traceId!).toString('hex')]).toEqual(['asInt', '-7', '0af7651916cd43dd8448eb211c80319c']);
    const [h0, h1] = ms[2].histogram!.dataPoints as HistogramDataPoint[];
    const w0 = want[2].histogram!.dataPoints![0];
    expect([h0.count!.toString(), h0.sum, h0.min, h0.max, h0.explicitBounds]).toEqual([w0.count!.toString(), w0.sum, w0.min, w0.max, w0.explicitBounds]);
    expect(h0.bucketCounts!.map(String)).toEqual(['1', '2', '9']);
    expect([h1.sum, h1.min, h1.max]).toEqual([null, null, null]); // proto3 optional, absent
    const e0 = ms[3].exponentialHistogram!.dataPoints![0];
    expect([e0.scale, e0.positive!.offset, e0.negative!.offset, e0.positive!.bucketCounts!.map(String)]).toEqual([-3, -2, 4, ['1', '18446744073709551615']]);
    expect(ms[4].summary!.dataPoints![0].quantileValues).toEqual([{ quantile: 0.5, value: 2 }, { quantile: 0.99, value: 4 }]);
    // A data point changed in place (as processors do) is re-encoded from its fields.
    g1.attributes!.push({ key: 'added', value: { value: 'stringValue', stringValue: 'yes' } });
    sm.metrics = ms.slice(0, 1);
    expect(dataPointCount(sm)).toBe(2);
    const out = json(encodeMetricsRequest(req)) as { resourceMetrics: { scopeMetrics: { metrics: { gauge: { dataPoints: { attributes?: { key: string }[] }[] } }[] }[] }[] };
    const got = out.resourceMetrics[0].scopeMetrics[0].metrics;
    expect(got).toHaveLength(1);
    expect(got[0].gauge.dataPoints[1].attributes!.map((a) => a.key)).toEqual(['added']);
  });

  it('reads packed and unpacked repeated scalars alike', () => {
    const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(n >>> 7)]);
    const field = (tag: number, body: number[]): number[] => [tag, ...varint(body.length), ...body];
    const f64 = (n: number) => [n, 0, 0, 0, 0, 0, 0, 0];
    // HistogramDataPoint with bucket_counts (6) unpacked as two fixed64 fields; Buckets with bucket_counts (2) unpacked varints.
    const hp = [0x31, ...f64(4), 0x31, ...f64(5)];
    const buckets = [0x10, 0x03, 0x10, 0x96, 0x01];
    const ep = field(0x42, buckets);
    const metric = [...field(0x4a, field(0x0a, hp)), ...[]];
    const emetric = field(0x52, field(0x0a, ep));
    const req = Uint8Array.from(field(0x0a, field(0x12, [...field(0x12, metric), ...field(0x12, emetric)])));
    const sm = decodeMetricsRequest(req).resourceMetrics![0].scopeMetrics![0];
    expect(dataPointCount(sm)).toBe(2);
    expect(sm.metrics![0].histogram!.dataPoints![0].bucketCounts!.map(String)).toEqual(['4', '5']);
    expect(sm.metrics![1].exponentialHistogram!.dataPoints![0].positive!.bucketCounts!.map(String)).toEqual(['3', '150']);
    const theirs = Types.ExportMetricsServiceRequest.decode(req) as unknown as ExportMetricsServiceRequest;
    expect(theirs.resourceMetrics![0].scopeMetrics![0].metrics![0].histogram!.dataPoints![0].bucketCounts!.map(String)).toEqual(['4', '5']);
  });

  it('refuses a malformed metric when the request arrives, before anything reads it', () => {
    const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(n >>> 7)]);
    const field = (tag: number, body: number[]): number[] => [tag, ...varint(body.length), ...body];
    const metricOf = (m: number[]) => Uint8Array.from(field(0x0a, field(0x12, field(0x12, m))));
    const gaugePoint = (p: number[]) => metricOf(field(0x2a, field(0x0a, p)));
    const histPoint = (p: number[]) => metricOf(field(0x4a, field(0x0a, p)));
    const withAttr = (levels: number): Uint8Array => {
      let any = field(0x0a, [0x78]);
      for (let i = 0; i < levels; i++) any = field(0x2a, field(0x0a, any));
      return gaugePoint(field(0x3a, [...field(0x0a, [0x6b]), ...field(0x12, any)])); // NumberDataPoint.attributes (7)
    };
    expect(dataPointCount(decodeMetricsRequest(withAttr(MAX_ANY_VALUE_DEPTH - 1)).resourceMetrics![0].scopeMetrics![0])).toBe(1);
    expect(() => decodeMetricsRequest(withAttr(MAX_ANY_VALUE_DEPTH))).toThrow(/unable to unmarshal metrics request: AnyValue nested deeper than 128/);
    expect(() => decodeMetricsRequest(gaugePoint([0x19, 1, 2, 3]))).toThrow(/truncated fixed64/);
    expect(() => decodeMetricsRequest(gaugePoint(field(0x2a, [0x0f, 0x01])))).toThrow(/invalid wire type 7/); // in an exemplar
    expect(() => decodeMetricsRequest(histPoint(field(0x32, [1, 2, 3, 4, 5, 6, 7, 8, 9])))).toThrow(/truncated fixed64/); // packed bucket_counts
    expect(() => decodeMetricsRequest(histPoint(field(0x3a, [1, 2, 3])))).toThrow(/truncated fixed64/); // packed explicit_bounds
    const expPoint = (b: number[]) => metricOf(field(0x52, field(0x0a, field(0x42, b))));
    expect(() => decodeMetricsRequest(expPoint(field(0x12, [0x96])))).toThrow(/truncated varint/); // packed bucket counts
    expect(() => decodeMetricsRequest(metricOf(field(0x5a, field(0x0a, field(0x32, [0x09, 1])))))).toThrow(/truncated fixed64/); // a quantile
    expect(() => decodeMetricsRequest(bytes.subarray(0, bytes.length - 3))).toThrow(OtlpDecodeError);
  });
});
