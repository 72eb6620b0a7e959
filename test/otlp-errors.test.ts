import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { Types, encodeTracesRequest, hexToBytes } from '../src/otlp/index.js';
import { startTracesStack, type TracesStack } from './helpers/traces-stack.js';

let stack: TracesStack;
let limited: TracesStack;

const TRACE = '5b8efff798038103d269b633813fc60c';

function request(spans: { traceId: string; spanId: string }[]) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'err-test' } }] },
        scopeSpans: [{ spans: spans.map((s, i) => ({ ...s, name: `op${i}`, kind: 1, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000100000000' })) }],
      },
    ],
  };
}

function protoBody(spans: { traceId: string; spanId: string }[]): Buffer {
  const req = request(spans);
  const rs = req.resourceSpans.map((r) => ({ ...r, scopeSpans: r.scopeSpans.map((ss) => ({ spans: ss.spans.map((s) => ({ ...s, traceId: hexToBytes(s.traceId), spanId: hexToBytes(s.spanId) })) })) }));
  return Buffer.from(encodeTracesRequest(Types.ExportTraceServiceRequest.fromObject({ resourceSpans: rs }) as never));
}

const post = (base: string, path: string, body: Buffer | string, headers: Record<string, string>) => fetch(`${base}${path}`, { method: 'POST', body, headers });

function grpcExport(base: string, service: string, body: Buffer, md?: Metadata): Promise<{ err: ServiceError | null; res?: Buffer }> {
  const client = new Client(base.replace('http://', ''), credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      `/opentelemetry.proto.collector.${service}/Export`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      md ?? new Metadata(),
      (err, res) => {
        client.close();
        resolve({ err, res });
      },
    );
  });
}

beforeAll(async () => {
  stack = await startTracesStack();
  limited = await startTracesStack({ config: { traces: { limits: { ingestion_rate_limit_bytes: 1000, ingestion_burst_size_bytes: 1000 } } } });
});
afterAll(async () => {
  await stack?.stop();
  await limited?.stop();
});

describe('OTLP/HTTP bad input', () => {
  it('answers 400 with a google.rpc.Status body for malformed protobuf', async () => {
    const r = await post(stack.otlpHttp, '/v1/traces', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'content-type': 'application/x-protobuf' });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/x-protobuf');
    const st = Types.RpcStatus.toObject(Types.RpcStatus.decode(new Uint8Array(await r.arrayBuffer()))) as { code: number; message: string };
    expect(st.code).toBe(3);
    expect(st.message).toContain('unable to unmarshal traces request');
  });

  it('answers 400 with a JSON status for invalid JSON and bad IDs', async () => {
    const r = await post(stack.otlpHttp, '/v1/traces', '{"resourceSpans": [', { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { code: number; message: string }).message).toContain('unable to parse JSON request');

    const notHex = await post(stack.otlpHttp, '/v1/traces', JSON.stringify(request([{ traceId: 'zz'.repeat(16), spanId: '00f067aa0ba902b7' }])), { 'content-type': 'application/json' });
    expect(notHex.status).toBe(400);
    expect(((await notHex.json()) as { message: string }).message).toContain('invalid trace ID');

    const short = await post(stack.otlpHttp, '/v1/traces', JSON.stringify(request([{ traceId: 'abcd', spanId: '00f067aa0ba902b7' }])), { 'content-type': 'application/json' });
    expect(short.status).toBe(400);
    expect(await short.json()).toEqual({ code: 3, message: 'trace ids must be 128 bit, received 16 bits' });

    const wrongType = await post(stack.otlpHttp, '/v1/metrics', '{"resourceMetrics": 5}', { 'content-type': 'application/json' });
    expect(wrongType.status).toBe(400);
  });

  it('reports partial success when some spans are refused', async () => {
    const r = await post(
      stack.otlpHttp,
      '/v1/traces',
      JSON.stringify(request([{ traceId: TRACE, spanId: '00f067aa0ba902b7' }, { traceId: TRACE, spanId: '00f067' }])),
      { 'content-type': 'application/json' },
    );
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ partialSuccess: { rejectedSpans: '1', errorMessage: 'span ids must be 64 bit, received 24 bits' } });
    expect((await fetch(`${stack.tempo}/api/traces/${TRACE}`)).status).toBe(200);
  });

  it('accepts gzip bodies and refuses corrupt gzip, unknown content types and encodings', async () => {
    const ok = await post(stack.otlpHttp, '/v1/traces', gzipSync(protoBody([{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) }])), {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
    });
    expect(ok.status).toBe(200);
    expect((await fetch(`${stack.tempo}/api/traces/${'a'.repeat(32)}`)).status).toBe(200);
    const bad = await post(stack.otlpHttp, '/v1/traces', Buffer.from('not gzip'), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(bad.status).toBe(400);
    expect((await post(stack.otlpHttp, '/v1/traces', 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(stack.otlpHttp, '/v1/traces', 'x', { 'content-type': 'application/json', 'content-encoding': 'br' })).status).toBe(400);
  });

  it('answers 503 (retryable) for a signal without a store, and 429 with Retry-After over the rate limit', async () => {
    const r = await post(stack.otlpHttp, '/v1/metrics', '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"x","gauge":{"dataPoints":[{"asDouble":1}]}}]}]}]}', {
      'content-type': 'application/json',
    });
    expect(r.status).toBe(503);
    expect(((await r.json()) as { code: number }).code).toBe(14);

    const big = protoBody(Array.from({ length: 40 }, (_, i) => ({ traceId: 'c'.repeat(31) + (i % 10), spanId: i.toString(16).padStart(16, '1') })));
    const lim = await post(limited.otlpHttp, '/v1/traces', big, { 'content-type': 'application/x-protobuf' });
    expect(lim.status).toBe(429);
    expect(lim.headers.get('retry-after')).toBe('1');
    const st = Types.RpcStatus.toObject(Types.RpcStatus.decode(new Uint8Array(await lim.arrayBuffer()))) as { code: number; message: string };
    expect(st.code).toBe(8);
    expect(st.message).toContain('RATE_LIMITED');
    const m = await (await fetch(`${limited.tempo}/metrics`)).text();
    expect(m).toMatch(/otelcol_receiver_refused_spans\{receiver="otlp",transport="http"\} 40/);
    expect(m).toMatch(/tempo_discarded_spans_total\{reason="rate_limited",tenant="single-tenant"\} 40/);
  });
});

