import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { anyValueToJs, bytesToHex, decodeTracesRequest, encodeExportRequest, encodeTracesRequest, type KeyValue, type Span } from '../../otlp/index.js';
import { silentLogger } from '../../server/index.js';
import type { BuildEnv, ProcessorFactory } from '../components.js';
import type { ClientContext, ExportRequest } from '../pipeline/consumer.js';
import { CollectorMetrics } from '../telemetry/collector-metrics.js';
import { filterProcessorFactory } from './filter-processor.js';
import { transformProcessorFactory } from './transform-processor.js';
import { attributesProcessorFactory } from './attributes-processor.js';
import { resourceProcessorFactory } from './resource-processor.js';
import { batchProcessorFactory, splitRequest } from './batch-processor.js';

const kv = (key: string, v: string | number | boolean): KeyValue => ({
  key,
  value: typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: v } : { doubleValue: v },
});

interface SpanSpec {
  id: number;
  service: string;
  name: string;
  kind?: number;
  status?: number;
  attrs?: Record<string, string | number | boolean>;
  events?: string[];
}

/** Spans as they arrive over OTLP/protobuf (so each carries the `raw` bytes it came with). */
function traces(specs: SpanSpec[]): ExportRequest {
  const resourceSpans = specs.map((s) => ({
    resource: { attributes: [kv('service.name', s.service), kv('host.name', s.service === 'cart' ? 'localhost' : 'node-1')] },
    scopeSpans: [
      {
        scope: { name: 'test' },
        spans: [
          {
            traceId: new Uint8Array(16).fill(s.id),
            spanId: new Uint8Array(8).fill(s.id),
            name: s.name,
            kind: s.kind ?? 2,
            status: { code: s.status ?? 0 },
            attributes: Object.entries(s.attrs ?? {}).map(([k, v]) => kv(k, v)),
            events: (s.events ?? []).map((name) => ({ name, timeUnixNano: 1 })),
          },
        ],
      },
    ],
  }));
  return { signal: 'traces', req: decodeTracesRequest(encodeTracesRequest({ resourceSpans } as never)) };
}

function env(): BuildEnv {
  return { logger: silentLogger(), telemetry: new CollectorMetrics(), dataDir: '/nonexistent', storage: () => undefined, ports: {} };
}

/** Run data through one processor; returns what reached the next consumer, re-decoded from its encoding. */
async function run(factory: ProcessorFactory, cfg: unknown, data: ExportRequest, client: ClientContext = {}): Promise<ExportRequest | undefined> {
  let out: ExportRequest | undefined;
  const p = factory.create('p', factory.schema.parse(cfg), data.signal, { consume: async (d) => void (out = d) }, env());
  await p.start?.();
  await p.consume(data, client);
  await p.shutdown?.();
  if (!out || out.signal !== 'traces') return out;
  return { signal: 'traces', req: decodeTracesRequest(encodeExportRequest(out)) };
}

const spansOf = (e: ExportRequest | undefined): Span[] => (e?.signal === 'traces' ? (e.req.resourceSpans ?? []).flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? [])) : []);
const attrs = (s: { attributes?: KeyValue[] }) => Object.fromEntries((s.attributes ?? []).map((a) => [a.key, anyValueToJs(a.value)]));

const SPANS: SpanSpec[] = [
  { id: 1, service: 'cart', name: 'GET /health', kind: 2, attrs: { 'container.name': 'app_container_1' } },
  { id: 2, service: 'cart', name: 'GET /cart', kind: 2, status: 2, attrs: { 'http.status_code': 503, 'http.method': 'GET' } },
  { id: 3, service: 'checkout', name: 'app_3', kind: 1, attrs: { 'http.url': 'https://x/pay?token=abc123&x=1' } },
  { id: 4, service: 'checkout', name: 'POST /checkout', kind: 3, status: 2, attrs: { 'http.status_code': 500, 'http.method': 'POST' }, events: ['grpc', 'retry'] },
  { id: 5, service: 'payment', name: 'charge', kind: 1, attrs: { amount: 12.5, 'internal.debug': true } },
];

