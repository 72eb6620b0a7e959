import { gzipSync } from 'node:zlib';
import { int, mutateBytes, mutateText, seededRng } from '../fuzz/mutator.js';
import { jaeger, logql, lokiJson, lokiProtobuf, otlpLogs, otlpMetrics, otlpTraces, promql, remoteWrite, traceql, zipkin } from '../fuzz/targets.js';
import type { FuzzTarget } from '../fuzz/harness.js';
import {
  BAD_UTF8,
  ZSTD_BOMB,
  brotliOf,
  deepJsonArray,
  deepJsonObject,
  deepLogsRequest,
  deepMetricsRequest,
  deepTraceRequest,
  deflateOf,
  gzipOf,
  gzipStreamOf,
  jaegerNestedLists,
  lazy,
  lokiProtoPush,
  remoteWriteBody,
  snappyOf,
} from './bodies.js';

/**
 * The hostile-input table: one row per request, each with the status the original system answers (a 4xx for a
 * client fault, never a 5xx), a time budget, and the configured limit the request may legitimately fill (its RSS
 * growth may exceed that by at most 64 MB). `big` rows are the full-size variants (GB bombs, 1M-deep nesting):
 * they run in `npm run bench -- robustness`, their small twins in `npm test`.
 */
export interface HostileCase {
  name: string;
  listener: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string | (() => Buffer | string);
  /** gRPC method on the OTLP gRPC listener (then `path` is unused). */
  grpc?: string;
  /** Expected HTTP status(es); 'client' = any 4xx; 'handled' = anything but a 5xx (fuzzed bodies). */
  status: number | number[] | 'client' | 'handled';
  /** Accepted gRPC codes (0 OK, 3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 11 OUT_OF_RANGE). */
  grpcCodes?: number[];
  budgetMs?: number;
  text?: RegExp;
  /** Error body format of the original: Prometheus/Alertmanager-v1 JSON envelope or Grafana's {message}. */
  format?: 'prometheus' | 'grafana';
  /** The configured limit (MB) this request may fill before it is refused (decompressed-size limits). */
  limitMb?: number;
  big?: boolean;
  /**
   * A known gap this row still shows (why, in words): `npm test` lists it as a todo, the bench runs it and reports
   * its figures. Each one is named in the report of the change that added it.
   */
  gap?: string;
}

const MiB = 1 << 20;
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const json = { 'content-type': 'application/json' };
const proto = { 'content-type': 'application/x-protobuf' };
const q = (path: string, query: string, extra = '') => `${path}?query=${encodeURIComponent(query)}${extra}`;
const TRACE = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const METRICS = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
const LOGS = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
/** gRPC codes that are a client's fault or a limit; INTERNAL (13) and UNKNOWN (2) are not accepted. */
const GRPC_CLIENT = [3, 8, 11];

// ---- the issue's table -----------------------------------------------------------------------------------------

