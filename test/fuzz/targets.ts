import { compressSync } from 'snappy';
import { Labels } from '../../src/model/index.js';
import { DecodeError, decodeWriteRequestV1, decodeWriteRequestV2, decompressSnappyBody, encodeWriteRequestV1, encodeWriteRequestV2 } from '../../src/metrics/remote/index.js';
import { ExpositionParseError, ExpositionParser, ProtobufParseError, ProtobufParser } from '../../src/metrics/textparse/index.js';
import { encodeFamilies, familiesAt } from '../helpers/native-histogram-exporter.js';
import { PromqlError, parseExpr, parseMetricSelector } from '../../src/metrics/promql/index.js';
import { OtlpDecodeError, Types, decodeHttpExport } from '../../src/otlp/index.js';
import { PushDecodeError, PushTooLargeError, decodePushBody } from '../../src/logs/adapters/index.js';
import { LogqlParseError, parseLogql } from '../../src/logs/logql/index.js';
import { ThriftDecodeError, ZipkinDecodeError, jaegerThriftToOtlp, zipkinToOtlp } from '../../src/traces/adapters/index.js';
import { TraceqlParseError, parseTraceql } from '../../src/traces/traceql/index.js';
import type { FuzzTarget } from './harness.js';
import { varint } from './mutator.js';

/** Decompressed-size limit for the fuzzed decoders: small, so that a claimed huge length is refused, not allocated. */
const LIMIT = 4 << 20;

// ---- remote write ----------------------------------------------------------------------------------------------

function remoteWriteSeeds(): Uint8Array[] {
  const labels = [Labels.fromObject({ __name__: 'http_requests_total', job: 'api', instance: 'a:1' }), Labels.fromObject({ __name__: 'up', job: 'node' })];
  const input = { seriesCount: 2, labels, sampleEnd: [2, 3], t: [1000, 2000, 3000], v: [1, 2.5, Number.NaN], metadata: [{ family: 'up', type: 'gauge', help: 'Up.', unit: '' }] };
  return [compressSync(encodeWriteRequestV1(input as never)), compressSync(encodeWriteRequestV2(input as never)), compressSync(Buffer.alloc(0))];
}

export const remoteWrite: FuzzTarget<Uint8Array> = {
  name: 'remote-write (snappy + protobuf v1/v2)',
  seeds: remoteWriteSeeds(),
  run(body) {
    const raw = decompressSnappyBody(body, LIMIT);
    decodeWriteRequestV1(raw);
    decodeWriteRequestV2(raw);
  },
  isClientError: (e) => e instanceof DecodeError,
};

// ---- exposition formats --------------------------------------------------------------------------------------

const EXPOSITION = `# HELP http_requests_total The total.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
# TYPE h histogram
h_bucket{le="0.05"} 24054
h_bucket{le="+Inf"} 144320
h_sum 53423
h_count 144320
metric_without_timestamp_and_labels 12.47
`;
const OPENMETRICS = `# TYPE foo counter
# HELP foo A counter.
# UNIT foo seconds
foo_total{a="b"} 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67 1520879606
foo_created 1520872607.123
# TYPE g gaugehistogram
g_bucket{le="1"} 2
g_bucket{le="+Inf"} 3
g_gcount 3
g_gsum 2
# EOF
`;

function runExposition(text: string, om: boolean): void {
  const p = new ExpositionParser(text, om);
  for (let e = p.next(), n = 0; e !== 0 && n < 1e6; e = p.next(), n++) {
    if (e === 1) {
      p.labels();
      p.metricName();
      if (om) p.exemplar();
    }
  }
}

export const exposition: FuzzTarget<string> = {
  name: 'exposition (Prometheus text + OpenMetrics)',
  seeds: [EXPOSITION, OPENMETRICS],
  run(text) {
    // Both readings of every input: the mutants of one format are hostile input to the other.
    runExposition(text, text.includes('# EOF'));
    runExposition(text, !text.includes('# EOF'));
  },
  isClientError: (e) => e instanceof ExpositionParseError,
  tokens: ['# HELP ', '# TYPE ', '# UNIT ', '# EOF\n', ' counter', ' histogram', ' gaugehistogram', '{', '}', '="', '"', ',', ' ', '\n', '_bucket', '_total', 'le', '+Inf', 'NaN', ' # {', '\\', '\\n', '1e308', '-0'],
};

