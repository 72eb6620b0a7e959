import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchRecorder, ExplicitContext, Tracer, jsonEncoder } from 'zipkin';
import { HttpLogger } from 'zipkin-transport-http';
import { startTracesStack, type TracesStack } from './helpers/traces-stack.js';
import { waitFor } from './helpers/process.js';

let stack: TracesStack;
beforeAll(async () => {
  stack = await startTracesStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('Zipkin v2 receiver', () => {
  it('accepts spans from the zipkin-js HTTP transport and serves them through the Tempo API', async () => {
    const logger = new HttpLogger({ endpoint: `${stack.zipkin}/api/v2/spans`, jsonEncoder: jsonEncoder.JSON_V2, httpInterval: 50 });
    const tracer = new Tracer({ ctxImpl: new ExplicitContext(), recorder: new BatchRecorder({ logger }), localServiceName: 'zipkin-svc', traceId128Bit: true });
    let traceId = '';
    tracer.local('compute-answer', () => {
      traceId = tracer.id.traceId;
      tracer.recordBinary('answer', '42');
    });
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const body = await waitFor(async () => {
      const r = await fetch(`${stack.tempo}/api/traces/${traceId}`);
      return r.status === 200 ? ((await r.json()) as { batches: { resource: { attributes: unknown[] }; scopeSpans: { spans: { name: string; attributes: unknown[] }[] }[] }[] }) : undefined;
    }, 10_000, 'the zipkin span');
    expect(body.batches[0].resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'zipkin-svc' } });
    const span = body.batches[0].scopeSpans[0].spans[0];
    expect(span.name).toBe('compute-answer');
    expect(span.attributes).toContainEqual({ key: 'answer', value: { stringValue: '42' } });
  });

  it('maps kinds, errors and parents, and refuses bad input with 400', async () => {
    const spans = [
      { traceId: '463ac35c9f6413ad', id: 'a2fb4a1d1a96d312', name: 'get /api', kind: 'SERVER', timestamp: 1_700_000_000_000_000, duration: 2000, localEndpoint: { serviceName: 'api' }, tags: { error: 'boom', 'http.path': '/api' } },
      { traceId: '463ac35c9f6413ad', id: 'b2fb4a1d1a96d312', parentId: 'a2fb4a1d1a96d312', name: 'select', kind: 'CLIENT', timestamp: 1_700_000_000_000_500, duration: 500, localEndpoint: { serviceName: 'api' }, remoteEndpoint: { serviceName: 'db', port: 5432 } },
    ];
    const r = await fetch(`${stack.zipkin}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spans) });
    expect(r.status).toBe(202);
    const res = (await (await fetch(`${stack.tempo}/api/search?q=${encodeURIComponent('{ resource.service.name = "api" } > { kind = client && span.peer.service = "db" }')}`)).json()) as { traces: { traceID: string; rootTraceName: string; durationMs: number }[] };
    expect(res.traces).toMatchObject([{ traceID: '0000000000000000463ac35c9f6413ad', rootTraceName: 'get /api', durationMs: 2 }]);
    const err = (await (await fetch(`${stack.tempo}/api/search?q=${encodeURIComponent('{ status = error && statusMessage = "boom" }')}`)).json()) as { traces: unknown[] };
    expect(err.traces).toHaveLength(1);

    const bad = await fetch(`${stack.zipkin}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[{"traceId":"xyz","id":"1"}]' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('invalid trace ID');
    expect((await fetch(`${stack.zipkin}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' })).status).toBe(400);
  });
});
