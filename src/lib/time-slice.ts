/** Default slice of a long ingest loop on the shared event loop before it yields (ms). */
export const DEFAULT_INGEST_SLICE_MS = 10;

/**
 * Cooperative time slicing for long synchronous loops on the one event loop every listener shares (as PromQL's
 * evaluator does with its `pause`): call `due()` once per item (cheap: a counter, and a clock read every `every`
 * items); when it says the slice is used up, `await yieldNow()` lets other requests run before the loop goes on.
 * Only loops whose state another request cannot change in between may yield (validation before anything is written).
 */
export class TimeSlicer {
  private since = performance.now();
  private n = 0;

  constructor(
    private readonly ms = DEFAULT_INGEST_SLICE_MS,
    private readonly every = 64,
  ) {}

  /** True when the loop has held the event loop for its slice (checked every `every` calls). */
  due(): boolean {
    if (++this.n < this.every) return false;
    this.n = 0;
    return performance.now() - this.since >= this.ms;
  }

  /** Yield to the event loop (I/O callbacks and timers run), then start a new slice. */
  async yieldNow(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.since = performance.now();
  }
}
