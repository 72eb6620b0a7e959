import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Types, encodeTracesRequest } from '../src/otlp/index.js';
import { startTracesStack, type TracesStack } from './helpers/traces-stack.js';

/**
 * Tempo's `max_bytes_per_tag_values_query` through the real receivers and API, v1 and v2, unfiltered and with `q=`,
 * from the head and from a block: a lookup collects distinct values until their size would reach the tenant's limit
 * and answers those (200, as Tempo's combiner), with no fixed cap on the number of values.
 */

const DISTINCT = 1500;
const nowMs = Date.now();
const range = `start=${Math.floor(nowMs / 1000) - 3600}&end=${Math.floor(nowMs / 1000) + 3600}`;
let stack: TracesStack;

/** `n` one-span traces from `first`, span attribute `k` = `v0000`…, service `svc`. */
function body(first: number, n: number): Buffer {
  const start = BigInt(nowMs) * 1_000_000n;
  const spans = Array.from({ length: n }, (_, j) => ({
    traceId: Buffer.from((first + j + 1).toString(16).padStart(32, '0'), 'hex'),
    spanId: Buffer.from((first + j + 1).toString(16).padStart(16, '0'), 'hex'),
    name: 'op',
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 1_000_000n),
    attributes: [{ key: 'k', value: { stringValue: `v${String(first + j).padStart(4, '0')}` } }],
  }));
  const req = Types.ExportTraceServiceRequest.fromObject({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ spans }] }] });
  return Buffer.from(encodeTracesRequest(req as never));
}

async function get<T>(tenant: string, path: string): Promise<T> {
  const r = await fetch(`${stack.tempo}${path}`, { headers: { 'x-scope-orgid': tenant } });
  expect(r.status).toBe(200);
  return (await r.json()) as T;
}
const v1 = async (tenant: string) => (await get<{ tagValues: string[] }>(tenant, '/api/search/tag/k/values')).tagValues;
const v2 = async (tenant: string, q?: string) =>
  (await get<{ tagValues: { type: string; value: string }[] }>(tenant, `/api/v2/search/tag/span.k/values?${q ? `q=${encodeURIComponent(q)}&${range}` : ''}`)).tagValues;

const pushed = new Set(Array.from({ length: DISTINCT }, (_, i) => `v${String(i).padStart(4, '0')}`));

beforeAll(async () => {
  stack = await startTracesStack({
    config: {
      otlp: { multitenancy_enabled: true },
      // One query worker: the q= lookups run there, the request's limit crossing with them.
      traces: { multitenancy_enabled: true, query: { workers: 1 }, overrides: { small: { max_bytes_per_tag_values_query: 100 }, unlimited: { max_bytes_per_tag_values_query: 0 } } },
    },
  });
  for (const tenant of ['big', 'small', 'unlimited']) {
    for (let i = 0; i < DISTINCT; i += 500) {
      const r = await fetch(`${stack.otlpHttp}/v1/traces`, { method: 'POST', body: body(i, 500), headers: { 'content-type': 'application/x-protobuf', 'x-scope-orgid': tenant } });
      expect(r.status).toBe(200);
    }
  }
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

describe('Tempo max_bytes_per_tag_values_query', () => {
  for (const where of ['head', 'block'] as const) {
    it(`answers every value under the default 1,000,000 bytes, past the old cap of 1,000 values (${where})`, async () => {
      if (where === 'block') expect((await fetch(`${stack.tempo}/flush`, { method: 'POST' })).status).toBe(204);
      expect(await v1('big')).toEqual([...pushed].sort());
      expect((await v2('big')).map((v) => v.value)).toEqual([...pushed].sort());
      const filtered = await v2('big', '{ resource.service.name = "svc" }');
      expect(filtered).toHaveLength(DISTINCT);
      expect(filtered[0]).toEqual({ type: 'string', value: 'v0000' });
      expect(await v2('unlimited', '{ span.k != nil }')).toHaveLength(DISTINCT);
    }, 30_000);

    it(`stops at the tenant's limit and answers the values found before it, 200 (${where})`, async () => {
      // v1 counts the value (5 bytes): 19 fit under 100; v2 the type too ('string' + 5 = 11): 9.
      const a = await v1('small');
      expect(a).toHaveLength(19);
      for (const v of a) expect(pushed.has(v)).toBe(true);
      const b = await v2('small');
      expect(b).toHaveLength(9);
      for (const v of b) expect(v.type === 'string' && pushed.has(v.value)).toBe(true);
      const c = await v2('small', '{ span.k =~ "v.*" }');
      expect(c).toHaveLength(9);
      for (const v of c) expect(pushed.has(v.value)).toBe(true);
      // The limit bounds intrinsic values too: 'string' + 'svc' fits.
      expect(await get<{ tagValues: unknown[] }>('small', '/api/v2/search/tag/rootServiceName/values')).toEqual({ tagValues: [{ type: 'string', value: 'svc' }], metrics: { inspectedBytes: '0' } });
    }, 30_000);
  }
});
