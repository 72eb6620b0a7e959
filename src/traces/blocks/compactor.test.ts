import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemObjectStore } from '../../storage/index.js';
import { Types, bytesToHex } from '../../otlp/index.js';
import type { ExportTraceServiceRequest } from '../../otlp/index.js';
import { tempDir, waitFor } from '../../../test/helpers/process.js';
import { openTracePipeline } from '../../../test/helpers/trace-pipeline.js';
import type { TracePipeline } from '../pipeline.js';
import { silentLogger } from '../../server/index.js';
import { Compactor } from './compactor.js';
import { encodeBlock } from './block-encoder.js';
import { dataBytesOfMerge, tracesOfMerge } from './block-input.js';

const A = 'aa'.repeat(16);
const B = 'bb'.repeat(16);
const C = 'cc'.repeat(16);

function request(traceHex: string, spanHex: string, service: string, startMs: number): ExportTraceServiceRequest {
  const start = BigInt(startMs) * 1_000_000n;
  return Types.ExportTraceServiceRequest.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ spans: [{ traceId: Buffer.from(traceHex, 'hex'), spanId: Buffer.from(spanHex, 'hex'), name: `op-${service}`, startTimeUnixNano: String(start), endTimeUnixNano: String(start + 1_000_000n) }] }],
      },
    ],
  }) as unknown as ExportTraceServiceRequest;
}

/**
 * Test double around the real filesystem store: ranged reads (trace-by-ID data reads) wait `delayMs` first, so a
 * lookup is reliably still reading a source block while compaction replaces it.
 */
class SlowRangeReads extends FilesystemObjectStore {
  delayMs = 0;
  override async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    return super.getRange(key, offset, length);
  }
}

const open = (dir: string, now: number, objectStore = new SlowRangeReads(join(dir, 'objects'))) =>
  openTracePipeline(dir, { objectStore, now: () => now, compactionMaxBlockBytes: 1 << 20, compactionMaxInputBlocks: 8 });

/** Per trace ID: the span IDs each visit of a search saw. */
async function searchVisits(store: TracePipeline): Promise<Map<string, string[][]>> {
  const out = new Map<string, string[][]>();
  await store.querier.scan('t', { startMs: 0, endMs: Infinity, conditions: [] }, (id, entries) => {
    const v = out.get(id) ?? [];
    v.push(entries.map((e) => bytesToHex(e.span.spanId)).sort());
    out.set(id, v);
    return true;
  });
  return out;
}

/** Block IDs with objects in the store (the filesystem store may leave empty directories behind). */
const blockDirs = (dir: string) =>
  readdirSync(join(dir, 'objects', 'tempo-traces', 't'))
    .filter((b) => readdirSync(join(dir, 'objects', 'tempo-traces', 't', b)).length > 0)
    .sort();

