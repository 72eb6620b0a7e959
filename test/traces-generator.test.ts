import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Matcher } from '../src/model/index.js';
import { MemoryStorage } from '../src/metrics/storage-api/index.js';
import { startTracesStack, type TracesStack } from './helpers/traces-stack.js';
import { body } from './helpers/three-service-trace.js';
import { waitFor } from './helpers/process.js';

let stack: TracesStack;
const storage = new MemoryStorage();

beforeAll(async () => {
  stack = await startTracesStack({ sinks: { metrics: storage }, config: { traces: { metrics_generator: { collection_interval: '100ms' } } } });
});
afterAll(async () => {
  await stack?.stop();
});

async function latest(name: string, match: Record<string, string> = {}): Promise<{ labels: Record<string, string>; value: number }[]> {
  const q = await storage.querier(0, Number.MAX_SAFE_INTEGER);
  const ms = [new Matcher('=', '__name__', name), ...Object.entries(match).map(([k, v]) => new Matcher('=', k, v))];
  const ss = await q.select(ms, { start: 0, end: Number.MAX_SAFE_INTEGER }, true);
  return ss.map((s) => {
    const b = s.samples(0, Number.MAX_SAFE_INTEGER);
    return { labels: s.labels.toObject(), value: b.v[b.length - 1] };
  });
}

describe('metrics generator', () => {
  it('derives span metrics and service graph series from the three-service trace', async () => {
    const r = await fetch(`${stack.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status).toBe(200);
    await waitFor(async () => (await latest('traces_service_graph_request_total')).length === 2, 5000, 'service graph series');

    const calls = await latest('traces_spanmetrics_calls_total');
    expect(calls.map((c) => [c.labels.service, c.labels.span_name, c.labels.span_kind, c.labels.status_code, c.value]).sort()).toEqual(
      [
        ['backend', 'POST /charge', 'SPAN_KIND_SERVER', 'STATUS_CODE_ERROR', 1],
        ['backend', 'db.query', 'SPAN_KIND_CLIENT', 'STATUS_CODE_OK', 1],
        ['client', 'GET /checkout', 'SPAN_KIND_CLIENT', 'STATUS_CODE_UNSET', 1],
        ['frontend', 'GET /checkout', 'SPAN_KIND_SERVER', 'STATUS_CODE_ERROR', 1],
        ['frontend', 'GET /health', 'SPAN_KIND_SERVER', 'STATUS_CODE_OK', 1],
        ['frontend', 'call backend', 'SPAN_KIND_CLIENT', 'STATUS_CODE_UNSET', 1],
        ['frontend', 'render', 'SPAN_KIND_INTERNAL', 'STATUS_CODE_UNSET', 1],
      ].sort(),
    );
    const lat = await latest('traces_spanmetrics_latency_bucket', { service: 'backend', span_name: 'POST /charge' });
    expect(Object.fromEntries(lat.map((b) => [b.labels.le, b.value]))).toMatchObject({ '0.256': 0, '0.512': 1, '+Inf': 1 });
    expect((await latest('traces_spanmetrics_latency_sum', { service: 'backend', span_name: 'POST /charge' }))[0].value).toBeCloseTo(0.5);

    const edges = await latest('traces_service_graph_request_total');
    expect(edges.map((e) => [e.labels.client, e.labels.server, e.value]).sort()).toEqual([
      ['client', 'frontend', 1],
      ['frontend', 'backend', 1],
    ]);
    const failed = await latest('traces_service_graph_request_failed_total');
    expect(failed.map((e) => [e.labels.client, e.labels.server, e.value]).sort()).toEqual([
      ['client', 'frontend', 1],
      ['frontend', 'backend', 1],
    ]);
    const serverSum = await latest('traces_service_graph_request_server_seconds_sum', { client: 'frontend', server: 'backend' });
    expect(serverSum[0].value).toBeCloseTo(0.5);
    const clientSum = await latest('traces_service_graph_request_client_seconds_sum', { client: 'frontend', server: 'backend' });
    expect(clientSum[0].value).toBeCloseTo(0.6);
  });
});
