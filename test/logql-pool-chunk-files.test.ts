/**
 * A query worker reads a filesystem store's chunk files itself (`ChunkFileReader`, synchronously in the worker):
 * the main thread then reads no chunk, answers are this thread's; a store without local files (as S3) still has its
 * chunks read on the main thread once and served from the stored-chunk cache after.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogStore, LogqlPool, type LogqlEngineOptions } from '../src/logs/index.js';
import { Labels } from '../src/model/index.js';
import { FilesystemObjectStore, type ObjectStore } from '../src/storage/index.js';
import { localAndPooled, logqlAnswer as answer } from './helpers/logql-compare.js';
import { tempDir } from './helpers/process.js';

const T = 1_700_000_000_000;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const OPTS: LogqlEngineOptions = { maxQuerySeries: () => 500, timeoutMs: () => 60_000 };
const range = { tenant: 't', start: ns(T - 60_000), end: ns(T + 10_000_000), stepMs: 60_000, limit: 1000, direction: 'forward' as const };
const QUERIES = ['{app="a"} |= "needle"', 'sum by (level) (count_over_time({app="a"} | logfmt [5m]))'];

/** A filesystem store counting the chunk objects read through `get` (the main thread's reads). */
class CountingStore extends FilesystemObjectStore {
  chunkGets = 0;
  override get(key: string): Promise<Buffer> {
    if (key.includes('/chunks/')) this.chunkGets++;
    return super.get(key);
  }
}

/** The same store seen as a remote one: every method but `localPath`. */
function withoutLocalFiles(s: CountingStore): ObjectStore {
  return { get: (k) => s.get(k), getRange: (k, o, l) => s.getRange(k, o, l), put: (k, d) => s.put(k, d), list: (p) => s.list(p), delete: (k) => s.delete(k), exists: (k) => s.exists(k), size: (k) => s.size(k), openReader: (k) => s.openReader(k) };
}

async function openStore(objects: ObjectStore): Promise<LogStore> {
  const dir = tempDir('sightline-logql-files-');
  const store = await LogStore.open({ walDir: join(dir, 'wal'), objects, prefix: 'loki-data', chunkTargetSize: 4 << 10, fsyncIntervalMs: 1000, indexPeriodMs: 24 * 3600_000, outOfOrderWindowNs: BigInt(3600_000) * 1_000_000n });
  for (let s = 0; s < 3; s++) {
    const [stream] = store.stream('t', Labels.fromObject({ app: 'a', pod: `p${s}` }));
    const ts: bigint[] = [];
    const lines: string[] = [];
    for (let i = 0; i < 1500; i++) {
      ts.push(ns(T + i * 1000) + BigInt(s));
      lines.push(`level=${i % 3 ? 'info' : 'warn'} msg="${i % 300 === 7 ? 'needle' : 'hay'} ${i}"`);
    }
    store.write('t', [{ stream, ts, lines }]);
  }
  await store.flush();
  return store;
}

const pool = new LogqlPool({ workers: 1 });
const local = new CountingStore(tempDir('sightline-logql-files-obj-'));
const remote = new CountingStore(tempDir('sightline-logql-files-obj-'));
let onLocal: LogStore;
let onRemote: LogStore;

beforeAll(async () => {
  onLocal = await openStore(local);
  onRemote = await openStore(withoutLocalFiles(remote));
}, 60_000);

afterAll(async () => {
  await pool.close();
  await onLocal.close();
  await onRemote.close();
});

describe('LogQL pool: chunk files read by the worker', () => {
  it('a filesystem store: the worker reads the chunk files, the main thread none; answers are this thread\'s', async () => {
    for (const query of QUERIES) {
      const { local: inThread, pooled } = localAndPooled(onLocal, pool, OPTS);
      const before = local.chunkGets;
      const got = answer(await pooled.rangeQuery({ ...range, query }));
      expect(local.chunkGets, query).toBe(before);
      expect(got, query).toEqual(answer(await inThread.rangeQuery({ ...range, query })));
      expect(Object.keys(got as object).length, query).toBeGreaterThan(0);
    }
  });

  it('a store without local files: chunks read on the main thread once, then from the stored-chunk cache', async () => {
    const { local: inThread, pooled } = localAndPooled(onRemote, pool, OPTS);
    const query = QUERIES[0];
    const got = answer(await pooled.rangeQuery({ ...range, query }));
    const first = remote.chunkGets;
    expect(first).toBeGreaterThan(3);
    expect(answer(await pooled.rangeQuery({ ...range, query }))).toEqual(got);
    expect(remote.chunkGets).toBe(first);
    expect(got).toEqual(answer(await inThread.rangeQuery({ ...range, query })));
  });
});