describe('trace block compaction', () => {
  it('merges small blocks and a trace split across them, deletes the sources, and keeps trace-by-ID working', async () => {
    const dir = tempDir();
    const now = 1_700_000_000_000;
    const objects = new SlowRangeReads(join(dir, 'objects'));
    const store = await open(dir, now, objects);
    await store.distributor.pushTraces('t', request(A, '0000000000000001', 'front', now));
    await store.ingester.cutBlocks(true);
    await store.distributor.pushTraces('t', request(A, '0000000000000002', 'back', now + 5));
    await store.distributor.pushTraces('t', request(B, '0000000000000003', 'back', now + 6));
    await store.ingester.cutBlocks(true);
    // A replayed span (same span ID) in a third block, and a third trace.
    await store.distributor.pushTraces('t', request(A, '0000000000000001', 'front', now));
    await store.distributor.pushTraces('t', request(C, '0000000000000004', 'solo', now + 7));
    await store.ingester.cutBlocks(true);
    const sources = blockDirs(dir);
    expect(sources).toHaveLength(3);

    // Before: a search sees trace A in pieces, one per block.
    expect((await searchVisits(store)).get(A)!.length).toBe(3);
    cpSync(join(dir, 'objects', 'tempo-traces', 't', sources[0]), join(dir, 'saved-source'), { recursive: true });

    // Compaction races trace-by-ID lookups: some started before it (still reading the sources when they are
    // replaced), some during and after it; every lookup sees the whole trace.
    objects.delayMs = 40;
    const early = [store.querier.findTrace('t', A), store.querier.findTrace('t', B)];
    const compaction = store.compactor.compact();
    const lookups = Array.from({ length: 20 }, (_, i) => new Promise((r) => setTimeout(r, i * 5)).then(() => store.querier.findTrace('t', A)));
    const [written, earlyB, ...found] = await Promise.all([compaction, early[1], early[0], ...lookups]);
    objects.delayMs = 0;
    expect(written).toBe(1);
    expect(earlyB!.map((e) => e.span.name)).toEqual(['op-back']);
    for (const f of found) expect(f!.map((e) => bytesToHex(e.span.spanId)).sort()).toEqual(['0000000000000001', '0000000000000002']);

    const metas = store.blocks.metas('t');
    expect(metas).toHaveLength(1);
    expect(metas[0]).toMatchObject({ traces: 3, spans: 4, compactionLevel: 1 });
    expect([...metas[0].compactedFrom!].sort()).toEqual(sources);
    await waitFor(() => (blockDirs(dir).length === 1 ? true : undefined), 5000, 'source blocks deleted');
    expect(blockDirs(dir)).toEqual([metas[0].blockId]);

    // After: one visit per trace, with all its spans.
    const after = await searchVisits(store);
    expect(after.get(A)).toEqual([['0000000000000001', '0000000000000002']]);
    expect(after.get(B)).toEqual([['0000000000000003']]);
    expect(after.get(C)).toEqual([['0000000000000004']]);
    expect((await store.querier.findTrace('t', C))!.map((e) => e.span.name)).toEqual(['op-solo']);
    expect(await store.compactor.compact()).toBe(0); // one block left: nothing to merge
    await store.close();

    // A crash after writing the compacted block but before deleting a source: the source is dropped at open.
    cpSync(join(dir, 'saved-source'), join(dir, 'objects', 'tempo-traces', 't', sources[0]), { recursive: true });
    const reopened = await open(dir, now);
    expect(reopened.blocks.metas('t').map((m) => m.blockId)).toEqual([metas[0].blockId]);
    expect(existsSync(join(dir, 'objects', 'tempo-traces', 't', sources[0], 'meta.json'))).toBe(false);
    expect(blockDirs(dir)).toEqual([metas[0].blockId]);
    expect((await searchVisits(reopened)).get(A)).toEqual([['0000000000000001', '0000000000000002']]);
    await reopened.close();
  });

  it('respects the size target and input count: big blocks are left alone, groups are bounded', async () => {
    const dir = tempDir();
    const now = 1_700_000_000_000;
    const store = await openTracePipeline(dir, { now: () => now, compactionMaxBlockBytes: 1 << 20, compactionMaxInputBlocks: 2 });
    for (let i = 0; i < 5; i++) {
      await store.distributor.pushTraces('t', request(String(i + 1).padStart(32, '0'), '000000000000000' + String(i + 1), 's', now + i));
      await store.ingester.cutBlocks(true);
    }
    expect(await store.compactor.compact()).toBe(2); // 5 blocks -> 2 + 2 + 1
    expect(store.blocks.metas('t').map((m) => m.compactionLevel ?? 0).sort()).toEqual([0, 1, 1]);
    expect(await store.compactor.compact()).toBe(1); // the two level-1 blocks merge; the level-0 one is left (max 2 inputs)
    expect(await store.compactor.compact()).toBe(1);
    expect(store.blocks.metas('t')).toHaveLength(1);
    for (let i = 0; i < 5; i++) expect(await store.querier.findTrace('t', String(i + 1).padStart(32, '0'))).toHaveLength(1);
    await store.close();
  });

  it('lets a head cut that falls due during a pass run between its merges, not after the whole pass', async () => {
    const dir = tempDir();
    const now = 1_700_000_000_000;
    const store = await openTracePipeline(dir, { now: () => now });
    for (let i = 0; i < 4; i++) {
      await store.distributor.pushTraces('t', request(String(i + 1).padStart(32, '0'), '000000000000000' + String(i + 1), 's', now + i));
      await store.ingester.cutBlocks(true);
    }
    const written: string[] = [];
    const write = store.blocks.writeEncoded.bind(store.blocks);
    store.blocks.writeEncoded = (tenant, encoded, lineage = {}) => {
      written.push(lineage.compactedFrom ? 'merge' : 'cut');
      return write(tenant, encoded, lineage);
    };
    let cut: Promise<void> | undefined;
    const compactor = new Compactor({
      blocks: store.blocks,
      logger: silentLogger(),
      maxBlockBytes: 1 << 20,
      maxInputBlocks: 2,
      encodeMerge: async (input) => {
        // The head falls due while the first merge runs (4 blocks, 2 inputs each: two merges in this pass).
        if (!cut) {
          await store.distributor.pushTraces('t', request('9'.repeat(32), '0000000000000009', 's', now));
          cut = store.ingester.cutBlocks(true);
        }
        return encodeBlock(tracesOfMerge(input), dataBytesOfMerge(input));
      },
    });
    expect(await compactor.compact()).toBe(2);
    await cut;
    expect(written).toEqual(['merge', 'cut', 'merge']);
    expect(await store.querier.findTrace('t', '9'.repeat(32))).toHaveLength(1);
    await store.close();
  });
});
