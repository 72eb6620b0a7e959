import { createServer, type Server } from 'node:http';
import protobuf from 'protobufjs';

/**
 * A scrape target serving native histograms in the Prometheus protobuf exposition format
 * (`application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited`), encoded with
 * protobufjs from the client_model `metrics.proto` messages (an independent encoder). prom-client cannot produce
 * native histograms, hence this fixture.
 *
 * Values are a pure function of the time slot (`slotMs`), and every sample carries the slot as its timestamp, so
 * two scrapers that scrape more often than once a slot store the same samples.
 */
const PROTO = `
syntax = "proto2";
package io.prometheus.client;
message LabelPair { optional string name = 1; optional string value = 2; }
enum MetricType { COUNTER = 0; GAUGE = 1; SUMMARY = 2; UNTYPED = 3; HISTOGRAM = 4; GAUGE_HISTOGRAM = 5; }
message Gauge { optional double value = 1; }
message Timestamp { optional int64 seconds = 1; optional int32 nanos = 2; }
message Exemplar { repeated LabelPair label = 1; optional double value = 2; optional Timestamp timestamp = 3; }
message Counter { optional double value = 1; optional Exemplar exemplar = 2; }
message Quantile { optional double quantile = 1; optional double value = 2; }
message Summary { optional uint64 sample_count = 1; optional double sample_sum = 2; repeated Quantile quantile = 3; }
message Untyped { optional double value = 1; }
message Bucket { optional uint64 cumulative_count = 1; optional double cumulative_count_float = 4; optional double upper_bound = 2; optional Exemplar exemplar = 3; }
message BucketSpan { optional sint32 offset = 1; optional uint32 length = 2; }
message Histogram {
  optional uint64 sample_count = 1; optional double sample_count_float = 4; optional double sample_sum = 2;
  repeated Bucket bucket = 3;
  optional sint32 schema = 5; optional double zero_threshold = 6; optional uint64 zero_count = 7; optional double zero_count_float = 8;
  repeated BucketSpan negative_span = 9; repeated sint64 negative_delta = 10; repeated double negative_count = 11;
  repeated BucketSpan positive_span = 12; repeated sint64 positive_delta = 13; repeated double positive_count = 14;
}
message Metric { repeated LabelPair label = 1; optional Gauge gauge = 2; optional Counter counter = 3; optional Summary summary = 4; optional Untyped untyped = 5; optional Histogram histogram = 7; optional int64 timestamp_ms = 6; }
message MetricFamily { optional string name = 1; optional string help = 2; optional MetricType type = 3; repeated Metric metric = 4; optional string unit = 5; }
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const MetricFamily = root.lookupType('io.prometheus.client.MetricFamily');

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

/** Absolute bucket counts → Prometheus's delta encoding. */
function deltas(abs: number[]): number[] {
  return abs.map((v, i) => v - (i === 0 ? 0 : abs[i - 1]));
}

/**
 * The families at slot `k` (k = 0, 1, 2, … — counters grow with k, reset at k = resetAt): an integer native
 * histogram that also has classic buckets (read with `scrape_classic_histograms`), a float native histogram, a
 * classic-only histogram whose buckets lack `+Inf`, a counter with an exemplar, a summary and a gauge.
 */
export function familiesAt(k: number, resetAt = 1e9): object[] {
  const c = k >= resetAt ? k - resetAt : k;
  // Integer native histogram, schema 1, two positive spans (one gap), one negative span; a new bucket from slot 4.
  const pos = [3 + c, 5 + 2 * c, 1 + c, ...(c >= 4 ? [c - 3] : [])];
  const neg = [1 + (c % 2 === 0 ? c : c - 1)];
  const zero = 2 + c;
  const count = pos.reduce((a, b) => a + b, 0) + neg[0] + zero;
  const intHist = {
    sample_count: count,
    sample_sum: 12.5 * c + 3.25,
    schema: 1,
    zero_threshold: 2 ** -128,
    zero_count: zero,
    positive_span: c >= 4 ? [{ offset: -1, length: 2 }, { offset: 2, length: 1 }, { offset: 1, length: 1 }] : [{ offset: -1, length: 2 }, { offset: 2, length: 1 }],
    positive_delta: deltas(pos),
    negative_span: [{ offset: 0, length: 1 }],
    negative_delta: deltas(neg),
    // Classic buckets of the same observations: (-inf, 1] holds the negative and zero buckets and the first positive.
    bucket: [
      { upper_bound: 1, cumulative_count: neg[0] + zero + pos[0] },
      { upper_bound: 4, cumulative_count: neg[0] + zero + pos[0] + pos[1] + pos[2] },
      { upper_bound: Infinity, cumulative_count: count },
    ],
  };
  // Float native histogram, schema 0.
  const fpos = [0.5 * c + 0.25, 1.75 * c, 0.125];
  const fzero = 0.5;
  const floatHist = {
    sample_count_float: fpos.reduce((a, b) => a + b, 0) + fzero,
    sample_sum: 3.3 * c,
    schema: 0,
    zero_threshold: 0.001,
    zero_count_float: fzero,
    positive_span: [{ offset: 0, length: 3 }],
    positive_count: fpos,
  };
  const classic = {
    sample_count: 10 * c + 4,
    sample_sum: 0.75 * c + 1,
    bucket: [
      { upper_bound: 0.1, cumulative_count: 2 * c + 1 },
      { upper_bound: 1, cumulative_count: 5 * c + 2, exemplar: { label: [{ name: 'trace_id', value: `t${k}` }], value: 0.5, timestamp: { seconds: 1_700_000_000 + k, nanos: 5_000_000 } } },
      { upper_bound: 1e6, cumulative_count: 9 * c + 3 },
    ],
  };
  return [
    { name: 'nh_classic_seconds', help: 'classic histogram', type: 4, unit: 'seconds', metric: [{ label: [{ name: 'path', value: '/c' }], histogram: classic }] },
    { name: 'nh_events_total', help: 'a counter', type: 0, metric: [{ counter: { value: 3 * c, exemplar: { label: [{ name: 'trace_id', value: 'abc' }], value: 1 } } }] },
    { name: 'nh_latency', type: 2, metric: [{ summary: { sample_count: c + 1, sample_sum: 2.5 * c, quantile: [{ quantile: 0.5, value: 0.25 }, { quantile: 0.99, value: 1.5 }] } }] },
    { name: 'nh_request_duration_seconds', help: 'integer native histogram', type: 4, metric: [{ label: [{ name: 'path', value: '/a' }], histogram: intHist }] },
    { name: 'nh_float_payload_bytes', help: 'float native histogram', type: 4, metric: [{ histogram: floatHist }] },
    { name: 'nh_up_gauge', help: 'a float', type: 1, metric: [{ gauge: { value: k } }] },
  ];
}

export function encodeFamilies(families: object[], timestampMs?: number): Buffer {
  const parts = families.map((f) => {
    const withTs = timestampMs === undefined ? f : { ...f, metric: (f as { metric: object[] }).metric.map((m) => ({ ...m, timestamp_ms: timestampMs })) };
    return MetricFamily.encodeDelimited(MetricFamily.fromObject(withTs)).finish();
  });
  return Buffer.concat(parts);
}

export interface NativeHistogramExporter {
  url: string;
  /** Accept headers of the scrapes so far. */
  accepts: string[];
  /** Move slot 0 (before it, every scrape serves slot 0's values, stamped with the current slot's time). */
  setStart(startMs: number): void;
  close(): Promise<void>;
}

export async function startNativeHistogramExporter(opts: { slotMs: number; startMs?: number; resetAt?: number }): Promise<NativeHistogramExporter> {
  let start = opts.startMs ?? Math.floor(Date.now() / opts.slotMs) * opts.slotMs;
  const accepts: string[] = [];
  const server: Server = createServer((req, res) => {
    accepts.push(String(req.headers.accept ?? ''));
    const slotT = Math.floor(Date.now() / opts.slotMs) * opts.slotMs;
    const k = Math.max(0, Math.round((slotT - start) / opts.slotMs));
    res.setHeader('Content-Type', PROTOBUF_CONTENT_TYPE);
    res.end(encodeFamilies(familiesAt(k, opts.resetAt), slotT));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}/metrics`,
    accepts,
    setStart: (ms: number) => {
      start = ms;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