export const protobufExposition: FuzzTarget<Uint8Array> = {
  name: 'exposition (Prometheus protobuf, delimited MetricFamily)',
  seeds: [encodeFamilies(familiesAt(5), 1_000_000), encodeFamilies(familiesAt(0))],
  run(body) {
    for (const classicHistograms of [false, true]) {
      const p = new ProtobufParser(body, { classicHistograms });
      for (let e = p.next(), n = 0; e !== 0 && n < 1e6; e = p.next(), n++) {
        if (e === 1 || e === 6) {
          p.labels();
          p.exemplars();
        }
      }
    }
  },
  isClientError: (e) => e instanceof ProtobufParseError,
};

// ---- query languages -----------------------------------------------------------------------------------------

export const promql: FuzzTarget<string> = {
  name: 'PromQL parser (queries and match[] selectors)',
  seeds: [
    'sum by (job) (rate(http_requests_total{job=~"api|web", code!="500"}[5m] offset 1m @ 1700000000))',
    'histogram_quantile(0.9, sum without (instance) (rate(h_bucket[5m:1m])))',
    'label_replace(up, "dst", "$1", "src", "(.*)") > bool 0 or on(job) group_left(x) vector(1)',
    'foo[step() + 1m] unless -bar / 2 ^ 3 % atan2(a, b)',
    '{__name__="x", "a.b"="c"} # comment',
    'count_values("v", topk(3, max_over_time(x[1h]))) == bool 1',
  ],
  run(q) {
    parseExpr(q);
    try {
      parseMetricSelector(q);
    } catch (e) {
      if (!(e instanceof PromqlError)) throw e;
    }
  },
  isClientError: (e) => e instanceof PromqlError,
  tokens: ['(', ')', '{', '}', '[', ']', ',', '"', "'", '`', '=~', '!~', '!=', '=', '==', '+', '-', '*', '/', '%', '^', '@', ':', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'bool', 'sum', 'rate', 'topk', 'start()', 'step()', '5m', '1h30m', '0x1f', '1e3', 'Inf', 'NaN', '\\u00e9', '#', '\n'],
};

export const logql: FuzzTarget<string> = {
  name: 'LogQL parser',
  seeds: [
    '{job="api", env=~"prod|dev"} |= "error" != "timeout" |~ "(?i)fail" | json | level="error" | line_format "{{.msg}}"',
    'sum by (host) (rate({app="web"} | logfmt | unwrap latency_ms | __error__="" [5m])) > 10',
    'topk(3, count_over_time({a="b"} | pattern "<ip> - <_> <status>" | status >= 500 [1h]))',
    '{a="b"} | regexp "(?P<x>\\\\w+)" | label_format y="{{.x}}" | drop z | keep x | decolorize',
    'quantile_over_time(0.99, {a="b"} | json | unwrap duration(d) [5m]) by (x)',
  ],
  run: (q) => parseLogql(q),
  isClientError: (e) => e instanceof LogqlParseError,
  tokens: ['{', '}', '(', ')', '[', ']', '|', '|=', '!=', '|~', '!~', '=', '=~', '"', '`', ',', 'json', 'logfmt', 'unwrap', 'line_format', 'label_format', 'sum', 'rate', 'by', 'without', 'offset', '5m', '>', 'and', 'or', 'bool', '{{', '}}', '\\', '#'],
};

export const traceql: FuzzTarget<string> = {
  name: 'TraceQL parser',
  seeds: [
    '{ resource.service.name = "api" && span.http.status_code >= 500 } | count() > 2',
    '{ .a =~ "x.*" || duration > 1s } >> { kind = server } | select(span.foo)',
    '{ status = error } | rate() by (resource.service.name)',
    '({ name = "a" } && { name != "b" }) | avg(duration) > 10ms',
    '{ span:duration > 100ms && trace:rootService = "x" } ~ { true }',
  ],
  run: (q) => parseTraceql(q),
  isClientError: (e) => e instanceof TraceqlParseError,
  tokens: ['{', '}', '(', ')', '&&', '||', '=', '!=', '=~', '>', '>>', '<<', '~', '!~', '|', '.', 'span.', 'resource.', '"', 'duration', 'count()', 'by', 'nil', 'true', '1s', '-', '!'],
};

// ---- OTLP -----------------------------------------------------------------------------------------------------

const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }, { key: 'n', value: { arrayValue: { values: [{ intValue: 1 }, { kvlistValue: { values: [{ key: 'k', value: { doubleValue: 1.5 } }] } }] } } }] };

