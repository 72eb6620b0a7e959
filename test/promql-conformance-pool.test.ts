import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScript } from '../src/metrics/promql/promqltest/index.js';
import { PooledEngine, QueryPool } from '../src/metrics/promql/index.js';

/**
 * Prometheus's PromQL corpus evaluated in the query pool's worker threads (storage in this thread, evaluation in a
 * worker, series and results crossing the boundary) against the same corpus on this thread's engine: every case
 * must pass or fail alike, with the same error.
 */
const DIR = join(import.meta.dirname, 'conformance', 'promql');
const pool = new QueryPool({ workers: 2 });

afterAll(() => pool.close());

describe('PromQL corpus through the query pool', () => {
  it('gives the same outcome for every case as the in-thread engine', async () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.test')).sort();
    const diffs: string[] = [];
    let total = 0;
    let passed = 0;
    for (const f of files) {
      const text = readFileSync(join(DIR, f), 'utf8');
      const local = await runScript(text);
      const pooled = await runScript(text, {}, undefined, (s, o) => new PooledEngine(pool, s, o));
      expect(pooled.length).toBe(local.length);
      for (let i = 0; i < local.length; i++) {
        total++;
        if (pooled[i].passed) passed++;
        if (pooled[i].passed !== local[i].passed || pooled[i].error !== local[i].error) {
          diffs.push(`${f}:${local[i].line} ${local[i].expr}: in-thread ${local[i].error ?? 'pass'}, pool ${pooled[i].error ?? 'pass'}`);
        }
      }
    }
    console.log(`pool: ${passed}/${total} cases pass, ${diffs.length} differ from the in-thread engine`);
    expect(total).toBeGreaterThan(1000);
    expect(diffs).toEqual([]);
    expect(pool.workers).toBeGreaterThan(0);
  }, 180_000);
});
