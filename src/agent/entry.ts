/**
 * The unit that flows from a reader through a pipeline to the clients. `labels` may be shared between entries of
 * one target: stages copy before changing them (`ownLabels`). `ticket` ties the entry to the read that produced it,
 * so the reader's position advances only once every client has the entry acknowledged (or gave up on it).
 */
export interface LogEntry {
  labels: Record<string, string>;
  /** True once `labels` belongs to this entry alone. */
  ownLabels: boolean;
  line: string;
  /** Milliseconds since the epoch, and the nanoseconds within that millisecond. */
  tsMs: number;
  tsNs: number;
  ticket: Ticket | undefined;
  /** Promtail's "extracted" map, filled by parsing stages. */
  extracted?: Record<string, unknown>;
  structuredMetadata?: Record<string, string>;
}

export function mutableLabels(e: LogEntry): Record<string, string> {
  if (!e.ownLabels) {
    e.labels = { ...e.labels };
    e.ownLabels = true;
  }
  return e.labels;
}

/**
 * A reference count over the entries of one read (a chunk of a file up to `offset`). The reader holds one reference
 * while it hands out the chunk's entries; each entry handed to a client holds one more. When the count reaches zero
 * the ticket settles in its tracker, which advances the position over every settled ticket in read order.
 */
export class Ticket {
  pending = 1;
  next: Ticket | undefined;

  constructor(
    readonly tracker: AckTracker,
    readonly offset: number,
  ) {}

  hold(n = 1): void {
    this.pending += n;
  }

  release(): void {
    if (--this.pending === 0) this.tracker.settle();
  }
}

/** Tickets of one file generation in read order; reports the offset up to which everything was acknowledged. */
export class AckTracker {
  private head: Ticket | undefined;
  private tail: Ticket | undefined;
  /** Offset up to which every entry was acknowledged. */
  settled: number;
  /** Tickets not yet settled. */
  outstanding = 0;

  constructor(
    startOffset: number,
    private readonly onSettled: (offset: number) => void,
  ) {
    this.settled = startOffset;
  }

  issue(offset: number): Ticket {
    const t = new Ticket(this, offset);
    if (this.tail) this.tail.next = t;
    else this.head = t;
    this.tail = t;
    this.outstanding++;
    return t;
  }

  settle(): void {
    let moved = false;
    while (this.head && this.head.pending === 0) {
      this.settled = this.head.offset;
      this.head = this.head.next;
      this.outstanding--;
      moved = true;
    }
    if (!this.head) this.tail = undefined;
    if (moved) this.onSettled(this.settled);
  }
}
