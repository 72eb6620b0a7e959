import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracesStack, type TracesStack } from './helpers/traces-stack.js';
import { waitFor } from './helpers/process.js';

// jaeger-client is CommonJS without types.
const require = createRequire(import.meta.url);
const { initTracer } = require('jaeger-client') as {
  initTracer: (
    config: Record<string, unknown>,
    options: Record<string, unknown>,
  ) => {
    startSpan(name: string, opts?: Record<string, unknown>): { setTag(k: string, v: unknown): void; log(f: Record<string, unknown>): void; finish(): void; context(): { toTraceId(): string; toSpanId(): string } };
    close(cb: () => void): void;
  };
};

let stack: TracesStack;
beforeAll(async () => {
  stack = await startTracesStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('Jaeger Thrift over HTTP', () => {
  it('accepts spans from jaeger-client and serves them through the Tempo API', async () => {
    const tracer = initTracer(
      { serviceName: 'jaeger-svc', sampler: { type: 'const', param: 1 }, reporter: { collectorEndpoint: `${stack.jaeger}/api/traces`, flushIntervalMs: 50 } },
      { tags: { 'deployment.environment': 'test' }, traceId128bit: true, logger: { info: () => {}, error: () => {} } },
    );
    const root = tracer.startSpan('checkout');
    root.setTag('span.kind', 'server');
    root.setTag('http.status_code', 500);
    root.setTag('error', true);
    const child = tracer.startSpan('db', { childOf: root });
    child.log({ event: 'retry', attempt: 2 });
    child.finish();
    root.finish();
    await new Promise<void>((r) => tracer.close(r));
    const traceId = root.context().toTraceId().padStart(32, '0');

    const body = await waitFor(async () => {
      const r = await fetch(`${stack.tempo}/api/traces/${traceId}`);
      return r.status === 200 ? ((await r.json()) as { batches: { resource: { attributes: unknown[] }; scopeSpans: { spans: { name: string; kind: number; parentSpanId?: string; spanId: string; status?: { code?: number }; attributes: unknown[]; events?: { name: string }[] }[] }[] }[] }) : undefined;
    }, 10_000, 'the jaeger spans');
    expect(body.batches[0].resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'jaeger-svc' } });
    expect(body.batches[0].resource.attributes).toContainEqual({ key: 'deployment.environment', value: { stringValue: 'test' } });
    const spans = body.batches[0].scopeSpans[0].spans;
    const r = spans.find((s) => s.name === 'checkout')!;
    const c = spans.find((s) => s.name === 'db')!;
    expect(r.kind).toBe(2);
    expect(r.status?.code).toBe(2);
    // jaeger-client sends JavaScript numbers as DOUBLE tags.
    expect(r.attributes).toContainEqual({ key: 'http.status_code', value: { doubleValue: 500 } });
    expect(c.parentSpanId).toBe(r.spanId);
    expect(c.events?.[0].name).toBe('retry');

    const res = (await (await fetch(`${stack.tempo}/api/search?q=${encodeURIComponent('{ resource.service.name = "jaeger-svc" && status = error }')}`)).json()) as { traces: { traceID: string }[] };
    expect(res.traces.map((t) => t.traceID)).toEqual([traceId]);
  });

  it('refuses a corrupt body with 400', async () => {
    const r = await fetch(`${stack.jaeger}/api/traces`, { method: 'POST', headers: { 'content-type': 'application/x-thrift' }, body: Buffer.from([0x0c, 0x00, 0x01, 0x0b, 0x00, 0x01, 0x7f, 0xff, 0xff, 0xff]) });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('Unable to process request body');
    expect((await fetch(`${stack.jaeger}/api/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(400);
  });
});
