import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemObjectStore } from '../../storage/index.js';
import { tempDir } from '../../../test/helpers/process.js';
import { attributeSpans, openTracePipeline } from '../../../test/helpers/trace-pipeline.js';

/** The real filesystem store, counting whole-object reads by object name (`index`, `bloom`, ...). */
class CountingStore extends FilesystemObjectStore {
  readonly gets = new Map<string, number>();
  override get(key: string): Promise<Buffer> {
    const name = key.slice(key.lastIndexOf('/') + 1);
    this.gets.set(name, (this.gets.get(name) ?? 0) + 1);
    return super.get(key);
  }
}

const traceHex = (i: number) => (i + 1).toString(16).padStart(32, '0');

describe('block index cache', () => {
  it('keeps the index and bloom filter of a block it writes, evicting the least recently used index beyond its budget', async () => {
    const dir = tempDir();
    const objectStore = new CountingStore(join(dir, 'objects'));
    const now = Date.now();
    // Each block: 200 traces, an index of about 11 kB; the budget holds two.
    const p = await openTracePipeline(dir, { objectStore, indexCacheBytes: 24_000 });
    for (let b = 0; b < 3; b++) {
      await p.distributor.pushTraces('t', attributeSpans(200 * b, 200, now, 10));
      await p.ingester.cutBlocks(true);
    }
    expect(p.blocks.forTenant('t')).toHaveLength(3);
    const indexBytes = p.blocks.forTenant('t').map((b) => b.indexBytes);
    // The first block's index was evicted when the third was written; the other two are cached.
    expect(indexBytes[0]).toBe(0);
    expect(indexBytes[1]).toBeGreaterThan(10_000);
    expect(indexBytes[2]).toBeGreaterThan(10_000);
    expect(p.blocks.cachedIndexBytes()).toBeLessThanOrEqual(24_000);

    // Lookups in the two newest blocks read neither an index nor a bloom filter.
    expect(await p.querier.findTrace('t', traceHex(450))).toHaveLength(1);
    expect(await p.querier.findTrace('t', traceHex(250))).toHaveLength(1);
    expect(objectStore.gets.get('index') ?? 0).toBe(0);
    expect(objectStore.gets.get('bloom') ?? 0).toBe(0);
    // A lookup in the first block reads its index again (and the budget evicts the least recently used one).
    expect(await p.querier.findTrace('t', traceHex(10))).toHaveLength(1);
    expect(objectStore.gets.get('index')).toBe(1);
    expect(p.blocks.cachedIndexBytes()).toBeLessThanOrEqual(24_000);
    await p.close();
  });
});
