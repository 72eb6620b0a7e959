import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Types, encodeTracesRequest } from '../src/otlp/index.js';
import { startTracesStack, type TracesStack } from './helpers/traces-stack.js';

// Tempo's per-tenant overrides through the real receivers and API: `traces.limits` are every tenant's defaults,
// `traces.overrides.<tenant>` replace some of them for one tenant.

let stack: TracesStack;

function body(traces: number, pad: number): Buffer {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: traces }, () => ({
    traceId: randomBytes(16),
    spanId: randomBytes(8),
    name: 'op',
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 1_000_000n),
    attributes: [{ key: 'pad', value: { stringValue: 'x'.repeat(pad) } }],
  }));
  const req = Types.ExportTraceServiceRequest.fromObject({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ovr' } }] }, scopeSpans: [{ spans }] }] });
  return Buffer.from(encodeTracesRequest(req as never));
}

const push = (tenant: string, b: Buffer) =>
  fetch(`${stack.otlpHttp}/v1/traces`, { method: 'POST', body: b, headers: { 'content-type': 'application/x-protobuf', 'x-scope-orgid': tenant } });

beforeAll(async () => {
  stack = await startTracesStack({
    config: {
      otlp: { multitenancy_enabled: true },
      traces: {
        multitenancy_enabled: true,
        limits: { max_traces_per_user: 3 },
        overrides: {
          slow: { ingestion_rate_limit_bytes: 2000, ingestion_burst_size_bytes: 2000 },
          short: { max_search_duration: '1h' },
          many: { max_traces_per_user: 0 },
        },
      },
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe('Tempo overrides per tenant', () => {
  it('rate-limits only the overridden tenant (429 RATE_LIMITED at the OTLP receiver)', async () => {
    expect((await push('slow', body(1, 100))).status).toBe(200);
    const r = await push('slow', body(2, 2000));
    expect(r.status).toBe(429);
    expect(await r.text()).toContain('RATE_LIMITED: ingestion rate limit (2000 bytes) exceeded');
    expect((await push('fast', body(2, 2000))).status).toBe(200);
  });

  it('limits live traces per tenant from the defaults, lifted by an override', async () => {
    expect((await push('few', body(3, 10))).status).toBe(200);
    const r = await push('few', body(2, 10));
    expect(r.status).toBe(429);
    expect(await r.text()).toContain('LIVE_TRACES_EXCEEDED: max live traces exceeded for tenant few');
    expect((await push('many', body(10, 10))).status).toBe(200);
  });

  it('bounds the search range by the tenant max_search_duration, else by search.max_duration', async () => {
    const end = Math.floor(Date.now() / 1000);
    const q = `start=${end - 2 * 3600}&end=${end}&q=${encodeURIComponent('{}')}`;
    const short = await fetch(`${stack.tempo}/api/search?${q}`, { headers: { 'x-scope-orgid': 'short' } });
    expect(short.status).toBe(400);
    expect(await short.text()).toBe(`range specified by start and end exceeds 1h0m0s. received start=${end - 2 * 3600} end=${end}\n`);
    const other = await fetch(`${stack.tempo}/api/search?${q}`, { headers: { 'x-scope-orgid': 'other' } });
    expect(other.status).toBe(200);
    const week = await fetch(`${stack.tempo}/api/search?start=${end - 200 * 3600}&end=${end}`, { headers: { 'x-scope-orgid': 'other' } });
    expect(week.status).toBe(400);
  });
});