describe('filter (OTTL conditions, from the Collector documentation)', () => {
  const cases: [string, string[], number[]][] = [
    ['an attribute equals', ['attributes["container.name"] == "app_container_1"'], [2, 3, 4, 5]],
    ['a resource attribute', ['resource.attributes["host.name"] == "localhost"'], [3, 4, 5]],
    ['the span name', ['name == "app_3"'], [1, 2, 4, 5]],
    ['an enum', ['kind == SPAN_KIND_INTERNAL'], [1, 2, 4]],
    ['IsMatch', ['IsMatch(name, "^GET /health.*")'], [2, 3, 4, 5]],
    ['and / not', ['status.code == STATUS_CODE_ERROR and not IsMatch(name, "checkout")'], [1, 3, 4, 5]],
    ['several conditions are or-ed', ['name == "charge"', 'attributes["http.status_code"] >= 500'], [1, 3]],
    ['a missing attribute is nil', ['attributes["http.method"] == nil'], [2, 4]],
    ['numbers compare numerically', ['attributes["amount"] > 10.0'], [1, 2, 3, 4]],
    ['parentheses', ['(name == "app_3" or name == "charge") and kind == SPAN_KIND_INTERNAL'], [1, 2, 4]],
    ['the span context prefix', ['span.name == "charge"'], [1, 2, 3, 4]],
  ];
  for (const [what, span, kept] of cases) {
    it(`drops spans matching: ${what}`, async () => {
      const out = await run(filterProcessorFactory, { traces: { span } }, traces(SPANS));
      expect(spansOf(out).map((s) => s.spanId[0])).toEqual(kept);
    });
  }

  it('drops span events and keeps their span (re-encoded without them)', async () => {
    const out = await run(filterProcessorFactory, { traces: { spanevent: ['name == "grpc"'] } }, traces(SPANS));
    expect(spansOf(out).find((s) => s.spanId[0] === 4)?.events?.map((e) => e.name)).toEqual(['retry']);
  });

  it('drops log records by severity and body', async () => {
    const logs: ExportRequest = {
      signal: 'logs',
      req: {
        resourceLogs: [
          {
            resource: { attributes: [kv('service.name', 'cart')] },
            scopeLogs: [
              {
                logRecords: [
                  { severityNumber: 5, body: { stringValue: 'debug noise', value: 'stringValue' } },
                  { severityNumber: 13, body: { stringValue: 'user password=hunter2', value: 'stringValue' } },
                  { severityNumber: 17, body: { stringValue: 'payment failed', value: 'stringValue' } },
                ],
              },
            ],
          },
        ],
      },
    };
    const out = await run(filterProcessorFactory, { logs: { log_record: ['severity_number < SEVERITY_NUMBER_WARN', 'IsMatch(body, ".*password.*")'] } }, logs);
    expect(out?.signal === 'logs' && out.req.resourceLogs?.[0].scopeLogs?.[0].logRecords?.map((l) => l.body?.stringValue)).toEqual(['payment failed']);
  });

  it('drops everything: nothing is passed on', async () => {
    expect(await run(filterProcessorFactory, { traces: { span: ['true == true'] } }, traces(SPANS))).toBeUndefined();
  });

  it('refuses syntax errors at start with the position, and unknown functions', () => {
    const err = (conds: string[]) => filterProcessorFactory.schema.safeParse({ traces: { span: conds } }).error?.issues[0];
    expect(err(['name == "x" and'])?.message).toBe('unable to parse OTTL condition "name == \\"x\\" and": condition has invalid syntax: 1:16: unexpected end of input');
    expect(err(['name = "x"'])?.message).toBe('unable to parse OTTL condition "name = \\"x\\"": condition has invalid syntax: 1:6: unexpected character "="');
    expect(err(['ok', 'Nope(name)'])?.path).toEqual(['traces', 'span', 1]);
    expect(err(['Nope(name)'])?.message).toContain('undefined function "Nope"');
  });

  it('error_mode: propagate refuses the data, ignore keeps the item', async () => {
    const bad = ['ToLowerCase(attributes["http.status_code"]) == "x"'];
    await expect(run(filterProcessorFactory, { traces: { span: bad } }, traces(SPANS))).rejects.toThrow('ToLowerCase: expected a string');
    expect(spansOf(await run(filterProcessorFactory, { error_mode: 'ignore', traces: { span: bad } }, traces(SPANS)))).toHaveLength(5);
  });
});

