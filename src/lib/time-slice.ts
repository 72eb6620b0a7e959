/** Default slice of a long ingest loop on the shared event loop before it yields (ms). */
export const DEFAULT_INGEST_SLICE_MS = 10;

/**
 * Where sliced loops wait their turn. Loops that yield through one lane resume one per event-loop turn, in the
 * order they yielded, so I/O (a query arriving, a probe) is served after at most one slice however many loops are
 * waiting. Yielding with a bare `setImmediate` would not do that: every loop that yielded during a turn resumes in
 * the same check phase, back to back, so twenty concurrent 10 ms pushes hold the loop for 200 ms between polls.
 */
export class YieldLane {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  /** Resolves when it is this caller's turn (never within the current event-loop turn). */
  wait(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  /** Loops waiting for a turn (for self-metrics and tests). */
  get length(): number {
    return this.waiting.length;
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(this.resumeNext);
  }

  // Runs in the check phase; the resumed loop continues in the microtasks after this callback. The next resume is
  // queued from inside the check phase, so it runs in the next turn, after timers and I/O.
  private readonly resumeNext = (): void => {
    this.scheduled = false;
    this.waiting.shift()?.();
    this.schedule();
  };
}

/** The lane every ingest path's validation/append loops share (Loki push, remote write, ...). */
export const INGEST_LANE = new YieldLane();

/** The lane query evaluation shares, apart from ingest: a turn runs at most one ingest and one query slice. */
export const QUERY_LANE = new YieldLane();

/**
 * Cooperative time slicing for long synchronous loops on the one event loop every listener shares (as PromQL's
 * evaluator does with its `pause`): call `due()` once per item (cheap: a counter, and a clock read every `every`
 * items); when it says the slice is used up, `await yieldNow()` lets other requests run before the loop goes on.
 * Only loops whose state another request cannot change in between may yield (validation before anything is written).
 * Ingest loops yield through the shared `INGEST_LANE` (one slice per turn between them) and query evaluation through
 * `QUERY_LANE`, so queries never queue behind ingest nor ingest behind queries; `lane: null` resumes on a bare
 * `setImmediate`.
 */
export class TimeSlicer {
  private since = performance.now();
  private n = 0;

  constructor(
    private readonly ms = DEFAULT_INGEST_SLICE_MS,
    private readonly every = 64,
    private readonly lane: YieldLane | null = INGEST_LANE,
  ) {}

  /** True when the loop has held the event loop for its slice (checked every `every` calls). */
  due(): boolean {
    if (++this.n < this.every) return false;
    this.n = 0;
    return performance.now() - this.since >= this.ms;
  }

  /** Yield to the event loop (I/O callbacks and timers run), then start a new slice. */
  async yieldNow(): Promise<void> {
    if (this.lane) await this.lane.wait();
    else await new Promise<void>((resolve) => setImmediate(resolve));
    this.since = performance.now();
  }
}

/** Pieces of `parts` joined into chunks of about `chunkChars`, yielding through `slicer` when a slice is used up. */
export async function* slicedChunks(parts: Iterable<string>, slicer: TimeSlicer, chunkChars = 64 * 1024): AsyncGenerator<string> {
  let buf = '';
  for (const p of parts) {
    buf += p;
    if (buf.length >= chunkChars) {
      yield buf;
      buf = '';
    }
    if (slicer.due()) await slicer.yieldNow();
  }
  if (buf !== '') yield buf;
}

/**
 * The per-item step of a sliced query loop that can be stopped: yields through the slicer (the query lane by
 * default) when its slice is used up, then throws `abortError(signal.reason)` once `signal` has aborted (the query's
 * deadline passed, or its client went away). Await it once per item.
 */
export function abortableSlices(
  signal: AbortSignal | undefined,
  abortError: (reason: unknown) => Error,
  slicer = new TimeSlicer(DEFAULT_INGEST_SLICE_MS, 1, QUERY_LANE),
): () => Promise<void> {
  return async () => {
    if (slicer.due()) await slicer.yieldNow();
    if (signal?.aborted) throw abortError(signal.reason);
  };
}