function issueRows(): HostileCase[] {
  return [
    { name: 'Loki push: 4 MB gzip of 4 GB of spaces', big: true, listener: 'loki', path: '/loki/api/v1/push', headers: { ...json, 'content-encoding': 'gzip' }, body: lazyAsyncCache('gz4g'), status: 413, budgetMs: 5000, limitMb: 100 },
    { name: 'Loki push: gzip of 128 MiB of spaces', listener: 'loki', path: '/loki/api/v1/push', headers: { ...json, 'content-encoding': 'gzip' }, body: gzipOf(128 * MiB, 0x20), status: 413, budgetMs: 10_000, limitMb: 100 },
    { name: 'Loki push: 1 GB gzip bomb', big: true, listener: 'loki', path: '/loki/api/v1/push', headers: { ...json, 'content-encoding': 'gzip' }, body: gzipOf(1024 * MiB - 1, 0x20), status: 413, budgetMs: 5000, limitMb: 100 },
    { name: 'OTLP/HTTP: 1 GB gzip bomb', big: true, listener: 'otlp_http', path: '/v1/traces', headers: { ...proto, 'content-encoding': 'gzip' }, body: gzipOf(1024 * MiB - 1), status: 413, budgetMs: 5000, limitMb: 16 },
    { name: 'OTLP/HTTP: 128 MiB gzip bomb', listener: 'otlp_http', path: '/v1/traces', headers: { ...proto, 'content-encoding': 'gzip' }, body: gzipOf(128 * MiB), status: 413, budgetMs: 10_000, limitMb: 16 },
    { name: 'Zipkin: 1 GB gzip bomb', big: true, listener: 'zipkin', path: '/api/v2/spans', headers: { ...json, 'content-encoding': 'gzip' }, body: gzipOf(1024 * MiB - 1, 0x20), status: 413, budgetMs: 5000, limitMb: 100 },
    { name: 'Zipkin: 128 MiB gzip bomb', listener: 'zipkin', path: '/api/v2/spans', headers: { ...json, 'content-encoding': 'gzip' }, body: gzipOf(128 * MiB, 0x20), status: 413, budgetMs: 10_000, limitMb: 100 },
    { name: 'Loki protobuf: snappy of 500 MB of zeros', big: true, listener: 'loki', path: '/loki/api/v1/push', headers: proto, body: snappyOf(500 * MiB), status: 413, budgetMs: 10_000, limitMb: 100 },
    { name: 'Loki protobuf: snappy of 200 MiB of zeros', listener: 'loki', path: '/loki/api/v1/push', headers: proto, body: snappyOf(200 * MiB), status: 413, budgetMs: 10_000, limitMb: 100 },
    { name: 'PromQL: .*.*.*.*.*.*.*.*.*x over a 2,000-char value', listener: 'prometheus', path: q('/api/v1/query', 'rb_gauge{b=~".*.*.*.*.*.*.*.*.*x"}'), status: 200, budgetMs: 100 },
    { name: 'PromQL: (a|aa)+c', listener: 'prometheus', path: q('/api/v1/query', 'rb_gauge{b=~"(a|aa)+c"}'), status: 200, budgetMs: 100 },
    { name: 'PromQL: label_replace with (a+)+c', listener: 'prometheus', path: q('/api/v1/query', 'label_replace(rb_gauge, "x", "$1", "b", "(a+)+c")'), status: 200, budgetMs: 100 },
    { name: 'LogQL: label matcher (a|aa)+c', listener: 'loki', path: q('/loki/api/v1/query_range', '{app=~"(a|aa)+c"}', '&limit=10'), status: 200, budgetMs: 100 },
    { name: 'LogQL: |~ (a+)+b over 5,000-char lines', listener: 'loki', path: q('/loki/api/v1/query_range', '{app="rb"} |~ "(a+)+b"', '&limit=10'), status: 200, budgetMs: 200 },
    { name: 'TraceQL: name =~ (a|aa)+c', listener: 'tempo', path: `/api/search?q=${encodeURIComponent('{ name =~ "(a|aa)+c" }')}`, status: 200, budgetMs: 100 },
    { name: 'PromQL: backreference refused as RE2 does', listener: 'prometheus', path: q('/api/v1/query', 'rb_gauge{b=~"(a)\\\\1"}'), status: 400, text: /invalid escape sequence/, format: 'prometheus' },
    { name: 'PromQL: lookahead refused as RE2 does', listener: 'prometheus', path: q('/api/v1/query', 'rb_gauge{b=~"(?=a)a"}'), status: 400, text: /invalid or unsupported Perl syntax/, format: 'prometheus' },
    { name: 'PromQL: 1M "{" (POST)', listener: 'prometheus', path: '/api/v1/query', headers: form, body: `query=${'%7B'.repeat(MiB)}`, status: 400, format: 'prometheus' },
    { name: 'PromQL: 5 MB a+a+... (POST)', listener: 'prometheus', path: '/api/v1/query', headers: form, body: lazy(() => `query=${encodeURIComponent('a+'.repeat(2.5 * MiB) + 'a')}`), status: 400, format: 'prometheus', text: /POST too large/ },
    { name: 'LogQL: 1M "{" (POST)', listener: 'loki', path: '/loki/api/v1/query_range', headers: form, body: `query=${'%7B'.repeat(MiB)}`, status: 400 },
    { name: 'PromQL: 1M unbalanced "(" (POST)', listener: 'prometheus', path: '/api/v1/query', headers: form, body: `query=${'('.repeat(MiB)}`, status: 400, format: 'prometheus' },
    { name: 'PromQL: [1y:1ms] subquery', listener: 'prometheus', path: q('/api/v1/query', 'rb_gauge[1y:1ms]'), status: [400, 422], text: /points|samples|resolution|too many/i, format: 'prometheus' },
    { name: 'OTLP/HTTP traces: AnyValue nested 20,000 deep', listener: 'otlp_http', path: '/v1/traces', headers: proto, body: lazy(() => deepTraceRequest(20_000)), status: 400 },
    { name: 'OTLP/HTTP logs: AnyValue nested 100,000 deep', listener: 'otlp_http', path: '/v1/logs', headers: proto, body: lazy(() => deepLogsRequest(100_000)), status: 400 },
    { name: 'OTLP/gRPC traces: AnyValue nested 20,000 deep', listener: 'otlp_grpc', path: '', grpc: TRACE, body: lazy(() => deepTraceRequest(20_000)), status: 'handled', grpcCodes: [3] },
    { name: 'OTLP/gRPC logs: AnyValue nested 100,000 deep', listener: 'otlp_grpc', path: '', grpc: LOGS, body: lazy(() => deepLogsRequest(100_000)), status: 'handled', grpcCodes: [3] },
    { name: 'Jaeger Thrift: 1M nested lists', listener: 'jaeger', path: '/api/traces', headers: { 'content-type': 'application/x-thrift' }, body: lazy(() => jaegerNestedLists(MiB)), status: 400, text: /Depth limit exceeded/ },
    { name: 'Zipkin: "annotations": 5', listener: 'zipkin', path: '/api/v2/spans', headers: json, body: JSON.stringify([{ traceId: 'a'.repeat(16), id: '0102030405060708', name: 'x', timestamp: 1, duration: 1, annotations: 5 }]), status: 400 },
    { name: 'remote write: 200k new series in one request', big: true, listener: 'prometheus', path: '/api/v1/write', headers: { ...proto, 'content-encoding': 'snappy' }, body: lazy(() => remoteWriteBody(200_000, 0)), status: [204, 400], budgetMs: 20_000, limitMb: 200 },
  ];
}

/** Bodies that take seconds to build (the 4 GB gzip): prepared by `prepareBigBodies` before the run. */
const asyncBodies = new Map<string, Buffer>();
function lazyAsyncCache(key: string): () => Buffer {
  return () => {
    const b = asyncBodies.get(key);
    if (!b) throw new Error(`body ${key} not prepared`);
    return b;
  };
}
export async function prepareBigBodies(): Promise<void> {
  asyncBodies.set('gz4g', await gzipStreamOf(4096 * MiB, 0x20));
}

// ---- decompression on every ingest endpoint --------------------------------------------------------------------

