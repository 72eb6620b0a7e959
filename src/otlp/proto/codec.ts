import protobuf from 'protobufjs';
import Long from 'long';
import { OTLP_PROTO } from './otlp-schema.js';
import type {
  AnyValue,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  Int64,
  KeyValue,
  ResourceSpans,
  ScopeSpans,
  Span,
} from './types.js';

import { OtlpDecodeError, decodeOrReject } from './codec-errors.js';
import { decodeAnyValueBytes, forEachSpanAttribute, decodeResourceSpansList, decodeSpanBytes, decodeSpanHead, spanAttribute, spanHeads, spansMayHaveAttribute } from './trace-decoder.js';
import { encodeResourceList, encodeResourceListInto, type ByteSink } from './otlp-encoder.js';
export type { ByteSink } from './otlp-encoder.js';
import { arrivedBytesIfUnchanged, rememberArrivedBytes } from './arrived-bytes.js';
import { decodeResourceLogsList } from './log-decoder.js';
import { decodeResourceMetricsList } from './metric-decoder.js';

export { OtlpDecodeError, arrivedBytesIfUnchanged, decodeAnyValueBytes, forEachSpanAttribute, decodeOrReject, decodeSpanBytes, decodeSpanHead, spanAttribute, spanHeads, spansMayHaveAttribute };

/** A span's encoded bytes: the bytes it arrived with, or protobufjs's encoding when it came from JSON. */
export function spanBytes(s: Span): Uint8Array {
  return s.raw ?? Types.Span.encode(s as unknown as protobuf.Message).finish();
}

protobuf.util.Long = Long as unknown as typeof protobuf.util.Long;
protobuf.configure();
const root = protobuf.parse(OTLP_PROTO, { keepCase: false }).root;
const T = (name: string) => root.lookupType(`opentelemetry.proto.${name}`);

export const Types = {
  TracesData: T('TracesData'),
  ExportTraceServiceRequest: T('ExportTraceServiceRequest'),
  ExportTraceServiceResponse: T('ExportTraceServiceResponse'),
  ExportMetricsServiceRequest: T('ExportMetricsServiceRequest'),
  ExportMetricsServiceResponse: T('ExportMetricsServiceResponse'),
  ExportLogsServiceRequest: T('ExportLogsServiceRequest'),
  ExportLogsServiceResponse: T('ExportLogsServiceResponse'),
  RpcStatus: T('RpcStatus'),
  ResourceSpans: T('ResourceSpans'),
  Resource: T('Resource'),
  InstrumentationScope: T('InstrumentationScope'),
  Span: T('Span'),
  LogRecord: T('LogRecord'),
  Metric: T('Metric'),
};

const SPAN_ENCODERS = { resource: Types.Resource, scope: Types.InstrumentationScope, item: Types.Span, groups: 'scopeSpans', items: 'spans' };
const LOG_ENCODERS = { resource: Types.Resource, scope: Types.InstrumentationScope, item: Types.LogRecord, groups: 'scopeLogs', items: 'logRecords' };
const METRIC_ENCODERS = { resource: Types.Resource, scope: Types.InstrumentationScope, item: Types.Metric, groups: 'scopeMetrics', items: 'metrics' };

/**
 * ExportTraceServiceRequest and TracesData share the wire format (field 1: repeated ResourceSpans). The request
 * remembers the bytes it was decoded from (see `arrivedBytesIfUnchanged`).
 */
export const decodeTracesRequest = (buf: Uint8Array): ExportTraceServiceRequest => rememberArrivedBytes({ resourceSpans: decodeResourceSpansList(buf) }, buf);
/** Metrics are checked on arrival and built on first read of `ScopeMetrics.metrics` (see metric-decoder.ts). */
export const decodeMetricsRequest = (buf: Uint8Array): ExportMetricsServiceRequest => ({ resourceMetrics: decodeResourceMetricsList(buf) });
/** Log records are checked on arrival and built on first read of `ScopeLogs.logRecords` (see log-decoder.ts). */
export const decodeLogsRequest = (buf: Uint8Array): ExportLogsServiceRequest => ({ resourceLogs: decodeResourceLogsList(buf) });

/** The logs request, re-sending the bytes of log records that were never read. */
export function encodeLogsRequest(req: ExportLogsServiceRequest): Uint8Array {
  return encodeResourceList(req.resourceLogs ?? [], LOG_ENCODERS);
}

/** The metrics request, re-sending the bytes of metrics that were never read. */
export function encodeMetricsRequest(req: ExportMetricsServiceRequest): Uint8Array {
  return encodeResourceList(req.resourceMetrics ?? [], METRIC_ENCODERS);
}

export function encodeTracesRequest(req: ExportTraceServiceRequest): Uint8Array {
  return encodeResourceList(req.resourceSpans ?? [], SPAN_ENCODERS);
}

/** Resource spans to encode whose spans may be only the bytes each arrived with (`{ raw }`). */
export interface ResourceSpansToEncode {
  resource?: ResourceSpans['resource'];
  scopeSpans?: { scope?: ScopeSpans['scope']; spans?: readonly (Span | { raw: Uint8Array })[]; schemaUrl?: string }[];
  schemaUrl?: string;
}

