import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Overrides, TraceLimits } from '../config/index.js';
import type { ObjectStore } from '../storage/index.js';
import type { ResourceSpans } from '../otlp/index.js';
import { BlockList, BlockWriterPool, Compactor, applyRetention } from './blocks/index.js';
import { Distributor } from './distributor/index.js';
import { Ingester } from './ingester/index.js';
import { Querier } from './querier/index.js';

export interface TracePipelineOptions {
  walDir: string;
  walFsyncIntervalMs?: number;
  objectStore: ObjectStore;
  /** Object-store key prefix of the blocks (Tempo's bucket), e.g. `tempo-traces`. */
  bucket: string;
  logger: Logger;
  registry?: Registry;
  /** Per-tenant limits (`traces.limits` + `traces.overrides`). */
  overrides: Overrides<TraceLimits>;
  /** Block retention of tenants whose `block_retention` is 0 (`traces.retention`). */
  retentionMs: number;
  maxBlockDurationMs: number;
  maxBlockBytes: number;
  /** Memory budget for cached block search columns (default 512 MiB). */
  searchCacheBytes?: number;
  /** Memory budget for cached block indexes (default 128 MiB). */
  indexCacheBytes?: number;
  compactionMaxBlockBytes?: number;
  compactionMaxInputBlocks?: number;
  now?: () => number;
  /** Called with the spans of every acknowledged push (after the WAL), e.g. by the metrics generator. */
  onAccepted?: (tenant: string, resourceSpans: ResourceSpans[]) => void;
  /** Encode the blocks of head cuts and compactions in a worker thread (default: on the event loop). */
  blockWorker?: boolean;
  /** Told when the block writer's worker is replaced (for the log). */
  onBlockWorkerExit?: (reason: string) => void;
}

/**
 * The write and read path of the Tempo role, built in dependency order: the block list (object store) first,
 * the ingester writing into it, the distributor in front of the ingester, the querier reading both, and the
 * compactor over the blocks.
 */
export class TracePipeline {
  private constructor(
    readonly blocks: BlockList,
    readonly ingester: Ingester,
    readonly distributor: Distributor,
    readonly querier: Querier,
    readonly compactor: Compactor,
    private readonly retentionFor: (tenant: string) => number,
    private readonly now: () => number,
    private readonly blockWriter: BlockWriterPool | undefined,
  ) {}

  /** Load the block metas from the object store, replay the WAL, and wire the parts. */
  static async open(o: TracePipelineOptions): Promise<TracePipeline> {
    const blocks = await BlockList.open({ objectStore: o.objectStore, bucket: o.bucket, logger: o.logger, registry: o.registry, searchCacheBytes: o.searchCacheBytes, indexCacheBytes: o.indexCacheBytes });
    const blockWriter = o.blockWorker ? new BlockWriterPool({ registry: o.registry, onWorkerExit: o.onBlockWorkerExit }) : undefined;
    const ingester = Ingester.open({
      encodeBlock: blockWriter && ((input) => blockWriter.encode(input)),
      walDir: o.walDir,
      walFsyncIntervalMs: o.walFsyncIntervalMs,
      blocks,
      logger: o.logger,
      registry: o.registry,
      maxBlockDurationMs: o.maxBlockDurationMs,
      maxBlockBytes: o.maxBlockBytes,
      now: o.now,
    });
    const distributor = new Distributor({ ingester, overrides: o.overrides, registry: o.registry, now: o.now, onAccepted: o.onAccepted });
    const compactor = new Compactor({ blocks, logger: o.logger, registry: o.registry, maxBlockBytes: o.compactionMaxBlockBytes, maxInputBlocks: o.compactionMaxInputBlocks, encodeMerge: blockWriter && ((input) => blockWriter.merge(input)) });
    const retentionFor = (tenant: string) => o.overrides.forTenant(tenant).block_retention || o.retentionMs;
    return new TracePipeline(blocks, ingester, distributor, new Querier(ingester, blocks), compactor, retentionFor, o.now ?? Date.now, blockWriter);
  }

  /** Delete blocks past their tenant's retention; returns how many. */
  applyRetention(): Promise<number> {
    return applyRetention(this.blocks, this.now(), this.retentionFor);
  }

  /** Finish queued cuts and compactions, delete replaced blocks no query reads, close the WAL. */
  async close(): Promise<void> {
    await this.ingester.close();
    await this.blockWriter?.close();
    await this.blocks.close();
  }
}
