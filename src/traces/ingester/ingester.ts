import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { WriteAheadLog } from '../../storage/index.js';
import { decodeTracesRequest, type ResourceSpans } from '../../otlp/index.js';
import { TracePushError } from '../model/index.js';
import { dataBytesOfInput, encodeBlock, tracesOfInput, type BlockInput, type BlockList, type EncodedBlock } from '../blocks/index.js';
import { appendToHead, blockInput, newHead, type Head, type HeadTrace } from './head.js';
import { decodeWalRecord, walRecordHeader } from './wal-record.js';

export interface IngesterOptions {
  walDir: string;
  walFsyncIntervalMs?: number;
  /** Where cut heads go. */
  blocks: BlockList;
  /** Encodes the block of a cut (default: on this thread); e.g. `BlockWriterPool.encode`, in a worker thread. */
  encodeBlock?: (input: BlockInput) => Promise<EncodedBlock>;
  logger: Logger;
  registry?: Registry;
  /** Cut the head into blocks when its oldest data is this old ... */
  maxBlockDurationMs: number;
  /** ... or when it holds this many bytes of span data. Pushes are refused while the heads hold 2× this. */
  maxBlockBytes: number;
  now?: () => number;
}

/** Pushes are refused while the heads (the live one and those being written) hold this many `maxBlockBytes`. */
const HEADS_LIMIT_BLOCKS = 2;
/**
 * A push that finds the heads full waits for a head being written to become a block, at most this long, before it
 * is refused (retryably): well under OTLP exporters' request timeouts (5–10 s).
 */
export const HEADS_WAIT_MS = 2_000;
/** Pushes waiting for room hold at most this fraction of `maxBlockBytes` of payload; more are refused at once. */
const WAITING_LIMIT_BLOCKS = 0.25;

/** A push waiting for room in the heads. */
interface Waiter {
  bytes: number;
  timer: NodeJS.Timeout;
  resolve: (room: boolean) => void;
}

interface Snapshot {
  head: Head;
  /** WAL segments [fromSeg, toSeg) hold this snapshot's records. */
  fromSeg: number;
  toSeg: number;
}

/**
 * The ingester (Tempo's ingester): accepted spans are appended to the write-ahead log and flushed before the push
 * is acknowledged, grouped per trace in the head, and cut into immutable blocks in the object store when the head
 * is old or big enough. The WAL is truncated once the blocks of a cut are written; at open it is replayed.
 */
export class Ingester {
  private wal!: WriteAheadLog;
  private head: Head = newHead();
  private readonly flushing: Snapshot[] = [];
  private lastCutSeg = 0;
  /** A cut queued by a push (the head reached a block's worth, or pushes are refused) has not started yet. */
  private cutQueued = false;
  /** Pushes waiting for room in the heads, oldest first, and their payload bytes. */
  private readonly waiting: Waiter[] = [];
  private waitingBytes = 0;
  private readonly now: () => number;
  private readonly m?: { flushed: Counter; liveTraces: Gauge };

  private constructor(private readonly opts: IngesterOptions) {
    this.now = opts.now ?? Date.now;
    const r = opts.registry;
    if (r) {
      this.m = {
        flushed: new Counter({ name: 'tempo_ingester_blocks_flushed_total', help: 'The total number of blocks flushed', registers: [r] }),
        liveTraces: new Gauge({ name: 'tempo_ingester_live_traces', help: 'The current number of live traces per tenant.', labelNames: ['tenant'], registers: [r] }),
      };
    }
  }

  /** Open: replay the WAL into the head. */
  static open(opts: IngesterOptions): Ingester {
    const ing = new Ingester(opts);
    let replayed = 0;
    const { wal, stats } = WriteAheadLog.open({ dir: opts.walDir, fsyncIntervalMs: opts.walFsyncIntervalMs }, (record) => {
      const { tenant, payload } = decodeWalRecord(record);
      ing.apply(tenant, decodeTracesRequest(payload).resourceSpans ?? [], record.length);
      replayed++;
    });
    ing.wal = wal;
    // Everything replayed lives in segments before the current one; the next cut covers it.
    ing.lastCutSeg = 0;
    if (replayed > 0 || stats.repaired) opts.logger.info({ component: 'traces', records: replayed, segments: stats.segments, repaired: stats.repaired }, 'trace WAL replayed');
    return ing;
  }

