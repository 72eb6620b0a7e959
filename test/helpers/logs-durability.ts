import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ObjectStore } from '../../src/storage/index.js';
import { spawnSightline, startedPorts, type SpawnedSightline } from './process.js';

/** The durability scenario of the Loki role, run with each `logs.storage` backend. */
export interface LogsDurabilityCase {
  dir: string;
  /** YAML lines of `logs.storage` (indented under `logs:`), empty for the default. */
  storageYaml: string;
  /** The bucket the chunks must land in, read directly (not through Sightline). */
  bucket: ObjectStore;
  /** Paths (under `dir`) removed while stopped, before the last start, besides the WAL. */
  wipe: string[];
  /** Checks of the local disk once the chunks are flushed and the process has stopped. */
  afterFlush?: () => void;
}

async function start(dir: string): Promise<{ s: SpawnedSightline; loki: string }> {
  const s = spawnSightline(['--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data'), '--target', 'logs']);
  const ports = await startedPorts(s, 60_000);
  return { s, loki: `http://127.0.0.1:${ports.loki}` };
}

async function query(loki: string, q: string): Promise<string[]> {
  const u = new URL(`${loki}/loki/api/v1/query_range`);
  u.searchParams.set('query', q);
  u.searchParams.set('since', '1h');
  u.searchParams.set('limit', '5000');
  const r = await fetch(u);
  expect(r.status).toBe(200);
  const j = (await r.json()) as { data: { result: Array<{ values: string[][] }> } };
  return j.data.result.flatMap((s) => s.values.map((v) => v[1]));
}

function expectAll(got: string[], acked: readonly string[]): void {
  const have = new Set(got);
  expect(acked.filter((l) => !have.has(l))).toEqual([]);
  expect(got.length).toBe(have.size); // each line once
}

/**
 * Writers push (JSON) until the process is killed with SIGKILL; after a restart every acknowledged line is there
 * (WAL replay), each once. Then `/flush` writes the head as chunks and index files into the bucket, the process
 * stops, the WAL (and whatever `wipe` names) is removed, and after another start every acknowledged line comes back
 * from the bucket alone, through selectors and line filters.
 */
export async function runLogsDurability(c: LogsDurabilityCase): Promise<void> {
  writeFileSync(join(c.dir, 'sightline.yaml'), `logs:\n  listen_address: 127.0.0.1:0\n${c.storageYaml}\n`);
  const first = await start(c.dir);
  const acked: string[] = [];
  let seq = 0;
  let stop = false;
  const writer = async (w: number) => {
    while (!stop) {
      const t = BigInt(Date.now()) * 1_000_000n;
      const values: string[][] = [];
      for (let i = 0; i < 20; i++, seq++) values.push([String(t + BigInt(i)), `durable line ${seq} ${seq % 7 === 0 ? 'needle' : 'hay'}`]);
      try {
        const r = await fetch(`${first.loki}/loki/api/v1/push`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ streams: [{ stream: { job: 'durable', writer: String(w) }, values }] }),
        });
        if (r.status === 204) acked.push(...values.map((v) => v[1]));
      } catch {
        return; // connection dropped by the kill
      }
    }
  };
  const writers = [writer(0), writer(1)];
  while (acked.length < 600) await new Promise((r) => setTimeout(r, 10));
  first.s.child.kill('SIGKILL');
  stop = true;
  await Promise.all(writers);
  await first.s.exited;
  const ackedNow = [...acked];
  expect(ackedNow.length).toBeLessThan(5000); // one query_range sees them all

  const second = await start(c.dir);
  expectAll(await query(second.loki, '{job="durable"}'), ackedNow);

  // Move everything into chunks in the object store, stop, and remove the local WAL.
  expect((await fetch(`${second.loki}/flush`, { method: 'POST' })).status).toBe(204);
  second.s.child.kill('SIGTERM');
  expect(await second.s.exited).toBe(0);
  expect((await c.bucket.list('loki-data/chunks/fake/')).length).toBeGreaterThan(0);
  expect((await c.bucket.list('loki-data/index/fake/')).filter((k) => k.endsWith('.json')).length).toBeGreaterThan(0);
  c.afterFlush?.();
  rmSync(join(c.dir, 'data', 'logs', 'wal'), { recursive: true, force: true });
  for (const p of c.wipe) rmSync(join(c.dir, p), { recursive: true, force: true });
  expect(existsSync(join(c.dir, 'data', 'logs', 'wal'))).toBe(false);

  const third = await start(c.dir);
  try {
    const all = await query(third.loki, '{job="durable"}');
    expectAll(all, ackedNow);
    // A line filter over chunks read back from the bucket: exactly the stored lines with the literal (lines whose
    // push was cut by the kill after the WAL write are stored without having been acknowledged).
    const needles = await query(third.loki, '{job="durable"} |= "needle"');
    expect(needles.sort()).toEqual(all.filter((l) => l.endsWith('needle')).sort());
    expectAll(needles, ackedNow.filter((l) => l.endsWith('needle')));
  } finally {
    third.s.child.kill('SIGTERM');
    await third.s.exited;
  }
}