const INGEST: Array<{ name: string; listener: string; path: string; ct: string; limitMb: number }> = [
  { name: 'Loki push JSON', listener: 'loki', path: '/loki/api/v1/push', ct: 'application/json', limitMb: 100 },
  { name: 'Loki push protobuf', listener: 'loki', path: '/loki/api/v1/push', ct: 'application/x-protobuf', limitMb: 100 },
  { name: 'OTLP/HTTP metrics', listener: 'otlp_http', path: '/v1/metrics', ct: 'application/x-protobuf', limitMb: 16 },
  { name: 'OTLP/HTTP logs', listener: 'otlp_http', path: '/v1/logs', ct: 'application/json', limitMb: 16 },
  { name: 'Zipkin v2', listener: 'zipkin', path: '/api/v2/spans', ct: 'application/json', limitMb: 100 },
  { name: 'remote write', listener: 'prometheus', path: '/api/v1/write', ct: 'application/x-protobuf', limitMb: 100 },
  { name: 'Mimir remote write', listener: 'mimir', path: '/api/v1/push', ct: 'application/x-protobuf', limitMb: 100 },
];

function decompressionRows(): HostileCase[] {
  const out: HostileCase[] = [];
  const bomb = gzipOf(128 * MiB);
  const deflateBomb = deflateOf(128 * MiB);
  const brBomb = brotliOf(128 * MiB);
  for (const e of INGEST) {
    const rw = e.path === '/api/v1/write' || e.path === '/api/v1/push';
    const h = (enc: string) => ({ 'content-type': e.ct, 'content-encoding': enc });
    if (!rw) {
      out.push({ name: `${e.name}: gzip bomb 128 MiB`, listener: e.listener, path: e.path, headers: h('gzip'), body: bomb, status: 413, budgetMs: 10_000, limitMb: e.limitMb });
      out.push({ name: `${e.name}: deflate bomb 128 MiB`, listener: e.listener, path: e.path, headers: h('deflate'), body: deflateBomb, status: [413, 415], budgetMs: 10_000, limitMb: e.limitMb });
      out.push({ name: `${e.name}: brotli bomb 128 MiB`, listener: e.listener, path: e.path, headers: h('br'), body: brBomb, status: [413, 415], budgetMs: 10_000, limitMb: e.limitMb });
      out.push({ name: `${e.name}: zstd frame declaring 1 TB`, listener: e.listener, path: e.path, headers: h('zstd'), body: ZSTD_BOMB, status: [400, 413, 415] });
      out.push({ name: `${e.name}: truncated gzip`, listener: e.listener, path: e.path, headers: h('gzip'), body: gzipSync(Buffer.from('{"streams":[]}')).subarray(0, 12), status: 400 });
      out.push({ name: `${e.name}: gzip claimed, plain body`, listener: e.listener, path: e.path, headers: h('gzip'), body: '{"a":1}', status: 400 });
    }
    out.push({ name: `${e.name}: snappy block declaring 4 GiB`, listener: e.listener, path: e.path, headers: rw ? h('snappy') : { 'content-type': e.ct, 'content-encoding': 'snappy' }, body: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x61]), status: [400, 413, 415] });
    out.push({ name: `${e.name}: empty body`, listener: e.listener, path: e.path, headers: { 'content-type': e.ct }, body: '', status: [200, 204, 400, 415] });
    out.push({ name: `${e.name}: wrong content type (text/xml)`, listener: e.listener, path: e.path, headers: { 'content-type': 'text/xml' }, body: '<a/>', status: [400, 415] });
    out.push({ name: `${e.name}: bad UTF-8 body`, listener: e.listener, path: e.path, headers: { 'content-type': e.ct }, body: BAD_UTF8, status: 'client' });
  }
  out.push({ name: 'remote write: snappy of 200 MiB of zeros', listener: 'prometheus', path: '/api/v1/write', headers: { ...proto, 'content-encoding': 'snappy' }, body: snappyOf(200 * MiB), status: [400, 413], budgetMs: 10_000, limitMb: 100 });
  out.push({ name: 'OTLP/HTTP: snappy of 64 MiB (over the 16 MiB limit)', listener: 'otlp_http', path: '/v1/logs', headers: { ...proto, 'content-encoding': 'snappy' }, body: snappyOf(64 * MiB), status: [400, 413, 415], limitMb: 16 });
  return out;
}

// ---- deep nesting and huge label counts --------------------------------------------------------------------------

