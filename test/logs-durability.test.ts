import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLogsForTest } from '../src/logs/testing.js';
import { spawnSightline, startedPorts, tempDir } from './helpers/process.js';

async function allLines(base: string, query: string): Promise<Set<string>> {
  const u = new URL(`${base}/loki/api/v1/query_range`);
  u.searchParams.set('query', query);
  u.searchParams.set('since', '1h');
  u.searchParams.set('limit', '5000');
  const r = await fetch(u);
  expect(r.status).toBe(200);
  const j = (await r.json()) as { data: { result: Array<{ values: string[][] }> } };
  return new Set(j.data.result.flatMap((s) => s.values.map((v) => v[1])));
}

describe('logs durability', () => {
  it('every acknowledged line survives kill -9 and a restart (WAL replay)', async () => {
    const dir = tempDir('sightline-logs-kill-');
    const cfg = join(dir, 'sightline.yaml');
    writeFileSync(cfg, 'logs:\n  listen_address: 127.0.0.1:0\n');
    const args = ['--config.file', cfg, '--data-dir', join(dir, 'data'), '--target', 'logs'];
    const s1 = spawnSightline(args);
    const ports = await startedPorts(s1);
    const base = `http://127.0.0.1:${ports.loki}`;
    const acked: string[] = [];
    let seq = 0;
    let killed = false;
    const pusher = (async () => {
      while (!killed) {
        const values: string[][] = [];
        const t = BigInt(Date.now()) * 1_000_000n;
        for (let i = 0; i < 20; i++, seq++) values.push([String(t + BigInt(i)), `durable line ${seq}`]);
        try {
          const r = await fetch(`${base}/loki/api/v1/push`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ streams: [{ stream: { job: 'durable', n: String(seq % 3) }, values }] }),
          });
          if (r.status === 204) acked.push(...values.map((v) => v[1]));
        } catch {
          return;
        }
      }
    })();
    while (acked.length < 600) await new Promise((r) => setTimeout(r, 10));
    s1.child.kill('SIGKILL');
    killed = true;
    await s1.exited;
    await pusher;
    expect(acked.length).toBeGreaterThanOrEqual(600);

    const s2 = spawnSightline(args);
    const ports2 = await startedPorts(s2);
    try {
      const got = await allLines(`http://127.0.0.1:${ports2.loki}`, '{job="durable"}');
      const missing = acked.filter((l) => !got.has(l));
      expect(missing).toEqual([]);
    } finally {
      s2.child.kill('SIGTERM');
      await s2.exited;
    }
  }, 60_000);

  it('data flushed to the object store survives deletion of the local data directory', async () => {
    const bucket = tempDir('sightline-logs-bucket-');
    const data1 = tempDir('sightline-logs-local-');
    const a = await startLogsForTest(data1, { object_store_dir: bucket });
    const t = BigInt(Date.now()) * 1_000_000n;
    const values = Array.from({ length: 100 }, (_, i) => [String(t + BigInt(i)), `stored line ${i} ${i % 10 === 0 ? 'needle' : 'hay'}`]);
    const r = await fetch(`${a.base}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { job: 'stored' }, values }] }),
    });
    expect(r.status).toBe(204);
    expect((await fetch(`${a.base}/flush`, { method: 'POST' })).status).toBe(204);
    await a.stop();
    rmSync(data1, { recursive: true, force: true });

    const b = await startLogsForTest(tempDir('sightline-logs-local2-'), { object_store_dir: bucket });
    try {
      const got = await allLines(b.base, '{job="stored"}');
      expect(got.size).toBe(100);
      const needles = await allLines(b.base, '{job="stored"} |= "needle"');
      expect([...needles].sort()).toEqual(['stored line 0 needle', 'stored line 10 needle', 'stored line 20 needle', 'stored line 30 needle', 'stored line 40 needle', 'stored line 50 needle', 'stored line 60 needle', 'stored line 70 needle', 'stored line 80 needle', 'stored line 90 needle']);
      const stats = (await (await fetch(`${b.base}/loki/api/v1/index/stats?query=${encodeURIComponent('{job="stored"}')}`)).json()) as Record<string, number>;
      expect(stats).toMatchObject({ streams: 1, chunks: 1, entries: 100 });
    } finally {
      await b.stop();
    }
  });
});
