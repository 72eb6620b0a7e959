import type Long from 'long';

/**
 * The decoded shape of OTLP messages as protobufjs produces them (camelCase fields; 64-bit integers as `Long` or
 * number; bytes as Uint8Array). Only the fields Sightline reads are typed; every field is optional on the wire.
 */
export type Int64 = Long | number | string;

export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Int64;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: Uint8Array;
  /** protobufjs virtual oneof property: which of the above is set. */
  value?: string;
}

export interface KeyValue {
  key: string;
  value?: AnyValue | null;
}

export interface InstrumentationScope {
  /** The encoded message as received (a view into the request), when decoded from protobuf. */
  raw?: Uint8Array;
  name?: string;
  version?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

export interface Resource {
  /** The encoded message as received (a view into the request), when decoded from protobuf. */
  raw?: Uint8Array;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

export interface SpanEvent {
  timeUnixNano?: Int64;
  name?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

export interface SpanLink {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  traceState?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
}

export interface Span {
  /** The encoded message as received (a view into the request), when decoded from protobuf. */
  raw?: Uint8Array;
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState?: string;
  parentSpanId?: Uint8Array;
  flags?: number;
  name?: string;
  kind?: number;
  startTimeUnixNano?: Int64;
  endTimeUnixNano?: Int64;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  events?: SpanEvent[];
  droppedEventsCount?: number;
  links?: SpanLink[];
  droppedLinksCount?: number;
  status?: { message?: string; code?: number } | null;
}

export interface ScopeSpans {
  scope?: InstrumentationScope | null;
  spans?: Span[];
  schemaUrl?: string;
}

export interface ResourceSpans {
  resource?: Resource | null;
  scopeSpans?: ScopeSpans[];
  schemaUrl?: string;
}

export interface ExportTraceServiceRequest {
  resourceSpans?: ResourceSpans[];
}

export interface Exemplar {
  filteredAttributes?: KeyValue[];
  timeUnixNano?: Int64;
  asDouble?: number;
  asInt?: Int64;
  /** Which of asDouble / asInt is set. */
  value?: string;
  spanId?: Uint8Array;
  traceId?: Uint8Array;
}

export interface NumberDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  asDouble?: number;
  asInt?: Int64;
  /** Which of asDouble / asInt is set. */
  value?: string;
  exemplars?: Exemplar[];
  flags?: number;
}

export interface HistogramDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  count?: Int64;
  sum?: number | null;
  bucketCounts?: Int64[];
  explicitBounds?: number[];
  exemplars?: Exemplar[];
  flags?: number;
  min?: number | null;
  max?: number | null;
}

export interface SummaryDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  count?: Int64;
  sum?: number;
  quantileValues?: { quantile?: number; value?: number }[];
  flags?: number;
}

export interface ExponentialHistogramBuckets {
  offset?: number;
  bucketCounts?: Int64[];
}

export interface ExponentialHistogramDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  count?: Int64;
  sum?: number | null;
  scale?: number;
  zeroCount?: Int64;
  positive?: ExponentialHistogramBuckets | null;
  negative?: ExponentialHistogramBuckets | null;
  flags?: number;
  exemplars?: Exemplar[];
  min?: number | null;
  max?: number | null;
  zeroThreshold?: number;
}

export interface Metric {
  name?: string;
  description?: string;
  unit?: string;
  gauge?: { dataPoints?: NumberDataPoint[] } | null;
  sum?: { dataPoints?: NumberDataPoint[]; aggregationTemporality?: number; isMonotonic?: boolean } | null;
  histogram?: { dataPoints?: HistogramDataPoint[]; aggregationTemporality?: number } | null;
  exponentialHistogram?: { dataPoints?: ExponentialHistogramDataPoint[]; aggregationTemporality?: number } | null;
  summary?: { dataPoints?: SummaryDataPoint[] } | null;
  /** protobufjs virtual oneof property: which data field is set. */
  data?: 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';
  metadata?: KeyValue[];
}

export interface ScopeMetrics {
  scope?: InstrumentationScope | null;
  metrics?: Metric[];
  schemaUrl?: string;
}

export interface ResourceMetrics {
  resource?: Resource | null;
  scopeMetrics?: ScopeMetrics[];
  schemaUrl?: string;
}

export interface ExportMetricsServiceRequest {
  resourceMetrics?: ResourceMetrics[];
}

export interface LogRecord {
  timeUnixNano?: Int64;
  observedTimeUnixNano?: Int64;
  severityNumber?: number;
  severityText?: string;
  body?: AnyValue | null;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  eventName?: string;
}

export interface ScopeLogs {
  scope?: InstrumentationScope | null;
  logRecords?: LogRecord[];
  schemaUrl?: string;
}

export interface ResourceLogs {
  resource?: Resource | null;
  scopeLogs?: ScopeLogs[];
  schemaUrl?: string;
}

export interface ExportLogsServiceRequest {
  resourceLogs?: ResourceLogs[];
}

export const SPAN_KIND = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
export const STATUS_CODE = ['unset', 'ok', 'error'] as const;