function otlpSeed(type: 'traces' | 'metrics' | 'logs'): Uint8Array {
  if (type === 'traces') {
    const span = { traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), name: 'GET /', kind: 2, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000500000000', attributes: resource.attributes, events: [{ name: 'e', timeUnixNano: '1700000000100000000' }], links: [{ traceId: Buffer.alloc(16, 3), spanId: Buffer.alloc(8, 4) }], status: { code: 2, message: 'x' } };
    return Types.ExportTraceServiceRequest.encode(Types.ExportTraceServiceRequest.fromObject({ resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 's' }, spans: [span] }] }] })).finish();
  }
  if (type === 'metrics') {
    const metrics = [
      { name: 'c', sum: { dataPoints: [{ asDouble: 1, timeUnixNano: '1700000000000000000', attributes: resource.attributes }], aggregationTemporality: 2, isMonotonic: true } },
      { name: 'h', histogram: { dataPoints: [{ count: 3, sum: 2, bucketCounts: [1, 2], explicitBounds: [1], timeUnixNano: '1700000000000000000' }], aggregationTemporality: 2 } },
      { name: 'e', exponentialHistogram: { dataPoints: [{ count: 3, scale: 2, positive: { offset: -1, bucketCounts: [1, 2] }, timeUnixNano: '1700000000000000000' }], aggregationTemporality: 1 } },
      { name: 'g', gauge: { dataPoints: [{ asInt: 5 }] } },
    ];
    return Types.ExportMetricsServiceRequest.encode(Types.ExportMetricsServiceRequest.fromObject({ resourceMetrics: [{ resource, scopeMetrics: [{ scope: { name: 's' }, metrics }] }] })).finish();
  }
  const logRecord = { timeUnixNano: '1700000000000000000', severityNumber: 9, severityText: 'INFO', body: { stringValue: 'hello' }, attributes: resource.attributes, traceId: Buffer.alloc(16, 1) };
  return Types.ExportLogsServiceRequest.encode(Types.ExportLogsServiceRequest.fromObject({ resourceLogs: [{ resource, scopeLogs: [{ scope: { name: 's' }, logRecords: [logRecord] }] }] })).finish();
}

function otlpTarget(signal: 'traces' | 'metrics' | 'logs'): FuzzTarget<Uint8Array> {
  return {
    name: `OTLP protobuf ${signal}`,
    seeds: [otlpSeed(signal), new Uint8Array(0)],
    // Items are checked on arrival and built on first read: a request accepted on arrival must build without error.
    run: (body) => {
      const e = decodeHttpExport(signal, Buffer.from(body), 'protobuf');
      const groups = ((e.signal === 'traces' ? e.req.resourceSpans : e.signal === 'metrics' ? e.req.resourceMetrics : e.req.resourceLogs) ?? []) as unknown as Record<string, Record<string, unknown>[] | undefined>[];
      const [scopes, items] = signal === 'traces' ? ['scopeSpans', 'spans'] : signal === 'metrics' ? ['scopeMetrics', 'metrics'] : ['scopeLogs', 'logRecords'];
      for (const g of groups) for (const sc of g[scopes] ?? []) void sc[items];
      return e;
    },
    isClientError: (e) => e instanceof OtlpDecodeError,
  };
}
export const otlpTraces = otlpTarget('traces');
export const otlpMetrics = otlpTarget('metrics');
export const otlpLogs = otlpTarget('logs');

// ---- Loki push -------------------------------------------------------------------------------------------------

function pb(field: number, body: Uint8Array | string): Buffer {
  const b = Buffer.from(body);
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(b.length)]), b]);
}

function lokiProtoSeed(): Uint8Array {
  const ts = Buffer.from([0x08, 0x80, 0xe4, 0x97, 0xd0, 0x12, 0x10, 0x2a]);
  const entry = Buffer.concat([pb(1, ts), pb(2, 'hello world'), pb(3, Buffer.concat([pb(1, 'trace_id'), pb(2, 'abc')]))]);
  const stream = Buffer.concat([pb(1, '{job="api", env="prod"}'), pb(2, entry), pb(2, entry)]);
  return compressSync(pb(1, stream));
}

const LOKI_PUSH_ERRORS = (e: unknown) => e instanceof PushDecodeError || e instanceof PushTooLargeError;

export const lokiProtobuf: FuzzTarget<Uint8Array> = {
  name: 'Loki push protobuf (snappy)',
  seeds: [lokiProtoSeed()],
  run: (body) => decodePushBody(Buffer.from(body), 'application/x-protobuf', undefined, LIMIT),
  isClientError: LOKI_PUSH_ERRORS,
};

