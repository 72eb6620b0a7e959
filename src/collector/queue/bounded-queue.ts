import type { ExportRequest, Signal } from '../pipeline/consumer.js';

/** One request waiting to be sent: decoded (in-memory queue) or encoded (persistent queue). */
export interface QueueItem {
  signal: Signal;
  /** Items (spans, points, log records) in it, for self-metrics. */
  count: number;
  data?: ExportRequest;
  bytes?: Uint8Array;
}

export interface QueueEntry {
  id: number;
  item: QueueItem;
}

/** The sending queue of an exporter: `offer` from the pipeline, `poll`/`done` by the consumers that send. */
export interface BoundedQueue {
  readonly capacity: number;
  /** Requests held (waiting or being sent). */
  readonly size: number;
  /** Add a request; false when the queue is full. A persistent queue resolves once the request is durable. */
  offer(item: QueueItem): boolean | Promise<boolean>;
  /** The next request to send; undefined once the queue is closed. */
  poll(): Promise<QueueEntry | undefined>;
  /** The request was sent (or dropped for good): forget it. */
  done(id: number): void;
  /** Stop handing out requests (waiting `poll`s resolve undefined); `done` still records. */
  close(): void;
  /** Close files; nothing is recorded after this. */
  release(): void;
}

/** FIFO hand-off between `offer` and waiting `poll`s. */
export class Waiters {
  private readonly waiting: ((e: QueueEntry | undefined) => void)[] = [];
  get count(): number {
    return this.waiting.length;
  }
  add(resolve: (e: QueueEntry | undefined) => void): void {
    this.waiting.push(resolve);
  }
  /** Give `e` to a waiting consumer; false when none waits. */
  give(e: QueueEntry): boolean {
    const w = this.waiting.shift();
    if (!w) return false;
    w(e);
    return true;
  }
  closeAll(): void {
    for (const w of this.waiting.splice(0)) w(undefined);
  }
}

/** The in-memory sending queue (`sending_queue` without `storage`): lost on a crash, bounded by `queue_size`. */
export class MemoryQueue implements BoundedQueue {
  private readonly items: QueueEntry[] = [];
  private head = 0;
  private inFlight = 0;
  private nextId = 1;
  private closed = false;
  private readonly waiters = new Waiters();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.items.length - this.head + this.inFlight;
  }

  offer(item: QueueItem): boolean {
    if (this.closed || this.size >= this.capacity) return false;
    const e = { id: this.nextId++, item };
    this.inFlight++;
    if (this.waiters.give(e)) return true;
    this.inFlight--;
    this.items.push(e);
    return true;
  }

  poll(): Promise<QueueEntry | undefined> {
    if (this.head < this.items.length) {
      const e = this.items[this.head++];
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items.splice(0, this.head);
        this.head = 0;
      }
      this.inFlight++;
      return Promise.resolve(e);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((res) => this.waiters.add(res));
  }

  done(): void {
    this.inFlight--;
  }

  close(): void {
    this.closed = true;
    this.waiters.closeAll();
  }

  release(): void {
    this.close();
  }
}