describe('transform (OTTL statements, from the Collector documentation)', () => {
  const one = async (stmts: unknown, id: number) => spansOf(await run(transformProcessorFactory, { trace_statements: stmts }, traces(SPANS))).find((s) => s.spanId[0] === id)!;
  it('set with where, on the span and on the resource', async () => {
    const out = await run(
      transformProcessorFactory,
      {
        trace_statements: [
          { context: 'resource', statements: ['set(attributes["deployment.environment"], "prod")'] },
          { context: 'span', statements: ['set(attributes["tier"], "web") where resource.attributes["service.name"] == "cart"', 'set(status.code, STATUS_CODE_ERROR) where attributes["http.status_code"] >= 500'] },
        ],
      },
      traces(SPANS),
    );
    expect(out?.signal === 'traces' && out.req.resourceSpans?.map((rs) => attrs(rs.resource!)['deployment.environment'])).toEqual(['prod', 'prod', 'prod', 'prod', 'prod']);
    expect(spansOf(out).map((s) => attrs(s).tier ?? null)).toEqual(['web', 'web', null, null, null]);
    expect(spansOf(out).map((s) => s.status?.code ?? 0)).toEqual([0, 2, 0, 2, 0]);
  });
  it('delete_key, keep_keys, limit, truncate_all', async () => {
    expect(attrs(await one(['delete_key(attributes, "internal.debug")'], 5))).toEqual({ amount: 12.5 });
    expect(attrs(await one(['keep_keys(attributes, ["http.method"])'], 2))).toEqual({ 'http.method': 'GET' });
    expect(Object.keys(attrs(await one(['limit(attributes, 1, ["http.method"])'], 4)))).toEqual(['http.method']);
    expect(attrs(await one(['truncate_all(attributes, 3)'], 2))).toEqual({ 'http.status_code': 503, 'http.method': 'GET' });
    expect(attrs(await one(['truncate_all(attributes, 2)'], 2))).toEqual({ 'http.status_code': 503, 'http.method': 'GE' });
  });
  it('replace_pattern with Go template references, replace_match with a glob, Concat', async () => {
    expect(attrs(await one(['replace_pattern(attributes["http.url"], "token=([^&]*)", "token=***")'], 3))['http.url']).toBe('https://x/pay?token=***&x=1');
    expect(attrs(await one(['replace_pattern(attributes["http.url"], "^https://([a-z]+)/", "$1:")'], 3))['http.url']).toBe('x:pay?token=abc123&x=1');
    expect((await one(['replace_match(name, "GET /*", "GET /{path}")'], 2)).name).toBe('GET /{path}');
    expect((await one(['set(name, Concat([attributes["http.method"], "checkout"], " "))'], 4)).name).toBe('POST checkout');
  });
  it('flat statements infer their context from the path prefix', async () => {
    expect(attrs(await one(['set(span.attributes["x"], "y") where span.name == "charge"'], 5)).x).toBe('y');
  });
  it('refuses statements that do not parse, naming the position', () => {
    const issue = transformProcessorFactory.schema.safeParse({ trace_statements: [{ context: 'span', statements: ['set(attributes["x"], "y"'] }] }).error?.issues[0];
    expect(issue?.path).toEqual(['trace_statements', 0, 'statements', 0]);
    expect(issue?.message).toBe('unable to parse OTTL statement "set(attributes[\\"x\\"], \\"y\\"": statement has invalid syntax: 1:25: expected ")", got end of input');
    expect(transformProcessorFactory.schema.safeParse({ trace_statements: ['frobnicate(name)'] }).error?.issues[0].message).toContain('undefined function "frobnicate"');
  });
});

