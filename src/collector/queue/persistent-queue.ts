import { WriteAheadLog } from '../../storage/index.js';
import type { Signal } from '../pipeline/consumer.js';
import { Waiters, type BoundedQueue, type QueueEntry, type QueueItem } from './bounded-queue.js';

const PUT = 1;
const ACK = 2;
const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];
const HEADER = 1 + 6 + 1 + 4;

interface Held {
  entry: QueueEntry;
  segment: number;
}

/** A request put in the log's buffer, acknowledged once the group it belongs to is written. */
interface Unwritten {
  entry: QueueEntry;
  resolve(accepted: boolean): void;
  reject(e: unknown): void;
}

export interface PersistentQueueOptions {
  dir: string;
  capacity: number;
  fsyncIntervalMs?: number;
  segmentSize?: number;
}

/**
 * The persistent sending queue (`sending_queue.storage: file_storage`): a write-ahead log of `put` (request bytes)
 * and `ack` records. `offer` resolves only once the request is written (it survives `kill -9`); a request is acked
 * only after it was sent or dropped for good, so a crash re-sends what was in flight (at least once) and loses
 * nothing. On open, every request put and not acked is queued again in order. Segments whose requests are all acked
 * are deleted.
 *
 * Group commit: the puts and acks of one turn of the event loop are written together by one `writev` (the request
 * bytes are not copied: the log writes them from the encoded request), then every put of the group is resolved.
 */
export class PersistentQueue implements BoundedQueue {
  private readonly wal: WriteAheadLog;
  /** Every request not yet acked, in id order (waiting or in flight). */
  private readonly held = new Map<number, Held>();
  private readonly ready: QueueEntry[] = [];
  private readyHead = 0;
  private nextId = 1;
  private closed = false;
  private released = false;
  private acksSinceCut = 0;
  private keptFrom = -1;
  private readonly waiters = new Waiters();
  /** Puts buffered in the log and not yet written; `flushing` is the scheduled write of the group. */
  private unwritten: Unwritten[] = [];
  private flushing: NodeJS.Immediate | undefined;
  /** Acks buffered in the log since the last write. */
  private unwrittenAcks = 0;
  /** Requests found in the log on open (re-sent after a restart). */
  readonly recovered: number;

  constructor(
    private readonly opts: PersistentQueueOptions,
  ) {
    const puts = new Map<number, { item: QueueItem; segment: number }>();
    const { wal } = WriteAheadLog.open({ dir: opts.dir, fsyncIntervalMs: opts.fsyncIntervalMs ?? 0, segmentSize: opts.segmentSize ?? 16 << 20, backgroundSync: true }, (p, segment) => {
      const id = p.readUIntLE(1, 6);
      if (id >= this.nextId) this.nextId = id + 1;
      if (p[0] === PUT) {
        const signal = SIGNALS[p[7]] ?? 'traces';
        puts.set(id, { item: { signal, count: p.readUInt32LE(8), bytes: Buffer.from(p.subarray(HEADER)) }, segment });
      } else if (p[0] === ACK) puts.delete(id);
    });
    this.wal = wal;
    for (const [id, { item, segment }] of [...puts].sort((a, b) => a[0] - b[0])) {
      const entry = { id, item };
      this.held.set(id, { entry, segment });
      this.ready.push(entry);
    }
    this.recovered = puts.size;
    this.truncate();
  }

  get capacity(): number {
    return this.opts.capacity;
  }

  get size(): number {
    return this.held.size + this.unwritten.length;
  }

  offer(item: QueueItem): Promise<boolean> {
    if (this.closed || this.held.size + this.unwritten.length >= this.opts.capacity) return Promise.resolve(false);
    if (!item.bytes) throw new Error('persistent queue items must be encoded');
    const id = this.nextId++;
    const head = Buffer.allocUnsafe(HEADER);
    head[0] = PUT;
    head.writeUIntLE(id, 1, 6);
    head[7] = SIGNALS.indexOf(item.signal);
    head.writeUInt32LE(item.count >>> 0, 8);
    this.wal.appendParts([head, item.bytes]);
    const entry = { id, item: { signal: item.signal, count: item.count, bytes: item.bytes } };
    return new Promise((resolve, reject) => {
      this.unwritten.push({ entry, resolve, reject });
      this.scheduleWrite();
    });
  }

  private scheduleWrite(): void {
    this.flushing ??= setImmediate(() => this.write());
  }

  /** Write the group (puts and acks buffered since the last write), then hand its puts to the senders. */
  private write(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    const group = this.unwritten;
    this.unwritten = [];
    const acks = this.unwrittenAcks;
    this.unwrittenAcks = 0;
    try {
      this.wal.flush();
    } catch (e) {
      for (const u of group) u.reject(e);
      return;
    }
    const segment = this.wal.currentSegment;
    for (const { entry, resolve } of group) {
      this.held.set(entry.id, { entry, segment });
      if (!this.waiters.give(entry)) this.ready.push(entry);
      resolve(true);
    }
    if (acks === 0) return;
    this.acksSinceCut += acks;
    if (this.held.size === 0 && this.unwritten.length === 0 && this.acksSinceCut >= 4096) {
      this.wal.cut();
      this.acksSinceCut = 0;
    }
    this.truncate();
  }

  poll(): Promise<QueueEntry | undefined> {
    if (this.readyHead < this.ready.length) {
      const e = this.ready[this.readyHead++];
      if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
        this.ready.splice(0, this.readyHead);
        this.readyHead = 0;
      }
      return Promise.resolve(e);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((res) => this.waiters.add(res));
  }

  done(id: number): void {
    if (this.released || !this.held.delete(id)) return;
    const rec = Buffer.allocUnsafe(7);
    rec[0] = ACK;
    rec.writeUIntLE(id, 1, 6);
    this.wal.append(rec);
    this.unwrittenAcks++;
    this.scheduleWrite();
  }

  /** Delete the segments before the oldest request still held. */
  private truncate(): void {
    const oldest = this.held.values().next();
    const keepFrom = oldest.done ? this.wal.currentSegment : oldest.value.segment;
    if (keepFrom <= this.keptFrom) return;
    this.wal.truncateBefore(keepFrom);
    this.keptFrom = keepFrom;
  }

  close(): void {
    this.closed = true;
    this.waiters.closeAll();
  }

  release(): void {
    this.close();
    if (this.released) return;
    this.write();
    this.released = true;
    this.wal.close();
  }
}