function structureRows(): HostileCase[] {
  const rw = { ...proto, 'content-encoding': 'snappy' };
  return [
    { name: 'OTLP/HTTP metrics: AnyValue nested 50,000 deep', listener: 'otlp_http', path: '/v1/metrics', headers: proto, body: lazy(() => deepMetricsRequest(50_000)), status: 400 },
    { name: 'OTLP/gRPC metrics: AnyValue nested 50,000 deep', listener: 'otlp_grpc', path: '', grpc: METRICS, body: lazy(() => deepMetricsRequest(50_000)), status: 'handled', grpcCodes: [3] },
    { name: 'OTLP/HTTP JSON: arrays nested 100,000 deep', listener: 'otlp_http', path: '/v1/traces', headers: json, body: deepJsonArray(100_000), status: 400 },
    { name: 'OTLP/HTTP JSON: AnyValue kvlist nested 5,000 deep', listener: 'otlp_http', path: '/v1/logs', headers: json, body: lazy(() => `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${'{"kvlistValue":{"values":[{"key":"k","value":'.repeat(5000)}{"stringValue":"x"}${'}]}}'.repeat(5000)}}]}]}]}`), status: 'handled' },
    { name: 'Loki push JSON: objects nested 100,000 deep', listener: 'loki', path: '/loki/api/v1/push', headers: json, body: deepJsonObject(100_000), status: [204, 400] },
    { name: 'Zipkin: arrays nested 100,000 deep', listener: 'zipkin', path: '/api/v2/spans', headers: json, body: deepJsonArray(100_000), status: 400 },
    { name: 'Zipkin v1: arrays nested 100,000 deep', listener: 'zipkin', path: '/api/v1/spans', headers: json, body: deepJsonArray(100_000), status: 'client' },
    { name: 'Alertmanager: alerts nested 100,000 deep', listener: 'alertmanager', path: '/api/v2/alerts', headers: json, body: deepJsonArray(100_000), status: 'client' },
    { name: 'Alertmanager: silence nested 100,000 deep', listener: 'alertmanager', path: '/api/v2/silences', headers: json, body: deepJsonObject(100_000), status: 'client' },
    { name: 'UI: dashboard JSON nested 100,000 deep', listener: 'ui', path: '/api/dashboards/db', headers: json, body: deepJsonObject(100_000), status: 'client' },
    { name: 'UI: login with nested JSON', listener: 'ui', path: '/api/login', headers: json, body: deepJsonArray(50_000), status: 'client' },
    { name: 'Jaeger Thrift: structs nested 100,000 deep', listener: 'jaeger', path: '/api/traces', headers: { 'content-type': 'application/x-thrift' }, body: lazy(() => Buffer.concat([Buffer.alloc(100_000 * 3).fill(Buffer.from([12, 0, 9])), Buffer.alloc(100_000)])), status: 400 },
    { name: 'Jaeger Thrift: 10k nested lists', listener: 'jaeger', path: '/api/traces', headers: { 'content-type': 'application/x-thrift' }, body: lazy(() => jaegerNestedLists(10_000)), status: 400 },
    { name: 'remote write: one series with 20,000 labels', listener: 'prometheus', path: '/api/v1/write', headers: rw, body: lazy(() => remoteWriteBody(1, 20_000)), status: [204, 400] },
    { name: 'Mimir push: one series with 20,000 labels', listener: 'mimir', path: '/api/v1/push', headers: rw, body: lazy(() => remoteWriteBody(1, 20_000)), status: 400 },
    { name: 'remote write: 1 MB label value', listener: 'prometheus', path: '/api/v1/write', headers: rw, body: lazy(() => remoteWriteBody(1, 1, undefined, Buffer.alloc(MiB, 0x61))), status: [204, 400] },
    { name: 'remote write: bad UTF-8 label value', listener: 'prometheus', path: '/api/v1/write', headers: rw, body: lazy(() => remoteWriteBody(1, 1, undefined, BAD_UTF8)), status: 400 },
    { name: 'remote write: bad UTF-8 metric name', listener: 'prometheus', path: '/api/v1/write', headers: rw, body: lazy(() => remoteWriteBody(1, 0, () => BAD_UTF8.toString('latin1'))), status: [204, 400] },
    { name: 'remote write: 20,000 series', listener: 'prometheus', path: '/api/v1/write', headers: rw, body: lazy(() => remoteWriteBody(20_000, 2)), status: [204, 400], budgetMs: 3000 },
    { name: 'Loki push: stream with 10,000 labels', listener: 'loki', path: '/loki/api/v1/push', headers: json, body: lazy(() => JSON.stringify({ streams: [{ stream: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`l${i}`, 'v'])), values: [[String(Date.now() * 1e6), 'x']] }] })), status: 400 },
    { name: 'Loki push proto: labels string 1 MB of "{"', listener: 'loki', path: '/loki/api/v1/push', headers: proto, body: lazy(() => lokiProtoPush('{'.repeat(MiB))), status: 400 },
    { name: 'Loki push proto: bad UTF-8 in labels', listener: 'loki', path: '/loki/api/v1/push', headers: proto, body: lazy(() => lokiProtoPush(Buffer.concat([Buffer.from('{a="'), BAD_UTF8, Buffer.from('"}')]))), status: [204, 400] },
    { name: 'Loki push proto: bad UTF-8 line', listener: 'loki', path: '/loki/api/v1/push', headers: proto, body: lazy(() => lokiProtoPush('{a="b"}', BAD_UTF8)), status: [204, 400] },
    { name: 'Loki push JSON: 10,000 streams', listener: 'loki', path: '/loki/api/v1/push', headers: json, body: lazy(() => JSON.stringify({ streams: Array.from({ length: 10_000 }, (_, i) => ({ stream: { s: String(i), hostile: 'many' }, values: [[String(Date.now() * 1e6), 'x']] })) })), status: [204, 400, 429], budgetMs: 3000 },
    { name: 'Loki push JSON: 5 MB line', listener: 'loki', path: '/loki/api/v1/push', headers: json, body: lazy(() => JSON.stringify({ streams: [{ stream: { a: 'big' }, values: [[String(Date.now() * 1e6), 'x'.repeat(5 * MiB)]] }] })), status: [204, 400, 413] },
    { name: 'Loki push JSON: timestamp not a number', listener: 'loki', path: '/loki/api/v1/push', headers: json, body: '{"streams":[{"stream":{"a":"b"},"values":[["NaN","x"]]}]}', status: 400 },
    { name: 'Loki push JSON: timestamp 1e400', listener: 'loki', path: '/loki/api/v1/push', headers: json, body: '{"streams":[{"stream":{"a":"b"},"values":[["1e400","x"]]}]}', status: 400 },
    { name: 'Loki push JSON: values a string', listener: 'loki', path: '/loki/api/v1/push', headers: json, body: '{"streams":[{"stream":{"a":"b"},"values":"x"}]}', status: 400 },
    { name: 'Loki push JSON: stream label value a number', listener: 'loki', path: '/loki/api/v1/push', headers: json, body: '{"streams":[{"stream":{"a":5},"values":[]}]}', status: 400 },
    { name: 'OTLP/HTTP JSON: 10,000 attributes', listener: 'otlp_http', path: '/v1/traces', headers: json, body: lazy(() => JSON.stringify({ resourceSpans: [{ resource: { attributes: Array.from({ length: 10_000 }, (_, i) => ({ key: `k${i}`, value: { stringValue: 'v' } })) }, scopeSpans: [{ spans: [{ traceId: 'b'.repeat(32), spanId: 'c'.repeat(16), name: 'x', startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] }] })), status: [200, 400] },
    { name: 'OTLP/HTTP JSON: traceId not hex', listener: 'otlp_http', path: '/v1/traces', headers: json, body: '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz","spanId":"zz","name":"x"}]}]}]}', status: 400 },
    { name: 'OTLP/HTTP JSON: timeUnixNano -1e30', listener: 'otlp_http', path: '/v1/metrics', headers: json, body: '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":[{"asDouble":1,"timeUnixNano":-1e30}]}}]}]}]}', status: [200, 400] },
    { name: 'OTLP/HTTP JSON: metric name bad UTF-8', listener: 'otlp_http', path: '/v1/metrics', headers: json, body: Buffer.concat([Buffer.from('{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"'), BAD_UTF8, Buffer.from('","gauge":{"dataPoints":[{"asDouble":1}]}}]}]}]}')]), status: [200, 400] },
    { name: 'Zipkin: 10,000 tags', listener: 'zipkin', path: '/api/v2/spans', headers: json, body: lazy(() => JSON.stringify([{ traceId: 'd'.repeat(16), id: '0102030405060708', name: 'x', timestamp: 1, duration: 1, tags: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`t${i}`, 'v'])) }])), status: [202, 400] },
    { name: 'Zipkin: traceId 1 KB', listener: 'zipkin', path: '/api/v2/spans', headers: json, body: JSON.stringify([{ traceId: 'a'.repeat(1024), id: '0102030405060708', name: 'x' }]), status: 400 },
    { name: 'Zipkin: duration NaN-ish', listener: 'zipkin', path: '/api/v2/spans', headers: json, body: '[{"traceId":"0102030405060708","id":"0102030405060708","duration":"NaN","timestamp":-1}]', status: [202, 400] },
    { name: 'Zipkin: body is a number', listener: 'zipkin', path: '/api/v2/spans', headers: json, body: '5', status: 400 },
    { name: 'Zipkin: protobuf content type, JSON body', listener: 'zipkin', path: '/api/v2/spans', headers: { 'content-type': 'application/x-protobuf' }, body: '[{"traceId":"x"}]', status: [400, 415] },
    { name: 'Alertmanager: alert with 10,000 labels', listener: 'alertmanager', path: '/api/v2/alerts', headers: json, body: lazy(() => JSON.stringify([{ labels: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`l${i}`, 'v'])) }])), status: [200, 400] },
    { name: 'Alertmanager: alert without labels', listener: 'alertmanager', path: '/api/v2/alerts', headers: json, body: '[{"annotations":{}}]', status: 'client' },
    { name: 'Alertmanager: alert labels not a map', listener: 'alertmanager', path: '/api/v2/alerts', headers: json, body: '[{"labels":5}]', status: 'client' },
    { name: 'Alertmanager: startsAt garbage', listener: 'alertmanager', path: '/api/v2/alerts', headers: json, body: '[{"labels":{"a":"b"},"startsAt":"yesterday"}]', status: 'client' },
    { name: 'Alertmanager: silence with (a+)+b matcher', listener: 'alertmanager', path: '/api/v2/silences', headers: json, body: JSON.stringify({ matchers: [{ name: 'a', value: '(a+)+b', isRegex: true }], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600e3).toISOString(), createdBy: 'x', comment: 'x' }), status: 200 },
    { name: 'Alertmanager: silence with backreference matcher', listener: 'alertmanager', path: '/api/v2/silences', headers: json, body: JSON.stringify({ matchers: [{ name: 'a', value: '(a)\\1', isRegex: true }], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600e3).toISOString(), createdBy: 'x', comment: 'x' }), status: 400 },
    { name: 'Alertmanager: silence endsAt before startsAt', listener: 'alertmanager', path: '/api/v2/silences', headers: json, body: JSON.stringify({ matchers: [{ name: 'a', value: 'b', isRegex: false }], startsAt: new Date().toISOString(), endsAt: new Date(0).toISOString(), createdBy: 'x', comment: 'x' }), status: 400 },
    { name: 'Alertmanager: alerts filter with (a|aa)+c', listener: 'alertmanager', path: `/api/v2/alerts?filter=${encodeURIComponent('a=~"(a|aa)+c"')}`, status: 200, budgetMs: 200 },
    { name: 'Alertmanager: alerts filter unparsable', listener: 'alertmanager', path: `/api/v2/alerts?filter=${encodeURIComponent('{{{')}`, status: 400 },
    { name: 'Alertmanager: silence id not a UUID', listener: 'alertmanager', path: '/api/v2/silence/%zz%00', status: [400, 404] },
  ];
}