  /**
   * Make accepted spans (`payload`: their encoded `ExportTraceServiceRequest`) durable, then visible. Throws
   * `TracePushError` 'live_traces_exceeded' while block writes lag behind (the heads hold 2× `maxBlockBytes`),
   * 'unavailable' when the WAL cannot be written.
   */
  push(tenant: string, resourceSpans: ResourceSpans[], payload: Uint8Array): void {
    // The head holds everything not yet in blocks; refuse (retryably) rather than grow without bound while block
    // writes lag behind. Two blocks' worth: one head being written, one filling. More queued heads would not
    // write blocks any faster, only hold more request bodies (most of the process's memory under a steady load).
    const headBytes = this.headBytes();
    const limit = HEADS_LIMIT_BLOCKS * this.opts.maxBlockBytes;
    if (headBytes + payload.length > limit) {
      this.cutWhenDue();
      throw new TracePushError('live_traces_exceeded', `LIVE_TRACES_EXCEEDED: the head holds ${Math.round(headBytes)} bytes not yet written to blocks (limit ${limit}); retry later`);
    }
    // Durable before visible, and before the client hears back.
    try {
      this.wal.appendParts([walRecordHeader(tenant), payload]);
      this.wal.flush();
    } catch (e) {
      throw new TracePushError('unavailable', `write-ahead log: ${(e as Error).message}`);
    }
    this.apply(tenant, resourceSpans, payload.length);
    // Cut as soon as the head is a block's worth, not at the next flush check: the head being written is then no
    // bigger than a block, and the one filling has the other half of the bound before pushes are refused.
    if (this.head.bytes >= this.opts.maxBlockBytes) this.cutWhenDue();
  }

  /**
   * Back-pressure before refusing: undefined when a push of `bytes` may go ahead now (the heads have room and no
   * earlier push waits for it), else a promise that settles when it may be tried — true once a head being written
   * became a block and left room (waiting pushes are let in oldest first), false after `HEADS_WAIT_MS` or at once
   * when the waiting pushes already hold their bound (then `push` refuses it as before). The client's push waits
   * instead of being refused, decoded again and resent while the block writer catches up.
   */
  waitForRoom(bytes: number): Promise<boolean> | undefined {
    if (this.waiting.length === 0 && this.headBytes() + bytes <= HEADS_LIMIT_BLOCKS * this.opts.maxBlockBytes) return undefined;
    if (this.waitingBytes + bytes > WAITING_LIMIT_BLOCKS * this.opts.maxBlockBytes) return Promise.resolve(false);
    this.cutWhenDue();
    return new Promise<boolean>((resolve) => {
      const w: Waiter = { bytes, resolve, timer: setTimeout(() => this.release(w, false), HEADS_WAIT_MS) };
      this.waiting.push(w);
      this.waitingBytes += bytes;
    });
  }

  /** Let waiting pushes in, oldest first, while the heads have room for them. */
  private admitWaiting(): void {
    let room = HEADS_LIMIT_BLOCKS * this.opts.maxBlockBytes - this.headBytes();
    while (this.waiting.length > 0 && this.waiting[0].bytes <= room) {
      const w = this.waiting[0];
      room -= w.bytes;
      this.release(w, true);
    }
  }

  private release(w: Waiter, room: boolean): void {
    const i = this.waiting.indexOf(w);
    if (i < 0) return;
    this.waiting.splice(i, 1);
    this.waitingBytes -= w.bytes;
    clearTimeout(w.timer);
    w.resolve(room);
  }

  /** Bytes of span data in the heads (the live one and those being written). */
  private headBytes(): number {
    let n = this.head.bytes;
    for (const s of this.flushing) n += s.head.bytes;
    return n;
  }

