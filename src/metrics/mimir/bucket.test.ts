import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/process.js';
import { silentLogger } from '../../server/index.js';
import { FilesystemObjectStore } from '../../storage/index.js';
import { Block, type BlockMeta } from '../tsdb/index.js';
import { deleteBlock, uploadBlock } from './block-shipper.js';
import { BucketBlocks } from './bucket-blocks.js';
import { DiskCacheBudget } from './disk-cache-budget.js';
import { mergeSampleBatches } from './merge-querier.js';

const batch = (t: number[], v: number[]) => ({ t: Float64Array.from(t), v: Float64Array.from(v), length: t.length });

function meta(ulid: string, minTime: number, maxTime: number): BlockMeta {
  return { ulid, minTime, maxTime, stats: { numSamples: 0, numSeries: 0, numChunks: 0 }, compaction: { level: 1, sources: [ulid] }, version: 1 };
}

function fakeBlockDir(root: string, m: BlockMeta): string {
  const dir = join(root, m.ulid);
  mkdirSync(join(dir, 'chunks'), { recursive: true });
  writeFileSync(join(dir, 'index'), 'index-bytes');
  writeFileSync(join(dir, 'chunks', '000001'), 'chunk-bytes');
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(m));
  return dir;
}

describe('mergeSampleBatches', () => {
  it('interleaves by time and keeps one sample per timestamp (the first batch wins)', () => {
    const m = mergeSampleBatches(batch([1, 3, 5, 7], [10, 30, 50, 70]), batch([2, 3, 6, 7, 9], [20, -1, 60, -1, 90]));
    expect(Array.from(m.t.subarray(0, m.length))).toEqual([1, 2, 3, 5, 6, 7, 9]);
    expect(Array.from(m.v.subarray(0, m.length))).toEqual([10, 20, 30, 50, 60, 70, 90]);
    expect(mergeSampleBatches(batch([], []), batch([4], [4])).length).toBe(1);
  });
});

describe('block shipping and the bucket view', () => {
  it('uploads meta.json last, so a block is listed only once complete', async () => {
    const store = new FilesystemObjectStore(tempDir('mimir-bucket-'));
    const order: string[] = [];
    // Test double: records the order of puts on a real filesystem store.
    const recording = Object.assign(Object.create(store) as FilesystemObjectStore, {
      put: async (k: string, d: Buffer | Uint8Array) => {
        order.push(k);
        await store.put(k, d);
      },
    });
    const m = meta('01JAAAAAAAAAAAAAAAAAAAAAAA', 0, 3600_000);
    await uploadBlock(recording, 't1', fakeBlockDir(tempDir('mimir-local-'), m), m);
    expect(order).toEqual(['t1/01JAAAAAAAAAAAAAAAAAAAAAAA/chunks/000001', 't1/01JAAAAAAAAAAAAAAAAAAAAAAA/index', 't1/01JAAAAAAAAAAAAAAAAAAAAAAA/meta.json']);
  });

  it('ignores blocks without meta.json or with a deletion mark, and tenants do not see each other', async () => {
    const store = new FilesystemObjectStore(tempDir('mimir-bucket-'));
    const local = tempDir('mimir-local-');
    const a = meta('01JBBBBBBBBBBBBBBBBBBBBBBB', 0, 3600_000);
    const b = meta('01JCCCCCCCCCCCCCCCCCCCCCCC', 3600_000, 7200_000);
    await uploadBlock(store, 't1', fakeBlockDir(local, a), a);
    await uploadBlock(store, 't1', fakeBlockDir(local, b), b);
    await store.put('t1/01JDDDDDDDDDDDDDDDDDDDDDDD/index', Buffer.from('half-uploaded'));
    await store.put(`t1/${b.ulid}/deletion-mark.json`, Buffer.from('{}'));
    await uploadBlock(store, 't2', fakeBlockDir(tempDir('mimir-local-'), a), a);

    const view = new BucketBlocks('t1', store, tempDir('mimir-cache-'), 60_000, silentLogger());
    expect((await view.list()).map((m) => m.ulid)).toEqual([a.ulid]);
    const cached = await view.open(a);
    expect(cached.meta.ulid).toBe(a.ulid);

    await deleteBlock(store, 't1', a.ulid);
    expect(await store.list(`t1/${a.ulid}/`)).toEqual([]);
    await view.sync();
    expect(await view.list()).toEqual([]);
    expect((await new BucketBlocks('t2', store, tempDir('mimir-cache-'), 60_000, silentLogger()).list()).map((m) => m.ulid)).toEqual([a.ulid]);
  });
});

describe('DiskCacheBudget', () => {
  it('evicts the least recently used blocks nobody reads until the cache fits', () => {
    const root = tempDir('mimir-cache-');
    const blocks = ['01JEEEEEEEEEEEEEEEEEEEEEEE', '01JFFFFFFFFFFFFFFFFFFFFFFF', '01JGGGGGGGGGGGGGGGGGGGGGGG'].map((id, i) => {
      const b = Block.open(fakeBlockDir(root, meta(id, i * 1000, (i + 1) * 1000)));
      b.lastUsed = i;
      return b;
    });
    const budget = new DiskCacheBudget(Math.floor(blocks[0].size * 2.5));
    const evicted: string[] = [];
    const add = (b: Block) => budget.add(b.meta.ulid, b, () => evicted.push(b.meta.ulid));
    blocks[0].acquire(); // in use: never evicted
    add(blocks[0]);
    add(blocks[1]);
    expect(evicted).toEqual([]);
    add(blocks[2]);
    // 3 blocks > 2.5: block 0 is older but in use, block 2 was just added, so block 1 goes.
    expect(evicted).toEqual(['01JFFFFFFFFFFFFFFFFFFFFFFF']);
    expect(budget.bytes).toBe(blocks[0].size + blocks[2].size);
    blocks[0].releaseReader();
    budget.add('01JHHHHHHHHHHHHHHHHHHHHHHH', Block.open(fakeBlockDir(root, meta('01JHHHHHHHHHHHHHHHHHHHHHHH', 0, 1))), () => evicted.push('H'));
    expect(evicted).toEqual(['01JFFFFFFFFFFFFFFFFFFFFFFF', '01JEEEEEEEEEEEEEEEEEEEEEEE']);
  });
});