// ---- query parameters and query languages ------------------------------------------------------------------------

function queryRows(): HostileCase[] {
  const out: HostileCase[] = [];
  const promApis: Array<[string, string]> = [
    ['prometheus', ''],
    ['mimir', '/prometheus'],
  ];
  for (const [l, pre] of promApis) {
    const P = (p: string) => `${pre}${p}`;
    const fmt = { format: 'prometheus' as const };
    out.push(
      { name: `${l}: query time=NaN`, listener: l, path: P('/api/v1/query?query=1&time=NaN'), status: 400, ...fmt },
      { name: `${l}: query time=-1e30`, listener: l, path: P('/api/v1/query?query=1&time=-1e30'), status: [200, 400], ...fmt },
      { name: `${l}: query time=Infinity`, listener: l, path: P('/api/v1/query?query=1&time=Infinity'), status: [200, 400], ...fmt },
      { name: `${l}: query timeout=garbage`, listener: l, path: P('/api/v1/query?query=1&timeout=forever'), status: 400, ...fmt },
      { name: `${l}: query empty`, listener: l, path: P('/api/v1/query?query='), status: 400, ...fmt },
      { name: `${l}: query 64 KiB + 1`, listener: l, path: P('/api/v1/query'), headers: form, body: `query=${'1'.repeat(64 * 1024 + 1)}`, status: 400, ...fmt },
      { name: `${l}: query_range step=0`, listener: l, path: P('/api/v1/query_range?query=1&start=0&end=100&step=0'), status: 400, ...fmt },
      { name: `${l}: query_range step=-1`, listener: l, path: P('/api/v1/query_range?query=1&start=0&end=100&step=-1'), status: 400, ...fmt },
      { name: `${l}: query_range 1y at 1ms`, listener: l, path: P('/api/v1/query_range?query=1&start=0&end=31536000&step=0.001'), status: 400, ...fmt },
      { name: `${l}: query_range end before start`, listener: l, path: P('/api/v1/query_range?query=1&start=100&end=0&step=1'), status: 400, ...fmt },
      { name: `${l}: query_range start=NaN`, listener: l, path: P('/api/v1/query_range?query=1&start=NaN&end=1&step=1'), status: 400, ...fmt },
      { name: `${l}: query_range step=1e308`, listener: l, path: P('/api/v1/query_range?query=1&start=0&end=100&step=1e308'), status: [200, 400], ...fmt },
      { name: `${l}: series no match[]`, listener: l, path: P('/api/v1/series'), status: 400, ...fmt },
      { name: `${l}: series match[] (a|aa)+c on every name`, listener: l, path: P(`/api/v1/series?match[]=${encodeURIComponent('{__name__=~"(a|aa)+c"}')}`), status: 200 },
      { name: `${l}: series match[] unparsable`, listener: l, path: P(`/api/v1/series?match[]=${encodeURIComponent('{{')}`), status: 400, ...fmt },
      { name: `${l}: labels start=NaN`, listener: l, path: P('/api/v1/labels?start=NaN'), status: 400, ...fmt },
      { name: `${l}: label values of an invalid name`, listener: l, path: P('/api/v1/label/%00%ff/values'), status: [200, 400] },
      { name: `${l}: label values limit=-1`, listener: l, path: P('/api/v1/label/__name__/values?limit=-1'), status: [200, 400], ...fmt },
      { name: `${l}: query with bad UTF-8`, listener: l, path: P('/api/v1/query?query=%80%c0%af%ed%a0%80'), status: 400, ...fmt },
      { name: `${l}: topk(1e18, ...)`, listener: l, path: P(`/api/v1/query?query=${encodeURIComponent('topk(1e18, rb_gauge)')}`), status: [200, 400, 422], budgetMs: 300 },
      { name: `${l}: count_values with (a+)+ label`, listener: l, path: P(`/api/v1/query?query=${encodeURIComponent('count_values("(a+)+", rb_gauge)')}`), status: [200, 400, 422] },
      { name: `${l}: 300 nested parentheses`, listener: l, path: P(`/api/v1/query?query=${'('.repeat(300)}1${')'.repeat(300)}`), status: [200, 400], ...fmt },
      { name: `${l}: 300 nested abs()`, listener: l, path: P(`/api/v1/query?query=${'abs('.repeat(300)}1${')'.repeat(300)}`), status: [200, 400], ...fmt },
      { name: `${l}: regex with 10,000 alternatives`, listener: l, path: P('/api/v1/query'), headers: form, body: `query=${encodeURIComponent(`rb_gauge{b=~"${Array.from({ length: 10_000 }, (_, i) => `x${i}`).join('|')}"}`)}`, status: [200, 400], budgetMs: 500 },
      { name: `${l}: regex a{1000}{1000}`, listener: l, path: P(`/api/v1/query?query=${encodeURIComponent('rb_gauge{b=~"a{1000}{1000}"}')}`), status: 400, ...fmt },
      { name: `${l}: unclosed regex group`, listener: l, path: P(`/api/v1/query?query=${encodeURIComponent('rb_gauge{b=~"(("}')}`), status: 400, ...fmt },
    );
  }
  out.push(
    { name: 'Prometheus: federate match[] (a|aa)+c', listener: 'prometheus', path: `/federate?match[]=${encodeURIComponent('{b=~"(a|aa)+c"}')}`, status: 200, budgetMs: 200 },
    { name: 'Prometheus: federate match[] garbage', listener: 'prometheus', path: `/federate?match[]=${encodeURIComponent('{{{')}`, status: 400 },
    { name: 'Prometheus: delete_series without match[]', listener: 'prometheus', path: '/api/v1/admin/tsdb/delete_series', method: 'POST', status: [400, 404, 405] },
    { name: 'Prometheus: unknown method on query', listener: 'prometheus', path: '/api/v1/query', method: 'PUT', status: [404, 405] },
    // LogQL
    { name: 'LogQL: query_range limit=-1', listener: 'loki', path: q('/loki/api/v1/query_range', '{app="rb"}', '&limit=-1'), status: 400 },
    { name: 'LogQL: query_range limit=1e12', listener: 'loki', path: q('/loki/api/v1/query_range', '{app="rb"}', '&limit=1000000000000'), status: [200, 400] },
    { name: 'LogQL: query_range step=0 on a metric query', listener: 'loki', path: q('/loki/api/v1/query_range', 'count_over_time({app="rb"}[1m])', '&step=0'), status: [200, 400] },
    { name: 'LogQL: query_range step=1ns over a day', listener: 'loki', path: q('/loki/api/v1/query_range', 'count_over_time({app="rb"}[1m])', `&step=0.000000001&start=${Date.now() - 86400e3}000000&end=${Date.now()}000000`), status: 400 },
    { name: 'LogQL: start=NaN', listener: 'loki', path: q('/loki/api/v1/query_range', '{app="rb"}', '&start=NaN'), status: 400 },
    { name: 'LogQL: direction=sideways', listener: 'loki', path: q('/loki/api/v1/query_range', '{app="rb"}', '&direction=sideways'), status: 400 },
    { name: 'LogQL: empty matcher set', listener: 'loki', path: q('/loki/api/v1/query_range', '{}'), status: 400 },
    { name: 'LogQL: only a matcher matching everything', listener: 'loki', path: q('/loki/api/v1/query_range', '{app=~".*"}'), status: 400 },
    { name: 'LogQL: backreference in a line filter', listener: 'loki', path: q('/loki/api/v1/query_range', '{app="rb"} |~ "(a)\\\\1"'), status: 400 },
    { name: 'LogQL: lookahead in a label matcher', listener: 'loki', path: q('/loki/api/v1/query_range', '{app=~"(?=r)rb"}'), status: 400 },
    { name: 'LogQL: regexp stage (a+)+b', listener: 'loki', path: q('/loki/api/v1/query_range', '{app="rb"} | regexp "(?P<x>(a+)+b)"', '&limit=10'), status: 200, budgetMs: 300 },
    { name: 'LogQL: label_format with a 100 KB template', listener: 'loki', path: '/loki/api/v1/query_range', headers: form, body: `query=${encodeURIComponent(`{app="rb"} | label_format x="${'{{.app}}'.repeat(12_000)}"`)}&limit=1`, status: [200, 400], budgetMs: 1000 },
    { name: 'LogQL: 2,000 nested sum(', listener: 'loki', path: q('/loki/api/v1/query_range', 'sum('.repeat(2000)), status: 400, text: /nested too deeply/ },
    { name: 'LogQL: query 64 KiB + 1', listener: 'loki', path: '/loki/api/v1/query_range', headers: form, body: `query=${'{'.repeat(64 * 1024 + 1)}`, status: 400 },
    { name: 'LogQL: instant query with bad UTF-8', listener: 'loki', path: '/loki/api/v1/query?query=%80%c0%af', status: 400 },
    { name: 'LogQL: series with (a|aa)+c', listener: 'loki', path: `/loki/api/v1/series?match[]=${encodeURIComponent('{app=~"(a|aa)+c"}')}`, status: 200 },
    { name: 'LogQL: label values of a bad name', listener: 'loki', path: '/loki/api/v1/label/%00/values', status: [200, 400] },
    { name: 'LogQL: index/volume with a bad query', listener: 'loki', path: q('/loki/api/v1/index/volume', '{{'), status: 400 },
    { name: 'LogQL: tail with a bad query (plain GET)', listener: 'loki', path: q('/loki/api/v1/tail', '{{'), status: [400, 404] },
    { name: 'LogQL: detected_fields with a huge limit', listener: 'loki', path: q('/loki/api/v1/detected_fields', '{app="rb"}', '&limit=1000000000'), status: [200, 400] },
    // TraceQL and Tempo
    { name: 'TraceQL: 3,000 "{"', listener: 'tempo', path: `/api/search?q=${'%7B'.repeat(3000)}`, status: 400, text: /nested too deeply/ },
    { name: 'TraceQL: 1M "{" (POST)', listener: 'tempo', path: '/api/search', headers: form, body: `q=${'%7B'.repeat(MiB)}`, status: [400, 404, 405, 413] },
    { name: 'TraceQL: query 64 KiB + 1', listener: 'tempo', path: `/api/search?q=${'('.repeat(64 * 1024 + 1)}`, status: [400, 414, 431] },
    { name: 'TraceQL: resource attribute =~ .*.*.*.*x', listener: 'tempo', path: `/api/search?q=${encodeURIComponent('{ resource.service.name =~ ".*.*.*.*.*.*.*x" }')}`, status: 200, budgetMs: 300 },
    { name: 'TraceQL: backreference', listener: 'tempo', path: `/api/search?q=${encodeURIComponent('{ name =~ "(a)\\\\1" }')}`, status: 400 },
    { name: 'TraceQL: limit=-1', listener: 'tempo', path: `/api/search?q=${encodeURIComponent('{}')}&limit=-1`, status: [200, 400] },
    { name: 'TraceQL: limit=1e12', listener: 'tempo', path: `/api/search?q=${encodeURIComponent('{}')}&limit=1000000000000`, status: [200, 400] },
    { name: 'TraceQL: start=NaN', listener: 'tempo', path: `/api/search?q=${encodeURIComponent('{}')}&start=NaN`, status: 400 },
    { name: 'TraceQL: start after end', listener: 'tempo', path: `/api/search?q=${encodeURIComponent('{}')}&start=100&end=1`, status: 400 },
    { name: 'TraceQL: spss=-5', listener: 'tempo', path: `/api/search?q=${encodeURIComponent('{}')}&spss=-5`, status: [200, 400] },
    { name: 'Tempo: trace ID of 70 hex chars', listener: 'tempo', path: `/api/traces/${'a'.repeat(70)}`, status: 400 },
    { name: 'Tempo: trace ID not hex', listener: 'tempo', path: '/api/traces/zzzz', status: 400 },
    { name: 'Tempo: v2 trace ID with %00', listener: 'tempo', path: '/api/v2/traces/%00', status: [400, 404] },
    { name: 'Tempo: tag values of a 10 KB tag', listener: 'tempo', path: `/api/v2/search/tag/${'a'.repeat(10_000)}/values`, status: 'client' },
    { name: 'Tempo: tag values with a bad q', listener: 'tempo', path: `/api/v2/search/tag/name/values?q=${encodeURIComponent('{{{')}`, status: [200, 400] },
    { name: 'Tempo: tag values with a regex-heavy q', listener: 'tempo', path: `/api/v2/search/tag/name/values?q=${encodeURIComponent('{ name =~ "(a|aa)+c" } >> { resource.service.name =~ ".*.*.*.*x" }')}`, status: 200, budgetMs: 1000 },
    { name: 'TraceQL: spss over max_spans_per_span_set', listener: 'tempo', path: `/api/search?q=${encodeURIComponent('{}')}&spss=1000000`, status: 400, text: /spans per span set exceeds 100/ },
    // UI / Grafana
    { name: 'UI: datasource proxy to an unknown datasource', listener: 'ui', path: '/api/datasources/proxy/uid/none/api/v1/query?query=1', status: [400, 401, 403, 404], format: 'grafana' },
    { name: 'UI: login with wrong content type', listener: 'ui', path: '/api/login', headers: { 'content-type': 'text/plain' }, body: 'user=admin', status: [400, 401, 415] },
    { name: 'UI: login with bad UTF-8', listener: 'ui', path: '/api/login', headers: json, body: Buffer.concat([Buffer.from('{"user":"'), BAD_UTF8, Buffer.from('","password":"x"}')]), status: [400, 401], budgetMs: 5000 },
    { name: 'UI: dashboard import of a number', listener: 'ui', path: '/api/dashboards/import', headers: json, body: '5', status: 'client' },
    { name: 'UI: search with limit=-1', listener: 'ui', path: '/api/search?limit=-1&query=%ff', status: [200, 400, 401] },
    { name: 'UI: path traversal on static files', listener: 'ui', path: '/api/..%2f..%2f..%2f..%2fetc%2fpasswd', status: 'client' },
    { name: 'UI: dashboard by a 10 KB uid', listener: 'ui', path: `/api/dashboards/uid/${'u'.repeat(10_000)}`, status: [400, 401, 404, 414] },
    { name: 'UI: metrics query with a regex bomb', listener: 'ui', path: '/api/metrics/query', headers: json, body: JSON.stringify({ query: 'rb_gauge{b=~"(a|aa)+c"}' }), status: [200, 400, 401, 404], budgetMs: 300 },
  );
  // Every listener: a malformed percent-encoding and a 60 KB URL.
  for (const l of ['prometheus', 'mimir', 'loki', 'tempo', 'alertmanager', 'ui', 'zipkin', 'jaeger', 'otlp_http']) {
    out.push({ name: `${l}: bad percent-encoding in the path`, listener: l, path: '/%zz%ff/%00', status: 'client' });
    out.push({ name: `${l}: 60 KB URL`, listener: l, path: `/${'a'.repeat(60_000)}`, status: 'client' });
  }
  return out;
}

