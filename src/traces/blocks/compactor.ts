import { Counter, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { BlockList } from './block-list.js';
import type { TraceBlock } from './trace-block.js';
import { encodeBlock, type EncodedBlock } from './block-encoder.js';
import { dataBytesOfMerge, tracesOfMerge, type MergeInput } from './block-input.js';

export interface CompactorOptions {
  blocks: BlockList;
  logger: Logger;
  registry?: Registry;
  /** Blocks smaller than this are merged, into blocks of up to about this size (default 256 MiB of span data). */
  maxBlockBytes?: number;
  /** At most this many blocks merged at once (default 8). */
  maxInputBlocks?: number;
  /** Merges and encodes the output block (default: on this thread); e.g. `BlockWriterPool.merge`, in a worker thread. */
  encodeMerge?: (input: MergeInput) => Promise<EncodedBlock>;
}

/**
 * Compaction (Tempo's compactor): per tenant, blocks smaller than the target size are merged in start-time order,
 * up to the target size and input count per output block. Spans of a trace found in several inputs end up as one
 * trace (duplicate span IDs dropped), so searches see it whole. The output is written (its meta names its
 * sources) and swapped in before the sources are deleted; queries already running keep the sources until they
 * finish. Runs as block-list maintenance, so never beside a block cut or retention.
 */
export class Compactor {
  private readonly compacted?: Counter;

  constructor(private readonly opts: CompactorOptions) {
    if (opts.registry) {
      this.compacted = new Counter({ name: 'tempodb_compaction_blocks_total', help: 'Total number of blocks compacted.', registers: [opts.registry] });
    }
  }

  /**
   * One compaction pass over every tenant; returns the number of blocks written. Each merge is a maintenance step
   * of its own: a head cut that falls due meanwhile runs before the next merge, not after the whole pass (the heads
   * would otherwise fill up, and pushes be refused, while a pass of several merges runs).
   */
  compact(): Promise<number> {
    const run = this.pass();
    run.catch((e: unknown) => this.opts.logger.error({ component: 'traces', err: e }, 'compaction failed'));
    return run;
  }

  private async pass(): Promise<number> {
    const { blocks } = this.opts;
    const planned = await blocks.maintenance(() => Promise.resolve(this.plan()));
    let written = 0;
    for (const { tenant, inputs } of planned) if (await blocks.maintenance(() => this.mergeIfListed(tenant, inputs))) written++;
    if (written > 0) await blocks.maintenance(() => blocks.collectReplaced());
    return written;
  }

  /** The groups of blocks to merge, per tenant: blocks under the size target in start-time order, bounded in size and count. */
  private plan(): { tenant: string; inputs: TraceBlock[] }[] {
    const { blocks } = this.opts;
    const target = this.opts.maxBlockBytes ?? 256 * 1024 * 1024;
    const maxInputs = Math.max(2, this.opts.maxInputBlocks ?? 8);
    const out: { tenant: string; inputs: TraceBlock[] }[] = [];
    for (const tenant of blocks.tenants()) {
      let cur: TraceBlock[] = [];
      let bytes = 0;
      const close = () => {
        if (cur.length >= 2) out.push({ tenant, inputs: cur });
        cur = [];
        bytes = 0;
      };
      for (const b of blocks.forTenant(tenant)) {
        if (b.meta.dataBytes >= target) continue;
        if (cur.length > 0 && (bytes + b.meta.dataBytes > target || cur.length >= maxInputs)) close();
        cur.push(b);
        bytes += b.meta.dataBytes;
      }
      close();
    }
    return out;
  }

  /** Merge `inputs` when they are all still in the tenant's list (another pass may have merged some since the plan). */
  private async mergeIfListed(tenant: string, inputs: TraceBlock[]): Promise<boolean> {
    const listed = new Set(this.opts.blocks.forTenant(tenant));
    if (!inputs.every((b) => listed.has(b))) return false;
    await this.merge(tenant, inputs);
    return true;
  }

  private async merge(tenant: string, inputs: TraceBlock[]): Promise<void> {
    const input: MergeInput = { datas: [], ids: [], dataOff: [], dataLen: [] };
    for (const b of inputs) {
      const raw = await b.rawTraces();
      // Transferred to the worker: the object store's answer when it is a buffer of its own (a fresh read, unshared),
      // else a copy of exactly the data object (transferring a view would detach the buffer it is a view of).
      const own = raw.data.byteOffset === 0 && raw.data.byteLength === raw.data.buffer.byteLength;
      input.datas.push(own ? raw.data : new Uint8Array(raw.data));
      input.ids.push(raw.ids);
      input.dataOff.push(raw.dataOff);
      input.dataLen.push(raw.dataLen);
    }
    // Which parts make each output trace is worked out with the encoding (in the worker when there is one).
    const encoded = this.opts.encodeMerge ? await this.opts.encodeMerge(input) : encodeBlock(tracesOfMerge(input), dataBytesOfMerge(input));
    const level = 1 + Math.max(...inputs.map((b) => b.meta.compactionLevel ?? 0));
    const out = await this.opts.blocks.writeEncoded(tenant, encoded, { compactionLevel: level, compactedFrom: inputs.map((b) => b.meta.blockId) });
    this.opts.blocks.replace(tenant, inputs);
    this.compacted?.inc(inputs.length);
    const m = out.meta;
    this.opts.logger.info({ component: 'traces', tenant, block: m.blockId, inputs: inputs.length, traces: m.traces, spans: m.spans, level }, 'blocks compacted');
  }
}
