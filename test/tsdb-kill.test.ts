import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Matcher } from '../src/model/index.js';
import { Tsdb } from '../src/metrics/tsdb/index.js';
import { REPO_ROOT, tempDir, waitFor } from './helpers/process.js';
import { crashHistogram } from './helpers/crash-histogram.js';

const SERIES = 50;

async function runAndKill(dir: string, firstBatch: number, minBatches: number, mode = ''): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/tsdb-crash-writer.child.ts'), dir, String(SERIES), String(firstBatch), mode], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  const lastCommitted = () => {
    const lines = out.split('\n').filter((l) => /^\d+$/.test(l));
    return lines.length > 0 ? Number(lines[lines.length - 1]) : -1;
  };
  try {
    await waitFor(() => lastCommitted() >= firstBatch + minBatches, 40_000, `the writer to commit ${minBatches} batches (stderr: ${err})`);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  expect(child.signalCode).toBe('SIGKILL');
  return lastCommitted();
}

/** `runs`: [first batch, last committed batch] of each run; `histograms`: check `crash_hist` too. */
async function check(dir: string, runs: [number, number][], histograms = false): Promise<void> {
  const want: number[] = [];
  for (const [from, to] of runs) for (let k = from; k <= to; k++) want.push(k);
  const db = await Tsdb.open({ dir, retentionMs: 0, retentionBytes: 0, minBlockDurationMs: 20_000, compactionIntervalMs: 0 });
  try {
    const q = await db.querier(0, Number.MAX_SAFE_INTEGER);
    const series = await q.select([new Matcher('=', '__name__', 'crash_test')], { start: 0, end: Number.MAX_SAFE_INTEGER }, true);
    expect(series).toHaveLength(SERIES);
    for (const s of series) {
      const i = Number(s.labels.get('series'));
      const b = s.samples(0, Number.MAX_SAFE_INTEGER);
      // every committed batch is there, in order, with the right value (a batch committed after the last printed
      // line of a run may be there too: it was durable, the print was not)
      let j = 0;
      for (const k of want) {
        while (j < b.length && b.t[j] < k * 1000) j++;
        if (b.t[j] !== k * 1000 || b.v[j] !== k * 1000 + i) throw new Error(`series ${i}: batch ${k} missing or wrong (found t=${b.t[j]} v=${b.v[j]})`);
      }
    }
    if (histograms) {
      const [h] = await q.select([new Matcher('=', '__name__', 'crash_hist')], { start: 0, end: Number.MAX_SAFE_INTEGER });
      const b = h.samples(0, Number.MAX_SAFE_INTEGER);
      let j = 0;
      for (const k of want) {
        while (j < b.length && b.t[j] < k * 1000) j++;
        const got = b.h?.[j];
        const exp = crashHistogram(k).compact();
        if (b.t[j] !== k * 1000 || !got || got.toString() !== exp.toString().replace('}}', got.hint === 'unknown' ? '}}' : ` counter_reset_hint:${got.hint}}}`)) {
          throw new Error(`histogram of batch ${k} missing or wrong (found t=${b.t[j]} ${got?.toString()})`);
        }
      }
    }
    q.close();
  } finally {
    await db.close();
  }
}

describe('TSDB survives kill -9', () => {
  it('every sample committed before SIGKILL is queryable after reopening, twice in a row, with compaction running', async () => {
    const dir = tempDir('sightline-tsdb-kill-');
    const first = await runAndKill(dir, 0, 150);
    // blocks were cut and the WAL truncated while ingesting
    expect(readdirSync(dir).filter((n) => /^[0-9A-Z]{26}$/.test(n)).length).toBeGreaterThan(0);
    await check(dir, [[0, first]]);
    // the child restarts on the same data (WAL + blocks), appending after what it had
    const start2 = first + 2;
    const second = await runAndKill(dir, start2, 100);
    await check(dir, [
      [0, first],
      [start2, second],
    ]);
  });

  it('native histograms committed before SIGKILL are queryable after reopening (WAL records 7, blocks with histogram chunks)', async () => {
    const dir = tempDir('sightline-tsdb-kill-hist-');
    const first = await runAndKill(dir, 0, 120, 'histograms');
    expect(readdirSync(dir).filter((n) => /^[0-9A-Z]{26}$/.test(n)).length).toBeGreaterThan(0);
    await check(dir, [[0, first]], true);
    const start2 = first + 2;
    const second = await runAndKill(dir, start2, 60, 'histograms');
    await check(
      dir,
      [
        [0, first],
        [start2, second],
      ],
      true,
    );
  });
});
