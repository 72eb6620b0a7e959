import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemObjectStore, type ObjectReader } from '../../storage/index.js';
import { tempDir } from '../../../test/helpers/process.js';
import { attributeSpans, openTracePipeline } from '../../../test/helpers/trace-pipeline.js';

/** The real filesystem store, counting whole-object reads by object name (`index`, `bloom`, ...). */
class CountingStore extends FilesystemObjectStore {
  readonly gets = new Map<string, number>();
  readonly opened = new Map<string, number>();
  rangeReads = 0;
  override get(key: string): Promise<Buffer> {
    const name = key.slice(key.lastIndexOf('/') + 1);
    this.gets.set(name, (this.gets.get(name) ?? 0) + 1);
    return super.get(key);
  }
  override getRange(key: string, offset: number, length: number): Promise<Buffer> {
    this.rangeReads++;
    return super.getRange(key, offset, length);
  }
  override openReader(key: string): Promise<ObjectReader> {
    this.opened.set(key, (this.opened.get(key) ?? 0) + 1);
    return super.openReader(key);
  }
}

/** Files under `dir` this process holds open (Linux: /proc/self/fd), deleted ones with their ` (deleted)` suffix. */
function openFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out;
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

  it('reads a trace with one read of the data object it keeps open, and closes the objects of evicted and deleted blocks', async () => {
    const dir = tempDir();
    const objectStore = new CountingStore(join(dir, 'objects'));
    const now = Date.now();
    const p = await openTracePipeline(dir, { objectStore, indexCacheBytes: 24_000, compactionMaxInputBlocks: 8 });
    for (let b = 0; b < 3; b++) {
      await p.distributor.pushTraces('t', attributeSpans(200 * b, 200, now, 10));
      await p.ingester.cutBlocks(true);
    }
    const [first, second, third] = p.blocks.forTenant('t').map((b) => `${b.dir}/data`);
    // Each written block opened its data object; the first was closed with its index (the budget holds two).
    expect([first, second, third].map((k) => objectStore.opened.get(k))).toEqual([1, 1, 1]);
    await new Promise((r) => setTimeout(r, 50));
    expect(openFilesUnder(dir).filter((f) => f.endsWith('/data')).sort()).toEqual([second, third].map((k) => join(dir, 'objects', k)).sort());

    // Lookups in the cached blocks: no range read, one read of the open data object each; a data object is opened
    // again only with an index read again (a bloom filter's false positive in the evicted block evicts another).
    const opens = () => [...objectStore.opened.values()].reduce((a, b) => a + b, 0);
    for (let i = 0; i < 20; i++) expect(await p.querier.findTrace('t', traceHex(200 + ((i * 37) % 400)))).toHaveLength(1);
    expect(objectStore.rangeReads).toBe(0);
    expect(opens()).toBe(3 + (objectStore.gets.get('index') ?? 0));
    // The evicted block opens its data object again, once, with its index.
    const before = objectStore.opened.get(first)!;
    expect(await p.querier.findTrace('t', traceHex(10))).toHaveLength(1);
    expect(await p.querier.findTrace('t', traceHex(11))).toHaveLength(1);
    expect(objectStore.opened.get(first)).toBe(before + 1);
    expect(opens()).toBe(3 + objectStore.gets.get('index')!);
    expect(objectStore.rangeReads).toBe(0);

    await p.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(openFilesUnder(dir).filter((f) => f.endsWith('/data'))).toEqual([]);
  });

  it('closes the data objects of blocks compaction replaced, so no deleted file stays on disk', async () => {
    const dir = tempDir();
    const p = await openTracePipeline(dir);
    const now = Date.now();
    for (let b = 0; b < 3; b++) {
      await p.distributor.pushTraces('t', attributeSpans(200 * b, 200, now, 10));
      await p.ingester.cutBlocks(true);
    }
    for (const i of [10, 250, 450]) expect(await p.querier.findTrace('t', traceHex(i))).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(openFilesUnder(dir).filter((f) => f.endsWith('/data'))).toHaveLength(3);
    expect(await p.compactor.compact()).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    const held = openFilesUnder(dir);
    expect(held.filter((f) => f.includes('(deleted)'))).toEqual([]);
    expect(held.filter((f) => f.endsWith('/data'))).toEqual([join(dir, 'objects', `${p.blocks.forTenant('t')[0].dir}/data`)]);
    expect(await p.querier.findTrace('t', traceHex(10))).toHaveLength(1);
    await p.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(openFilesUnder(dir).filter((f) => f.endsWith('/data'))).toEqual([]);
  });
});