describe('attributes and resource processors', () => {
  it('insert, update, upsert, delete, hash, extract and convert, as the Collector documents them', async () => {
    const out = await run(
      attributesProcessorFactory,
      {
        actions: [
          { key: 'env', value: 'prod', action: 'insert' },
          { key: 'http.method', value: 'OVERWRITTEN', action: 'update' },
          { key: 'region', value: 'eu', action: 'upsert' },
          { key: 'internal.debug', action: 'delete' },
          { key: 'http.url', action: 'hash' },
          { key: 'http.status_code', action: 'convert', converted_type: 'string' },
          { key: 'peer', from_context: 'client.address', action: 'insert' },
        ],
      },
      traces(SPANS),
      { address: '10.0.0.7' },
    );
    const byId = new Map(spansOf(out).map((s) => [s.spanId[0], attrs(s)]));
    expect(byId.get(2)).toEqual({ 'http.status_code': '503', 'http.method': 'OVERWRITTEN', env: 'prod', region: 'eu', peer: '10.0.0.7' });
    expect(byId.get(3)?.['http.url']).toBe(createHash('sha1').update('https://x/pay?token=abc123&x=1').digest('hex'));
    expect(byId.get(5)).toEqual({ amount: 12.5, env: 'prod', region: 'eu', peer: '10.0.0.7' });
  });
  it('extract with named groups; include by service', async () => {
    const out = await run(attributesProcessorFactory, { include: { match_type: 'strict', services: ['checkout'] }, actions: [{ key: 'http.url', pattern: '^https://(?P<host>[a-z]+)/(?P<path>[a-z]+)', action: 'extract' }] }, traces(SPANS));
    const s3 = attrs(spansOf(out).find((s) => s.spanId[0] === 3)!);
    expect([s3.host, s3.path]).toEqual(['x', 'pay']);
  });
  it('resource actions reach the encoded resource', async () => {
    const out = await run(resourceProcessorFactory, { attributes: [{ key: 'cloud.region', value: 'eu-west-1', action: 'insert' }, { key: 'host.name', action: 'delete' }] }, traces(SPANS));
    expect(out?.signal === 'traces' && attrs(out.req.resourceSpans![0].resource!)).toEqual({ 'service.name': 'cart', 'cloud.region': 'eu-west-1' });
  });
});

describe('batch', () => {
  it('sends at send_batch_size, splits at send_batch_max_size, and flushes at shutdown', async () => {
    const got: number[][] = [];
    const p = batchProcessorFactory.create('batch', batchProcessorFactory.schema.parse({ send_batch_size: 3, send_batch_max_size: 4, timeout: '1h' }), 'traces', { consume: async (d) => void got.push(spansOf(d).map((s) => s.spanId[0])) }, env());
    await p.consume(traces(SPANS.slice(0, 2)), {});
    expect(got).toEqual([]);
    await p.consume(traces(SPANS.slice(2, 5)), {});
    expect(got).toEqual([[1, 2, 3, 4], [5]]);
    await p.consume(traces(SPANS.slice(0, 1)), {});
    await p.shutdown?.();
    expect(got).toEqual([[1, 2, 3, 4], [5], [1]]);
  });
  it('splitRequest keeps resources and scopes with their spans', () => {
    const parts = splitRequest(traces(SPANS), 2);
    expect(parts.map((p) => spansOf(p).map((s) => bytesToHex(s.spanId).slice(0, 2)))).toEqual([['01', '02'], ['03', '04'], ['05']]);
    expect(parts[1].signal === 'traces' && parts[1].req.resourceSpans?.map((rs) => attrs(rs.resource!)['service.name'])).toEqual(['checkout', 'checkout']);
  });
});