/** `TracesData` (= Tempo's `tempopb.Trace`: field 1 repeated ResourceSpans) of one trace. */
export function encodeTracesData(resourceSpans: readonly ResourceSpansToEncode[]): Uint8Array {
  return encodeResourceList(resourceSpans, SPAN_ENCODERS);
}

/** As `encodeTracesData`, appended to `sink` (a block's data object: every trace into one buffer). */
export function encodeTracesDataInto(resourceSpans: readonly ResourceSpansToEncode[], sink: ByteSink): void {
  encodeResourceListInto(resourceSpans, SPAN_ENCODERS, sink);
}

export function decodeTracesData(buf: Uint8Array): ResourceSpans[] {
  return decodeResourceSpansList(buf);
}

// ---------------------------------------------------------------------------------------------------------------
// IDs and scalar helpers

const HEX = /^[0-9a-fA-F]*$/;

export function bytesToHex(b: Uint8Array | undefined | null): string {
  if (!b || b.length === 0) return '';
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

export function hexToBytes(s: string, what = 'id'): Buffer {
  if (s.length % 2 !== 0 || !HEX.test(s)) throw new OtlpDecodeError(`invalid ${what}: ${JSON.stringify(s)} is not a hex string`);
  return Buffer.from(s, 'hex');
}

export function int64ToBigInt(v: Int64 | undefined | null): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (typeof v === 'string') return BigInt(v);
  const u = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return v.unsigned || v.high >= 0 ? u : u - (1n << 64n);
}

/** `end - start` of two unsigned nanosecond timestamps as a number of nanoseconds (0 when end < start). */
export function nanosBetween(start: Int64 | undefined | null, end: Int64 | undefined | null): number {
  if (start && end && typeof start === 'object' && typeof end === 'object') {
    const d = ((end.high >>> 0) - (start.high >>> 0)) * 4294967296 + ((end.low >>> 0) - (start.low >>> 0));
    return d > 0 ? d : 0;
  }
  const s = int64ToBigInt(start);
  const e = int64ToBigInt(end);
  return e > s ? Number(e - s) : 0;
}

export function int64ToNumber(v: Int64 | undefined | null): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  return v.toNumber();
}

/** A nanosecond timestamp as milliseconds (float). */
export function nanosToMillis(v: Int64 | undefined | null): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v / 1e6;
  if (typeof v === 'string') return Number(BigInt(v) / 1000n) / 1000;
  // Long: high*2^32 + low, divided without going through a lossy 64-bit float first.
  return (v.high >>> 0) * (4294967296 / 1e6) + (v.low >>> 0) / 1e6;
}

/** Which member of an AnyValue is set, with its JS value (arrays and maps as JSON strings). */
export function anyValueToJs(v: AnyValue | undefined | null): string | number | boolean | undefined {
  if (!v) return undefined;
  switch (v.value) {
    case 'stringValue':
      return v.stringValue;
    case 'boolValue':
      return v.boolValue;
    case 'intValue':
      return int64ToNumber(v.intValue);
    case 'doubleValue':
      return v.doubleValue;
    case 'bytesValue':
      return Buffer.from(v.bytesValue ?? []).toString('base64');
    case 'arrayValue':
    case 'kvlistValue':
      return JSON.stringify(anyValueToJson(v));
    default:
      return undefined;
  }
}

/** An AnyValue as a plain JSON value (used for non-string log bodies and array/map attributes). */
export function anyValueToJson(v: AnyValue | undefined | null): unknown {
  if (!v) return null;
  switch (v.value) {
    case 'arrayValue':
      return (v.arrayValue?.values ?? []).map(anyValueToJson);
    case 'kvlistValue':
      return Object.fromEntries((v.kvlistValue?.values ?? []).map((kv: KeyValue) => [kv.key, anyValueToJson(kv.value)]));
    default:
      return anyValueToJs(v) ?? null;
  }
}

/** A string value of an attribute list (`service.name` etc.), or undefined. */
export function stringAttr(attrs: KeyValue[] | undefined, key: string): string | undefined {
  if (!attrs) return undefined;
  for (const kv of attrs) if (kv.key === key) return kv.value?.value === 'stringValue' ? kv.value.stringValue : String(anyValueToJs(kv.value) ?? '');
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): trace and span IDs are hex strings
// (not base64), 64-bit integers may be strings or numbers, enums are integers, keys are lowerCamelCase.

type Json = Record<string, unknown>;

function idField(o: Json, key: string, what: string): void {
  const v = o[key];
  if (v === undefined || v === null || v === '') {
    delete o[key];
    return;
  }
  if (typeof v !== 'string') throw new OtlpDecodeError(`invalid ${what}: must be a hex string`);
  o[key] = hexToBytes(v, what);
}

function each(o: unknown, key: string, fn: (x: Json) => void): void {
  if (o === null || typeof o !== 'object') return;
  const arr = (o as Json)[key];
  if (Array.isArray(arr)) for (const x of arr) if (x !== null && typeof x === 'object') fn(x as Json);
}

