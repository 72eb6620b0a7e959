/**
 * Bytes an OTLP/protobuf request costs in memory while it is read, decoded and queued, per byte of its body: the
 * body, the items decoded as views of it, and the encoding the exporter sends.
 */
export const REQUEST_COST_PER_BODY_BYTE = 3;
/**
 * The same for OTLP/JSON: decoding a 1.7 MB request of 2,000 spans allocates 5.5–6.7 times its length (the parsed
 * tree, then the OTLP objects; measured with `process.memoryUsage`), of which about twice stays.
 */
export const JSON_COST_PER_BODY_BYTE = 6;
/** The body length assumed for a request that does not say it (chunked). */
export const UNKNOWN_BODY_BYTES = 1 << 20;

/**
 * The memory the `memory_limiter`s of the process guard, for receivers to refuse a request before reading and
 * decoding its body: refusing only after decoding, as the processor does, lets the refused requests' garbage grow
 * the heap past the limit, and checking only every `check_interval` lets the requests accepted between two checks
 * take it past the limit too.
 *
 * A request is admitted when no limiter refuses (its periodic check found usage above its soft limit) and the
 * process's RSS now, plus what the requests already admitted and not yet answered will cost, plus what this one
 * will cost (`REQUEST_COST_PER_BODY_BYTE` or `JSON_COST_PER_BODY_BYTE` × its body), stays under the lowest soft limit (limit − spike). A request
 * alone (none pending) is admitted while RSS is under the soft limit, so one larger than the margin is not refused
 * for ever: the spike limit is the room it has.
 */
export class MemoryPressure {
  private readonly over = new Set<string>();
  private readonly softLimits = new Map<string, number>();
  private lowestSoft = Infinity;
  /** Estimated cost of the requests admitted and not yet answered. */
  private pending = 0;

  constructor(private readonly usage: () => number = () => process.memoryUsage.rss()) {}

  set(limiter: string, refusing: boolean): void {
    if (refusing) this.over.add(limiter);
    else this.over.delete(limiter);
  }

  /** A limiter's soft limit in bytes (undefined: the limiter stopped). */
  limit(limiter: string, soft: number | undefined): void {
    if (soft === undefined) this.softLimits.delete(limiter);
    else this.softLimits.set(limiter, soft);
    this.lowestSoft = Math.min(Infinity, ...this.softLimits.values());
  }

  get refusing(): boolean {
    return this.over.size > 0;
  }

  /** Bytes admitted and not yet released (for tests and logs). */
  get pendingBytes(): number {
    return this.pending;
  }

  /**
   * Whether a request with a body of `bodyBytes` (undefined: not known) may be read now, each byte costing
   * `costPerByte`. When it is, the returned function must be called once the request has been answered; undefined
   * means refuse it (retryable).
   */
  admit(bodyBytes: number | undefined, costPerByte = REQUEST_COST_PER_BODY_BYTE): (() => void) | undefined {
    if (this.over.size > 0) return undefined;
    if (this.lowestSoft === Infinity) return noop;
    const cost = (bodyBytes ?? UNKNOWN_BODY_BYTES) * costPerByte;
    const used = this.usage();
    if (used >= this.lowestSoft || (this.pending > 0 && used + this.pending + cost > this.lowestSoft)) return undefined;
    this.pending += cost;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.pending -= cost;
    };
  }
}

const noop = () => {};
