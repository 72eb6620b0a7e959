/**
 * Buffers for batches, kept for reuse once a batch is encoded, at most `maxBytes` of them. Sizes are powers of two
 * up to 64 KiB and multiples of 64 KiB above (a 1 MiB batch with its framing takes 1.125 MiB, not 2); `acquire`
 * takes the smallest kept buffer that is large enough. A batch's buffer and its encoded request come from here, so
 * shipping does not allocate (and leave to the garbage collector) a few megabytes of ArrayBuffers per batch.
 */
export class BufferPool {
  /** Kept buffers, smallest first. */
  private readonly free: Buffer[] = [];
  private pooled = 0;

  constructor(private readonly maxBytes: number) {}

  /** A buffer of at least `size` bytes (contents undefined). */
  acquire(size: number): Buffer {
    const free = this.free;
    for (let i = 0; i < free.length; i++) {
      if (free[i].length >= size) {
        const b = free[i];
        free.splice(i, 1);
        this.pooled -= b.length;
        return b;
      }
    }
    return Buffer.allocUnsafeSlow(sizeClass(size));
  }

  /** Give a buffer from `acquire` back (it must no longer be used). Smaller kept buffers make room for it. */
  release(b: Buffer): void {
    const len = b.length;
    if (len !== sizeClass(len) || len > this.maxBytes) return;
    const free = this.free;
    while (this.pooled + len > this.maxBytes && free.length > 0 && free[0].length < len) this.pooled -= free.shift()!.length;
    if (this.pooled + len > this.maxBytes) return;
    let i = 0;
    while (i < free.length && free[i].length < len) i++;
    free.splice(i, 0, b);
    this.pooled += len;
  }

  /** Drop every kept buffer (an idle client gives its memory back; the next batch allocates again). */
  clear(): void {
    this.free.length = 0;
    this.pooled = 0;
  }

  /** Bytes held for reuse. */
  get pooledBytes(): number {
    return this.pooled;
  }
}

const STEP = 64 * 1024;

function sizeClass(size: number): number {
  if (size > STEP) return Math.ceil(size / STEP) * STEP;
  let cap = 4096;
  while (cap < size) cap *= 2;
  return cap;
}