function parseJson(buf: Uint8Array | string): Json {
  let v: unknown;
  try {
    v = JSON.parse(typeof buf === 'string' ? buf : Buffer.from(buf).toString('utf8'));
  } catch (e) {
    throw new OtlpDecodeError(`unable to parse JSON request: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new OtlpDecodeError('unable to parse JSON request: expected an object');
  return v as Json;
}

function fromObject<M>(type: protobuf.Type, obj: Json, what: string): M {
  try {
    return type.fromObject(obj) as unknown as M;
  } catch (e) {
    throw new OtlpDecodeError(`invalid ${what}: ${(e as Error).message}`);
  }
}

export function tracesRequestFromJson(body: Uint8Array | string): ExportTraceServiceRequest {
  const o = parseJson(body);
  each(o, 'resourceSpans', (rs) =>
    each(rs, 'scopeSpans', (ss) =>
      each(ss, 'spans', (sp) => {
        idField(sp, 'traceId', 'trace ID');
        idField(sp, 'spanId', 'span ID');
        idField(sp, 'parentSpanId', 'parent span ID');
        each(sp, 'links', (l) => {
          idField(l, 'traceId', 'link trace ID');
          idField(l, 'spanId', 'link span ID');
        });
      }),
    ),
  );
  return fromObject(Types.ExportTraceServiceRequest, o, 'traces request');
}

export function metricsRequestFromJson(body: Uint8Array | string): ExportMetricsServiceRequest {
  const o = parseJson(body);
  const fixExemplars = (dp: Json) =>
    each(dp, 'exemplars', (ex) => {
      idField(ex, 'traceId', 'exemplar trace ID');
      idField(ex, 'spanId', 'exemplar span ID');
    });
  each(o, 'resourceMetrics', (rm) =>
    each(rm, 'scopeMetrics', (sm) =>
      each(sm, 'metrics', (m) => {
        for (const k of ['gauge', 'sum', 'histogram', 'exponentialHistogram']) each(m[k], 'dataPoints', fixExemplars);
      }),
    ),
  );
  return fromObject(Types.ExportMetricsServiceRequest, o, 'metrics request');
}

export function logsRequestFromJson(body: Uint8Array | string): ExportLogsServiceRequest {
  const o = parseJson(body);
  each(o, 'resourceLogs', (rl) =>
    each(rl, 'scopeLogs', (sl) =>
      each(sl, 'logRecords', (lr) => {
        idField(lr, 'traceId', 'trace ID');
        idField(lr, 'spanId', 'span ID');
      }),
    ),
  );
  return fromObject(Types.ExportLogsServiceRequest, o, 'logs request');
}

const ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** Convert base64 ID fields produced by `toObject` to hex, recursively. */
function hexIds(v: unknown): unknown {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = hexIds(v[i]);
    return v;
  }
  if (v !== null && typeof v === 'object') {
    const o = v as Json;
    for (const k of Object.keys(o)) {
      if (ID_KEYS.has(k) && typeof o[k] === 'string') o[k] = Buffer.from(o[k] as string, 'base64').toString('hex');
      else hexIds(o[k]);
    }
  }
  return v;
}

/** A protobuf message as an OTLP/JSON object (hex IDs, 64-bit integers as strings, enums as numbers). */
export function messageToOtlpJson(type: protobuf.Type, bytes: Uint8Array): Json {
  return hexIds(type.toObject(type.decode(bytes), { longs: String, enums: Number, bytes: String, defaults: false, oneofs: false })) as Json;
}

/** Resource spans as OTLP/JSON objects (hex IDs, 64-bit integers as strings, enums as numbers). */
export function resourceSpansToJson(resourceSpans: ResourceSpans[]): Json[] {
  return resourceSpans.map((rs) => {
    const msg = Types.ResourceSpans.fromObject(rs as unknown as Json);
    return hexIds(Types.ResourceSpans.toObject(msg, { longs: String, enums: Number, bytes: String, defaults: false, oneofs: false })) as Json;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Responses

export type Signal = 'traces' | 'metrics' | 'logs';

const RESPONSE_TYPE: Record<Signal, protobuf.Type> = {
  traces: Types.ExportTraceServiceResponse,
  metrics: Types.ExportMetricsServiceResponse,
  logs: Types.ExportLogsServiceResponse,
};
const REJECTED_FIELD: Record<Signal, string> = { traces: 'rejectedSpans', metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords' };

/** The Export response; `partialSuccess` only when something was rejected or there is a message. */
export function exportResponseObject(signal: Signal, rejected: number, message: string): Json {
  if (rejected === 0 && message === '') return {};
  return { partialSuccess: { [REJECTED_FIELD[signal]]: String(rejected), errorMessage: message } };
}

export function encodeExportResponse(signal: Signal, rejected: number, message: string): Uint8Array {
  const t = RESPONSE_TYPE[signal];
  return t.encode(t.fromObject(exportResponseObject(signal, rejected, message))).finish();
}

export function encodeRpcStatus(code: number, message: string): Uint8Array {
  return Types.RpcStatus.encode(Types.RpcStatus.fromObject({ code, message })).finish();
}