// ---- fuzzed bodies from the fuzz targets' seeds and mutators -----------------------------------------------------

interface FuzzEndpoint<T extends Uint8Array | string> {
  target: FuzzTarget<T>;
  listener: string;
  path?: string;
  grpc?: string;
  headers?: Record<string, string>;
  /** Turns the fuzzed input into a request (a query string or a body). */
  as: 'body' | 'query' | 'q';
}

const FUZZED: Array<FuzzEndpoint<Uint8Array> | FuzzEndpoint<string>> = [
  { target: remoteWrite, listener: 'prometheus', path: '/api/v1/write', headers: { ...proto, 'content-encoding': 'snappy' }, as: 'body' },
  { target: otlpTraces, listener: 'otlp_http', path: '/v1/traces', headers: proto, as: 'body' },
  { target: otlpMetrics, listener: 'otlp_grpc', grpc: METRICS, as: 'body' },
  { target: otlpLogs, listener: 'otlp_http', path: '/v1/logs', headers: proto, as: 'body' },
  { target: lokiProtobuf, listener: 'loki', path: '/loki/api/v1/push', headers: proto, as: 'body' },
  { target: lokiJson, listener: 'loki', path: '/loki/api/v1/push', headers: json, as: 'body' },
  { target: zipkin, listener: 'zipkin', path: '/api/v2/spans', headers: json, as: 'body' },
  { target: jaeger, listener: 'jaeger', path: '/api/traces', headers: { 'content-type': 'application/x-thrift' }, as: 'body' },
  { target: promql, listener: 'prometheus', path: '/api/v1/query', as: 'query' },
  { target: logql, listener: 'loki', path: '/loki/api/v1/query_range', as: 'query' },
  { target: traceql, listener: 'tempo', path: '/api/search', as: 'q' },
];

