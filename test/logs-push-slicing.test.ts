import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { tempDir } from './helpers/process.js';

// A push of many streams is validated and planned in time slices: other work on the event loop runs while it is
// processed, and pushes of one tenant that overlap still see each other's streams (the stream limit holds across
// them) and store nothing a limit refused.

const nowNs = () => BigInt(Date.now()) * 1_000_000n;

describe('logs push in time slices', () => {
  let loki: RunningLogs;
  beforeAll(async () => {
    loki = await startLogsForTest(tempDir('sightline-logs-slicing-'), {
      auth_enabled: true,
      limits: { max_global_streams_per_user: 3000, ingestion_rate_mb: 1000, ingestion_burst_size_mb: 1000 },
    });
  });
  afterAll(() => loki.stop());

  const body = (prefix: string, n: number) =>
    JSON.stringify({ streams: Array.from({ length: n }, (_, i) => ({ stream: { s: `${prefix}${i}`, job: 'slice' }, values: [[String(nowNs()), `line ${prefix}${i}`]] })) });
  const push = (tenant: string, b: string) => fetch(`${loki.base}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-scope-orgid': tenant }, body: b });
  const streamCount = async (tenant: string) => {
    const r = await fetch(`${loki.base}/loki/api/v1/series?match[]=${encodeURIComponent('{job="slice"}')}&since=1h`, { headers: { 'x-scope-orgid': tenant } });
    expect(r.status).toBe(200);
    return ((await r.json()) as { data: unknown[] }).data.length;
  };

  it('lets timers run while a push of 10,000 streams is processed', async () => {
    const b = body('t', 10_000);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const r = await push('ticks', b);
    clearInterval(timer);
    // 3,000 streams created, 7,000 refused by the stream limit (429 for the request).
    expect(r.status).toBe(429);
    expect(await streamCount('ticks')).toBe(3000);
    expect(ticks).toBeGreaterThan(2);
  });

  it('keeps the stream limit across overlapping pushes of one tenant', async () => {
    const rs = await Promise.all([push('both', body('a', 2000)), push('both', body('b', 2000)), push('both', body('c', 2000))]);
    expect(rs.map((r) => r.status).sort()).toEqual([204, 429, 429]);
    expect(await streamCount('both')).toBe(3000);
    const m = await loki.metrics();
    expect(m).toMatch(/loki_ingester_streams_created_total\{tenant="both"\} 3000/);
  });

  it('writes every line of overlapping pushes to the same streams', async () => {
    const t = nowNs();
    const streams = (k: number) => JSON.stringify({ streams: Array.from({ length: 500 }, (_, i) => ({ stream: { s: String(i), job: 'slice' }, values: [[String(t + BigInt(k)), `k${k}`]] })) });
    const rs = await Promise.all([0, 1, 2, 3].map((k) => push('same', streams(k))));
    expect(rs.map((r) => r.status)).toEqual([204, 204, 204, 204]);
    const r = await fetch(`${loki.base}/loki/api/v1/query_range?query=${encodeURIComponent('count_over_time({job="slice"}[1h])')}&since=1h&step=3600`, { headers: { 'x-scope-orgid': 'same' } });
    const j = (await r.json()) as { data: { result: Array<{ values: [number, string][] }> } };
    expect(j.data.result).toHaveLength(500);
    expect(j.data.result.every((s) => s.values.at(-1)![1] === '4')).toBe(true);
  });
});
