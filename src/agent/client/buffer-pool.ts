/**
 * Buffers for batches, kept for reuse once a batch is encoded: sizes are powers of two (at least 4 KiB), and at
 * most `maxBytes` are kept. A batch's stream buffers and its encoded request come from here, so shipping does not
 * allocate (and leave to the garbage collector) a few megabytes of ArrayBuffers per batch.
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private pooled = 0;

  constructor(private readonly maxBytes: number) {}

  /** A buffer of at least `size` bytes (contents undefined). */
  acquire(size: number): Buffer {
    let cap = 4096;
    while (cap < size) cap *= 2;
    const list = this.free.get(cap);
    const b = list?.pop();
    if (b) {
      this.pooled -= cap;
      return b;
    }
    return Buffer.allocUnsafeSlow(cap);
  }

  /** Give a buffer from `acquire` back (it must no longer be used). */
  release(b: Buffer): void {
    const cap = b.length;
    if ((cap & (cap - 1)) !== 0 || cap < 4096 || this.pooled + cap > this.maxBytes) return;
    let list = this.free.get(cap);
    if (!list) this.free.set(cap, (list = []));
    list.push(b);
    this.pooled += cap;
  }

  /** Bytes held for reuse. */
  get pooledBytes(): number {
    return this.pooled;
  }
}
