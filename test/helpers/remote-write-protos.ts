import protobuf from 'protobufjs';

/**
 * The remote-write message shapes as declared by Prometheus (prompb/types.proto, prompb/remote.proto and
 * prompb/io/prometheus/write/v2/types.proto), loaded into protobufjs. Tests use them as an independent oracle:
 * protobufjs encodes what our hand-written decoder must read, and decodes what our encoder writes.
 */
const PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; reserved 2; repeated MetricMetadata metadata = 3; }
message MetricMetadata {
  enum MetricType { UNKNOWN = 0; COUNTER = 1; GAUGE = 2; HISTOGRAM = 3; GAUGEHISTOGRAM = 4; SUMMARY = 5; INFO = 6; STATESET = 7; }
  MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5;
}
message Sample { double value = 1; int64 timestamp = 2; }
message Exemplar { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }
message BucketSpan { sint32 offset = 1; uint32 length = 2; }
message Histogram {
  enum ResetHint { UNKNOWN = 0; YES = 1; NO = 2; GAUGE = 3; }
  oneof count { uint64 count_int = 1; double count_float = 2; }
  double sum = 3; sint32 schema = 4; double zero_threshold = 5;
  oneof zero_count { uint64 zero_count_int = 6; double zero_count_float = 7; }
  repeated BucketSpan negative_spans = 8; repeated sint64 negative_deltas = 9; repeated double negative_counts = 10;
  repeated BucketSpan positive_spans = 11; repeated sint64 positive_deltas = 12; repeated double positive_counts = 13;
  ResetHint reset_hint = 14; int64 timestamp = 15; repeated double custom_values = 16;
}
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
message Label { string name = 1; string value = 2; }
`;

const PROTO_V2 = `
syntax = "proto3";
package io.prometheus.write.v2;
message Request { reserved 1 to 3; repeated string symbols = 4; repeated TimeSeries timeseries = 5; }
message TimeSeries {
  repeated uint32 labels_refs = 1; repeated Sample samples = 2; repeated Histogram histograms = 3;
  repeated Exemplar exemplars = 4; Metadata metadata = 5; int64 created_timestamp = 6;
}
message Exemplar { repeated uint32 labels_refs = 1; double value = 2; int64 timestamp = 3; }
message Sample { double value = 1; int64 timestamp = 2; }
message Metadata {
  enum MetricType { METRIC_TYPE_UNSPECIFIED = 0; METRIC_TYPE_COUNTER = 1; METRIC_TYPE_GAUGE = 2; METRIC_TYPE_HISTOGRAM = 3;
    METRIC_TYPE_GAUGEHISTOGRAM = 4; METRIC_TYPE_SUMMARY = 5; METRIC_TYPE_INFO = 6; METRIC_TYPE_STATESET = 7; }
  MetricType type = 1; uint32 help_ref = 3; uint32 unit_ref = 4;
}
message Histogram {
  oneof count { uint64 count_int = 1; double count_float = 2; }
  double sum = 3; sint32 schema = 4; double zero_threshold = 5;
  oneof zero_count { uint64 zero_count_int = 6; double zero_count_float = 7; }
  repeated BucketSpan negative_spans = 8; repeated sint64 negative_deltas = 9; repeated double negative_counts = 10;
  repeated BucketSpan positive_spans = 11; repeated sint64 positive_deltas = 12; repeated double positive_counts = 13;
  int32 reset_hint = 14; int64 timestamp = 15; repeated double custom_values = 16;
}
message BucketSpan { sint32 offset = 1; uint32 length = 2; }
`;

const v1 = protobuf.parse(PROTO, { keepCase: true }).root;
const v2 = protobuf.parse(PROTO_V2, { keepCase: true }).root;

export const WriteRequestV1 = v1.lookupType('prometheus.WriteRequest');
export const RequestV2 = v2.lookupType('io.prometheus.write.v2.Request');

export type PbLabel = { name: string; value: string };
export interface PbSeriesV1 {
  labels: PbLabel[];
  samples?: { value: number; timestamp: number }[];
  exemplars?: { labels: PbLabel[]; value: number; timestamp: number }[];
  histograms?: Record<string, unknown>[];
}

export function encodeV1(timeseries: PbSeriesV1[], metadata: Record<string, unknown>[] = []): Buffer {
  const msg = WriteRequestV1.fromObject({ timeseries, metadata });
  return Buffer.from(WriteRequestV1.encode(msg).finish());
}

export function encodeV2(req: Record<string, unknown>): Buffer {
  return Buffer.from(RequestV2.encode(RequestV2.fromObject(req)).finish());
}

/** Build a 2.0 request from label objects: fills the symbol table ('' first, as the spec requires). */
export function buildV2(
  series: { labels: Record<string, string>; samples?: { value: number; timestamp: number }[]; histograms?: Record<string, unknown>[]; help?: string; type?: number }[],
): Buffer {
  const symbols = [''];
  const ref = (s: string) => {
    let i = symbols.indexOf(s);
    if (i < 0) i = symbols.push(s) - 1;
    return i;
  };
  const timeseries = series.map((s) => ({
    labels_refs: Object.entries(s.labels).flatMap(([n, v]) => [ref(n), ref(v)]),
    samples: s.samples ?? [],
    histograms: s.histograms ?? [],
    metadata: s.help !== undefined || s.type !== undefined ? { type: s.type ?? 0, help_ref: ref(s.help ?? '') } : undefined,
  }));
  return encodeV2({ symbols, timeseries });
}