describe('OTLP/gRPC status codes', () => {
  it('maps bad input, missing stores and rate limits to INVALID_ARGUMENT, UNAVAILABLE and RESOURCE_EXHAUSTED', async () => {
    const ok = await grpcExport(stack.otlpGrpc, 'trace.v1.TraceService', protoBody([{ traceId: 'd'.repeat(32), spanId: 'e'.repeat(16) }]));
    expect(ok.err).toBeNull();
    expect(ok.res!.length).toBe(0); // empty ExportTraceServiceResponse: full success

    const garbage = await grpcExport(stack.otlpGrpc, 'trace.v1.TraceService', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]));
    expect(garbage.err?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(garbage.err?.details).toContain('unable to unmarshal');

    const shortId = await grpcExport(stack.otlpGrpc, 'trace.v1.TraceService', protoBody([{ traceId: 'abcd', spanId: 'e'.repeat(16) }]));
    expect(shortId.err?.code).toBe(GrpcStatus.INVALID_ARGUMENT);

    const logs = await grpcExport(stack.otlpGrpc, 'logs.v1.LogsService', Buffer.from(Types.ExportLogsServiceRequest.encode(Types.ExportLogsServiceRequest.fromObject({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }] }] })).finish()));
    expect(logs.err?.code).toBe(GrpcStatus.UNAVAILABLE);

    const big = protoBody(Array.from({ length: 40 }, (_, i) => ({ traceId: 'f'.repeat(31) + (i % 10), spanId: i.toString(16).padStart(16, '1') })));
    const lim = await grpcExport(limited.otlpGrpc, 'trace.v1.TraceService', big);
    expect(lim.err?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);

    expect((await fetch(`${stack.otlpHttp}/ready`)).status).toBe(200);
    expect((await fetch(`${stack.tempo}/api/traces/${'d'.repeat(32)}`)).status).toBe(200);
  });

  it('requires X-Scope-OrgID when multi-tenancy is on and keeps tenants apart', async () => {
    const mt = await startTracesStack({ config: { traces: { multitenancy_enabled: true }, otlp: { multitenancy_enabled: true } } });
    try {
      const body = protoBody([{ traceId: '9'.repeat(32), spanId: '8'.repeat(16) }]);
      const none = await post(mt.otlpHttp, '/v1/traces', body, { 'content-type': 'application/x-protobuf' });
      expect(none.status).toBe(401);
      const md = new Metadata();
      md.set('x-scope-orgid', 'team-a');
      expect((await grpcExport(mt.otlpGrpc, 'trace.v1.TraceService', body, md)).err).toBeNull();
      expect((await fetch(`${mt.tempo}/api/traces/${'9'.repeat(32)}`, { headers: { 'x-scope-orgid': 'team-a' } })).status).toBe(200);
      expect((await fetch(`${mt.tempo}/api/traces/${'9'.repeat(32)}`, { headers: { 'x-scope-orgid': 'team-b' } })).status).toBe(404);
      expect((await fetch(`${mt.tempo}/api/traces/${'9'.repeat(32)}`)).status).toBe(401);
    } finally {
      await mt.stop();
    }
  });
});