  /** Queue one cut (if none is queued yet) that cuts the head if it is due by then. */
  private cutWhenDue(): void {
    if (this.cutQueued) return;
    this.cutQueued = true;
    void this.opts.blocks
      .maintenance(() => {
        this.cutQueued = false;
        return this.cut(false);
      })
      .catch((e: unknown) => this.opts.logger.error({ component: 'traces', err: e }, 'cutting blocks failed'));
  }

  private apply(tenant: string, resourceSpans: ResourceSpans[], bytes: number): void {
    const live = appendToHead(this.head, tenant, resourceSpans, bytes, this.now());
    this.m?.liveTraces.set({ tenant }, live);
  }

  /** Estimated bytes of a trace in the live head (0 when it is not there). */
  liveTraceBytes(tenant: string, traceIdHex: string): number {
    return this.head.traces.get(tenant)?.get(traceIdHex)?.bytes ?? 0;
  }

  /** Whether a trace is in the live head. */
  isLive(tenant: string, traceIdHex: string): boolean {
    return this.head.traces.get(tenant)?.has(traceIdHex) ?? false;
  }

  /** Traces of a tenant in the live head (Tempo's live traces). */
  liveTraceCount(tenant: string): number {
    return this.head.traces.get(tenant)?.size ?? 0;
  }

  /** The live head and the heads being written to blocks, newest first. */
  heads(): Head[] {
    return [this.head, ...this.flushing.map((s) => s.head)];
  }

  /** A trace's parts in every head. */
  headTraces(tenant: string, traceIdHex: string): HeadTrace[] {
    const out: HeadTrace[] = [];
    for (const h of this.heads()) {
      const t = h.traces.get(tenant)?.get(traceIdHex);
      if (t) out.push(t);
    }
    return out;
  }

  /** Spans currently in the heads (all tenants). */
  headSpanCount(): number {
    let n = 0;
    for (const h of this.heads()) for (const m of h.traces.values()) for (const t of m.values()) n += t.index.length;
    return n;
  }

  /** Cut the head into blocks when due (or now, with `force`), write them and truncate the WAL. */
  cutBlocks(force = false): Promise<void> {
    return this.opts.blocks.maintenance(() => this.cut(force)).catch((e: unknown) => this.opts.logger.error({ component: 'traces', err: e }, 'cutting blocks failed'));
  }

  private async cut(force: boolean): Promise<void> {
    const h = this.head;
    const due = h.bytes > 0 && (force || h.bytes >= this.opts.maxBlockBytes || this.now() - h.firstAppendMs >= this.opts.maxBlockDurationMs);
    if (due) {
      const seg = this.wal.cut();
      this.flushing.push({ head: h, fromSeg: this.lastCutSeg, toSeg: seg });
      this.lastCutSeg = seg;
      this.head = newHead();
      for (const t of h.traces.keys()) this.m?.liveTraces.set({ tenant: t }, 0);
    }
    while (this.flushing.length > 0) {
      const snap = this.flushing[0];
      for (const [tenant, traces] of snap.head.traces) {
        if (traces.size === 0) continue;
        const input = blockInput(traces);
        const encoded = this.opts.encodeBlock ? await this.opts.encodeBlock(input) : encodeBlock(tracesOfInput(input), dataBytesOfInput(input));
        const block = await this.opts.blocks.writeEncoded(tenant, encoded);
        snap.head.traces.delete(tenant);
        this.m?.flushed.inc();
        const meta = block.meta;
        this.opts.logger.info({ component: 'traces', tenant, block: meta.blockId, traces: meta.traces, spans: meta.spans }, 'block flushed');
      }
      this.flushing.shift();
      this.wal.truncateBefore(this.flushing.length > 0 ? this.flushing[0].fromSeg : snap.toSeg);
      this.admitWaiting();
    }
  }

  /** Close the WAL (cuts already queued run first). */
  async close(): Promise<void> {
    while (this.waiting.length > 0) this.release(this.waiting[0], false);
    await this.opts.blocks.maintenance(() => Promise.resolve()).catch(() => undefined);
    this.wal.close();
  }
}