function fuzzedRows(perTarget: number, seed: number): HostileCase[] {
  const out: HostileCase[] = [];
  const rng = seededRng(seed);
  for (const f of FUZZED) {
    const seeds = f.target.seeds as Array<Uint8Array | string>;
    for (let i = 0; i < perTarget; i++) {
      const a = seeds[int(rng, seeds.length)];
      const b = seeds[int(rng, seeds.length)];
      const input = typeof a === 'string' ? mutateText(rng, a, b as string, f.target.tokens ?? []) : mutateBytes(rng, a, b as Uint8Array);
      const c: HostileCase = { name: `fuzzed ${f.target.name} #${i} (seed ${seed})`, listener: f.listener, path: f.path ?? '', status: 'handled', grpc: f.grpc, grpcCodes: [0, ...GRPC_CLIENT] };
      if (f.as === 'body') {
        c.headers = f.headers;
        c.body = Buffer.from(input);
      } else {
        c.headers = form;
        c.body = `${f.as}=${encodeURIComponent(String(input))}${f.as === 'query' && f.listener === 'loki' ? '&limit=10' : ''}`;
        if (f.as === 'q') {
          c.path = `${f.path}?q=${encodeURIComponent(String(input))}`;
          c.body = undefined;
          c.headers = undefined;
        }
      }
      out.push(c);
    }
  }
  return out;
}

/** Every case: the small variants (`npm test`), or with `big` the full-size ones and more fuzzed bodies (bench). */
export function hostileCases(opts: { big?: boolean; fuzzPerTarget?: number; seed?: number } = {}): HostileCase[] {
  const rows = [...issueRows(), ...decompressionRows(), ...structureRows(), ...queryRows(), ...fuzzedRows(opts.fuzzPerTarget ?? 3, opts.seed ?? 20)];
  return opts.big ? rows : rows.filter((c) => !c.big);
}

