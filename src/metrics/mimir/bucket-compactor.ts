import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ObjectStore } from '../../storage/index.js';
import { Labels } from '../../model/index.js';
import { chunksForMergedBlock, outOfOrderBlocksFirst, planCompaction, ulid, writeBlock, type Block, type BlockMeta, type ChunkSource, type SeriesToWrite } from '../tsdb/index.js';
import { deleteBlock, uploadBlock } from './block-shipper.js';
import type { BucketBlocks } from './bucket-blocks.js';
import type { MimirMetrics } from './mimir-metrics.js';

export interface CompactorOptions {
  store: ObjectStore;
  /** Scratch space for merged blocks before upload. */
  workDir: string;
  /** Merge ranges, smallest first (the first is the ingesters' block range). */
  ranges: number[];
  /** Bucket retention of a tenant in ms (0 = keep forever). */
  retentionFor: (tenant: string) => number;
  metrics: MimirMetrics;
  logger: Logger;
  now?: () => number;
}

/**
 * The compactor of one bucket: per tenant, deletes blocks past the retention (by wall clock: a block whose maxTime
 * is older than now − retention, as Mimir's blocks cleaner), then merges blocks lying in one aligned range into a
 * larger block (the leveled plan of the TSDB: ranges grow, the newest block is left alone), uploads it (meta.json
 * last) and deletes the sources (deletion mark first).
 */
export class BucketCompactor {
  private running: Promise<void> | null = null;

  constructor(private readonly opts: CompactorOptions) {}

  /** One pass over the given tenants; concurrent calls wait for the running pass. */
  async run(tenants: BucketBlocks[]): Promise<void> {
    while (this.running) await this.running;
    this.running = this.pass(tenants).finally(() => (this.running = null));
    return this.running;
  }

  /** Resolves when no pass is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => {});
  }

  private async pass(tenants: BucketBlocks[]): Promise<void> {
    for (const t of tenants) {
      try {
        await t.sync();
        await this.applyRetention(t);
        for (;;) {
          const group = planCompaction(await t.list(), this.opts.ranges);
          if (!group) break;
          await this.merge(t, group);
        }
        this.opts.metrics.compactorRuns.inc({ status: 'success' });
      } catch (e) {
        this.opts.metrics.compactorRuns.inc({ status: 'failed' });
        this.opts.logger.error({ err: e, tenant: t.tenant }, 'bucket compaction failed');
      }
    }
  }

  private async applyRetention(t: BucketBlocks): Promise<void> {
    const retention = this.opts.retentionFor(t.tenant);
    if (retention <= 0) return;
    const cutoff = (this.opts.now ?? Date.now)() - retention;
    for (const m of await t.list()) {
      if (m.maxTime >= cutoff) continue;
      this.opts.logger.info({ tenant: t.tenant, ulid: m.ulid, maxTime: m.maxTime }, 'deleting bucket block past retention');
      await deleteBlock(this.opts.store, t.tenant, m.ulid);
      t.removed(m.ulid);
      this.opts.metrics.blocksDeletedByRetention.inc({ user: t.tenant });
    }
  }

  private async merge(t: BucketBlocks, group: BlockMeta[]): Promise<void> {
    const started = Date.now();
    const blocks: Block[] = [];
    for (const m of group) {
      const b = await t.open(m);
      b.acquire();
      blocks.push(b);
    }
    const dir = join(this.opts.workDir, t.tenant);
    mkdirSync(dir, { recursive: true });
    let meta: BlockMeta | null = null;
    try {
      const byKey = new Map<string, { labels: Labels; parts: { block: Block; chunks: Float64Array }[] }>();
      // Blocks cut from an out-of-order head first: their sample wins a timestamp tie, as in the ingester's queries.
      for (const b of outOfOrderBlocksFirst(blocks)) {
        for (const bs of b.readSeries(b.allPostings())) {
          const k = bs.labels.key();
          let e = byKey.get(k);
          if (!e) byKey.set(k, (e = { labels: bs.labels, parts: [] }));
          e.parts.push({ block: b, chunks: bs.chunks });
        }
      }
      const entries = [...byKey.values()].sort((a, b) => Labels.compare(a.labels, b.labels));
      function* gen(): Generator<SeriesToWrite> {
        for (const e of entries) {
          const chunks: ChunkSource[] = [];
          for (const p of e.parts) {
            const c = p.chunks;
            for (let i = 0; i < c.length; i += 3) chunks.push({ minT: c[i], maxT: c[i + 1], ...p.block.readChunkWithEncoding(c[i + 2]) });
          }
          // Overlapping blocks (an out-of-order block and the in-order one of its range): re-encoded in order.
          yield { labels: e.labels, chunks: e.parts.length > 1 ? chunksForMergedBlock(chunks) : chunks };
        }
      }
      const id = ulid();
      meta = await writeBlock(dir, id, Math.min(...group.map((m) => m.minTime)), Math.max(...group.map((m) => m.maxTime)), gen(), {
        level: Math.max(...group.map((m) => m.compaction.level)) + 1,
        sources: [...new Set(group.flatMap((m) => m.compaction.sources))].sort(),
        parents: group.map((m) => ({ ulid: m.ulid, minTime: m.minTime, maxTime: m.maxTime })),
      });
      if (meta) {
        const bytes = await uploadBlock(this.opts.store, t.tenant, join(dir, meta.ulid), meta);
        t.added(meta);
        this.opts.metrics.blocksUploaded.inc({ user: t.tenant, source: 'compactor' });
        this.opts.metrics.uploadedBytes.inc({ user: t.tenant }, bytes);
      }
    } finally {
      for (const b of blocks) b.releaseReader();
      if (meta) rmSync(join(dir, meta.ulid), { recursive: true, force: true });
    }
    for (const m of group) {
      await deleteBlock(this.opts.store, t.tenant, m.ulid);
      t.removed(m.ulid);
    }
    this.opts.metrics.compactions.inc({ user: t.tenant });
    this.opts.logger.info({ tenant: t.tenant, ulid: meta?.ulid, sources: group.map((m) => m.ulid), durationMs: Date.now() - started }, 'compacted bucket blocks');
  }
}