export const lokiJson: FuzzTarget<string> = {
  name: 'Loki push JSON',
  seeds: [
    JSON.stringify({ streams: [{ stream: { job: 'api' }, values: [['1700000000000000000', 'hello'], ['1700000000000000001', 'x', { trace_id: 'a' }]] }] }),
    JSON.stringify({ streams: [{ labels: '{job="api"}', entries: [{ ts: '2023-11-14T22:13:20Z', line: 'x' }] }] }),
  ],
  run: (text) => decodePushBody(Buffer.from(text), 'application/json', undefined, LIMIT),
  isClientError: LOKI_PUSH_ERRORS,
  tokens: ['{', '}', '[', ']', '"', ',', ':', 'null', 'true', '1e400', '-1', '"streams"', '"stream"', '"values"', '"entries"', '"labels"', '"1700000000000000000"', '{}', '[]', '\\u0000', '\\ud800'],
};

// ---- Zipkin and Jaeger -----------------------------------------------------------------------------------------

export const zipkin: FuzzTarget<string> = {
  name: 'Zipkin JSON v2',
  seeds: [
    JSON.stringify([
      { traceId: '5af7183fb1d4cf5f', id: '6b221d5bc9e6496c', parentId: '352bff9a74ca9ad2', name: 'get /api', timestamp: 1556604172355737, duration: 1431, kind: 'SERVER', localEndpoint: { serviceName: 'backend', ipv4: '192.168.99.1', port: 3306 }, remoteEndpoint: { ipv6: '::1' }, tags: { 'http.method': 'GET' }, annotations: [{ timestamp: 1556604172355800, value: 'ws' }], shared: true, debug: false },
    ]),
  ],
  run(text) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new ZipkinDecodeError(`cannot parse JSON: ${(e as Error).message}`);
    }
    return zipkinToOtlp(parsed);
  },
  isClientError: (e) => e instanceof ZipkinDecodeError || e instanceof OtlpDecodeError,
  tokens: ['{', '}', '[', ']', '"', ',', ':', 'null', 'true', '5', '-1', '1e400', '"traceId"', '"id"', '"annotations"', '"tags"', '"localEndpoint"', '"kind"', '"CLIENT"', '{}', '[]', '"zz"'],
};

/** Thrift binary protocol, by hand: field headers, strings, i64s, lists, structs. */
const th = {
  field: (type: number, id: number) => Buffer.from([type, id >> 8, id & 0xff]),
  str: (id: number, s: string) => {
    const b = Buffer.from(s);
    const len = Buffer.alloc(4);
    len.writeInt32BE(b.length);
    return Buffer.concat([th.field(11, id), len, b]);
  },
  i64: (id: number, v: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    return Buffer.concat([th.field(10, id), b]);
  },
  i32: (id: number, v: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return Buffer.concat([th.field(8, id), b]);
  },
  list: (id: number, elemType: number, items: Buffer[]) => {
    const n = Buffer.alloc(4);
    n.writeInt32BE(items.length);
    return Buffer.concat([th.field(15, id), Buffer.from([elemType]), n, ...items]);
  },
  struct: (id: number, body: Buffer) => Buffer.concat([th.field(12, id), body, Buffer.from([0])]),
  stop: Buffer.from([0]),
};

function jaegerSeed(): Uint8Array {
  const tag = (k: string, v: string) => Buffer.concat([th.str(1, k), th.i32(2, 0), th.str(3, v), th.stop]);
  const log = Buffer.concat([th.i64(1, 1700000000000001n), th.list(2, 12, [tag('event', 'x')]), th.stop]);
  const ref = Buffer.concat([th.i32(1, 0), th.i64(2, 1n), th.i64(3, 0n), th.i64(4, 7n), th.stop]);
  const span = Buffer.concat([th.i64(1, 0x1234n), th.i64(2, 0n), th.i64(3, 0x55n), th.i64(4, 0n), th.str(5, 'GET /'), th.list(6, 12, [ref]), th.i32(7, 1), th.i64(8, 1700000000000000n), th.i64(9, 1500n), th.list(10, 12, [tag('span.kind', 'server'), tag('http.url', '/x')]), th.list(11, 12, [log]), th.stop]);
  const processBody = Buffer.concat([th.str(1, 'backend'), th.list(2, 12, [tag('hostname', 'h1')])]);
  return Buffer.concat([th.struct(1, processBody), th.list(2, 12, [span]), th.stop]);
}

export const jaeger: FuzzTarget<Uint8Array> = {
  name: 'Jaeger Thrift batch',
  seeds: [jaegerSeed()],
  run: (body) => jaegerThriftToOtlp(Buffer.from(body)),
  isClientError: (e) => e instanceof ThriftDecodeError,
};
