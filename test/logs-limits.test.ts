import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sightlineConfigSchema } from '../src/config/index.js';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { tempDir } from './helpers/process.js';

// Loki's limits_config as `logs.limits`, per-tenant `logs.overrides` on top (Loki's runtime overrides): a tenant's
// override replaces only the limits it names; everything else comes from `logs.limits`.

const nowNs = () => BigInt(Date.now()) * 1_000_000n;

describe('logs per-tenant limits', () => {
  let loki: RunningLogs;
  beforeAll(async () => {
    loki = await startLogsForTest(tempDir('sightline-logs-limits-'), {
      auth_enabled: true,
      limits: { max_line_size: 100, max_entries_limit_per_query: 1000, max_global_streams_per_user: 10 },
      overrides: {
        big: { max_line_size: 1000, max_entries_limit_per_query: 4000 },
        few: { max_streams_per_user: 1 },
        cut: { max_line_size_truncate: true },
        short: { max_label_value_length: 5 },
      },
    });
  });
  afterAll(() => loki.stop());

  const push = (tenant: string, streams: Array<{ stream: Record<string, string>; values: string[][] }>) =>
    fetch(`${loki.base}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-scope-orgid': tenant }, body: JSON.stringify({ streams }) });
  const lines = async (tenant: string, query: string) => {
    const r = await fetch(`${loki.base}/loki/api/v1/query_range?query=${encodeURIComponent(query)}&since=1h`, { headers: { 'x-scope-orgid': tenant } });
    expect(r.status).toBe(200);
    const j = (await r.json()) as { data: { result: Array<{ values: string[][] }> } };
    return j.data.result.flatMap((s) => s.values.map((v) => v[1]));
  };

  it('applies a tenant override only to the limits it names (the rest from logs.limits)', async () => {
    const long = 'x'.repeat(500);
    const t = String(nowNs());
    // default tenant: logs.limits.max_line_size 100
    let r = await push('plain', [{ stream: { job: 'l' }, values: [[t, long]] }]);
    expect(r.status).toBe(400);
    expect(await r.text()).toBe(`Max entry size '100' bytes exceeded for stream '{job="l"}' while adding an entry with length '500' bytes\n`);
    // overridden tenant: 1000
    r = await push('big', [{ stream: { job: 'l' }, values: [[t, long]] }]);
    expect(r.status).toBe(204);
    expect(await lines('big', '{job="l"}')).toEqual([long]);
    // `few` overrides max_streams_per_user only: its max_line_size is still logs.limits' 100, not Loki's default
    r = await push('few', [{ stream: { job: 'l' }, values: [[t, 'y'.repeat(200)]] }]);
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/^Max entry size '100' bytes exceeded/);
  });

  it('checks label name and value lengths against the limits of each tenant, also for a label set seen before', async () => {
    const t = String(nowNs());
    // accepted for the default tenant (max_label_value_length 2048), then the same label set for a tenant whose limit is 5
    expect((await push('plain', [{ stream: { job: 'lab', pod: 'pod-123456' }, values: [[t, 'a']] }])).status).toBe(204);
    let r = await push('short', [{ stream: { job: 'lab', pod: 'pod-123456' }, values: [[t, 'a']] }]);
    expect(r.status).toBe(400);
    expect(await r.text()).toBe(`stream '{job="lab", pod="pod-123456"}' has label value too long: 'pod-123456'\n`);
    r = await push('plain', [{ stream: { job: 'lab', ['n'.repeat(1100)]: 'v' }, values: [[t, 'a']] }]);
    expect(r.status).toBe(400);
    expect(await r.text()).toBe(`stream '{job="lab", ${'n'.repeat(1100)}="v"}' has label name too long: '${'n'.repeat(1100)}'\n`);
    expect(await lines('plain', '{job="lab"}')).toEqual(['a']);
  });

  it('reads max_entries_limit_per_query per tenant', async () => {
    const q = (tenant: string) => fetch(`${loki.base}/loki/api/v1/query_range?query=${encodeURIComponent('{job="l"}')}&limit=2000`, { headers: { 'x-scope-orgid': tenant } });
    let r = await q('plain');
    expect(r.status).toBe(400);
    expect(await r.text()).toBe('max entries limit per query exceeded, limit > max_entries_limit_per_query (2000 > 1000)\n');
    r = await q('big');
    expect(r.status).toBe(200);
  });

  it('enforces the smaller of max_streams_per_user and max_global_streams_per_user', async () => {
    const t = String(nowNs());
    const r = await push('few', [
      { stream: { job: 's', n: '1' }, values: [[t, 'one']] },
      { stream: { job: 's', n: '2' }, values: [[t, 'two']] },
    ]);
    expect(r.status).toBe(429);
    expect(await r.text()).toMatch(/^Maximum active stream limit exceeded when trying to create stream \{job="s", n="2"\}.*user: 'few'\n$/);
    expect(await lines('few', '{job="s"}')).toEqual(['one']);
    // another tenant has the global limit of 10
    const ok = await push('plain', [
      { stream: { job: 's', n: '1' }, values: [[t, 'one']] },
      { stream: { job: 's', n: '2' }, values: [[t, 'two']] },
    ]);
    expect(ok.status).toBe(204);
  });

  it('truncates long lines for a tenant with max_line_size_truncate, without splitting a character', async () => {
    const t = String(nowNs());
    const line = `${'a'.repeat(99)}é and more`; // 'é' takes bytes 100-101: the cut at 100 bytes must drop it
    const r = await push('cut', [{ stream: { job: 't' }, values: [[t, line]] }]);
    expect(r.status).toBe(204);
    expect(await lines('cut', '{job="t"}')).toEqual(['a'.repeat(99)]);
    const m = await loki.metrics();
    expect(m).toMatch(/loki_mutated_samples_total\{reason="line_too_long",tenant="cut"\} 1/);
    expect(m).toMatch(new RegExp(`loki_mutated_bytes_total\\{reason="line_too_long",tenant="cut"\\} ${Buffer.byteLength(line) - 99}`));
  });

  it('refuses entries older than the newest of their stream by more than the out-of-order window (1h), in a request and across requests', async () => {
    const newest = (nowNs() / 1_000_000_000n - 60n) * 1_000_000_000n; // whole seconds: the messages show no fraction
    const hour = 3_600_000_000_000n;
    const ts = (ns: bigint) => String(ns);
    const rfc = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString().replace('.000Z', 'Z');
    // One request: the newest first, then one just inside the window and one 1 s beyond it.
    let r = await push('plain', [{ stream: { job: 'ooo' }, values: [[ts(newest), 'newest'], [ts(newest - hour + 1_000_000_000n), 'inside'], [ts(newest - hour - 1_000_000_000n), 'behind']] }]);
    expect(r.status).toBe(400);
    expect(await r.text()).toBe(`entry too far behind, entry timestamp is: ${rfc(newest - hour - 1_000_000_000n)}, oldest acceptable timestamp is: ${rfc(newest - hour)}\n`);
    // A later request is checked against the stream's newest in the head.
    r = await push('plain', [{ stream: { job: 'ooo' }, values: [[ts(newest - hour - 2_000_000_000n), 'behind again'], [ts(newest - 1_000_000_000n), 'in order']] }]);
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/^entry too far behind, entry timestamp is: /);
    const q = await fetch(`${loki.base}/loki/api/v1/query_range?query=${encodeURIComponent('{job="ooo"}')}&since=3h`, { headers: { 'x-scope-orgid': 'plain' } });
    const j = (await q.json()) as { data: { result: Array<{ values: string[][] }> } };
    expect(j.data.result.flatMap((s) => s.values.map((v) => v[1])).sort()).toEqual(['in order', 'inside', 'newest']);
  });
});

describe('logs limits config', () => {
  it('rejects unknown limit names in overrides with their path', () => {
    const r = sightlineConfigSchema.safeParse({ logs: { overrides: { a: { max_lines: 1 } } } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('"overrides","a"');
  });
});

describe('logs storage config', () => {
  it('takes logs.storage as every pillar does, keeps object_store_dir valid, and refuses two different directories', () => {
    const s3 = sightlineConfigSchema.parse({ logs: { storage: { backend: 's3', s3: { bucket: 'loki' } } } });
    expect(s3.logs.storage).toMatchObject({ backend: 's3', s3: { bucket: 'loki', region: 'us-east-1' } });
    expect(sightlineConfigSchema.safeParse({ logs: { storage: { backend: 's3' } } }).success).toBe(false);
    expect(sightlineConfigSchema.parse({ logs: { object_store_dir: '/x' } }).logs.object_store_dir).toBe('/x');
    const both = sightlineConfigSchema.safeParse({ logs: { object_store_dir: '/x', storage: { filesystem: { dir: '/y' } } } });
    expect(both.success).toBe(false);
    expect(JSON.stringify(both.error?.issues)).toContain('object_store_dir');
  });
});
