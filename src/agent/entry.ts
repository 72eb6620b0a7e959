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

const EMPTY = Buffer.alloc(0);

/**
 * A line still as bytes (`buf[start..end)`, UTF-8), for pipelines whose every stage can work on bytes (`cri`,
 * `labels`, `static_labels`...): no string and no object per line. One RawEntry is reused for every line of a
 * reader, so a stage must not keep it; a stage that cannot take a line as bytes has the pipeline turn it into a
 * `LogEntry` (`toLogEntry`) and run the rest on that. Extracted values are kept as byte ranges (or strings) and
 * made into strings only when a stage asks for one.
 */
export class RawEntry {
  labels: Record<string, string> = {};
  ownLabels = false;
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;
  tsMs = 0;
  tsNs = 0;
  ticket: Ticket | undefined;
  /** Extracted values: names, and each one's string or (if undefined) its byte range in `buf`. */
  private readonly exNames: string[] = [];
  private readonly exStrings: Array<string | undefined> = [];
  private readonly exStarts: number[] = [];
  private readonly exEnds: number[] = [];
  private exCount = 0;

  /** Point at a new line (extracted values cleared). */
  reset(labels: Record<string, string>, buf: Buffer, start: number, end: number, tsMs: number, tsNs: number, ticket: Ticket | undefined): void {
    this.labels = labels;
    this.ownLabels = false;
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.tsMs = tsMs;
    this.tsNs = tsNs;
    this.ticket = ticket;
    this.exCount = 0;
  }

  /** Let go of the last line's buffer and ticket (the reader's shared read buffer, given back for reuse or freeing). */
  detach(): void {
    this.buf = EMPTY;
    this.ticket = undefined;
  }

  /** Set an extracted value: a string, or the bytes `buf[start..end)`. */
  extract(name: string, value: string | undefined, start = 0, end = 0): void {
    let i = 0;
    while (i < this.exCount && this.exNames[i] !== name) i++;
    if (i === this.exCount) this.exCount++;
    this.exNames[i] = name;
    this.exStrings[i] = value;
    this.exStarts[i] = start;
    this.exEnds[i] = end;
  }

  /** An extracted value as a string, falling back to the label of that name (as `extractedValue` does). */
  extractedString(name: string): string | undefined {
    for (let i = 0; i < this.exCount; i++) {
      if (this.exNames[i] === name) return this.exStrings[i] ?? this.buf.toString('utf8', this.exStarts[i], this.exEnds[i]);
    }
    return this.labels[name];
  }

  /** The same line as a `LogEntry` (its own object: stages may keep it). */
  toLogEntry(): LogEntry {
    const e: LogEntry = { labels: this.labels, ownLabels: this.ownLabels, line: this.buf.toString('utf8', this.start, this.end), tsMs: this.tsMs, tsNs: this.tsNs, ticket: this.ticket };
    if (this.exCount > 0) {
      const x: Record<string, unknown> = {};
      for (let i = 0; i < this.exCount; i++) x[this.exNames[i]] = this.exStrings[i] ?? this.buf.toString('utf8', this.exStarts[i], this.exEnds[i]);
      e.extracted = x;
    }
    return e;
  }
}

/** What label-changing helpers need of an entry (a `LogEntry` or a `RawEntry`). */
export interface Labelled {
  labels: Record<string, string>;
  ownLabels: boolean;
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

/**
 * The label sets derived from one labels object: the first change inline, any further ones in a map. Each tailed
 * file has its own labels object (its `filename`) and most pipelines make one change of it (`cri` + `labels` add
 * `stream`): a map per file was ~0.4 kB of a thousand files' state (docs/agent.md, Figures).
 */
interface Derived {
  change: string;
  labels: Record<string, string>;
  more: Map<string, Record<string, string>> | undefined;
}

const derived = new WeakMap<Record<string, string>, Derived>();
const MAX_DERIVED = 1000;

/**
 * Change an entry's labels through a cache keyed by the labels object it has and the change: entries of one
 * stream keep sharing one labels object (so per-stream state and the client's stream key are found by identity,
 * without building a label string per entry).
 */
export function deriveLabels(e: Labelled, change: string, apply: (l: Record<string, string>) => void): void {
  const known = derived.get(e.labels);
  let d = known === undefined ? undefined : known.change === change ? known.labels : known.more?.get(change);
  if (!d) {
    d = { ...e.labels };
    apply(d);
    if (known === undefined) derived.set(e.labels, { change, labels: d, more: undefined });
    else if ((known.more ??= new Map()).size < MAX_DERIVED - 1) known.more.set(change, d);
  }
  e.labels = d;
  e.ownLabels = false;
}

let memoBase: Record<string, string> | undefined;
let memoName = '';
let memoValue = '';
let memoResult: Record<string, string> | undefined;

export function setLabel(e: Labelled, name: string, value: string): void {
  if (e.labels[name] === value) return;
  // Consecutive entries of one stream get the same change: skip the cache key.
  if (e.labels === memoBase && name === memoName && value === memoValue) {
    e.labels = memoResult!;
    e.ownLabels = false;
    return;
  }
  const base = e.labels;
  deriveLabels(e, `${name}\u0000${value}`, (l) => {
    l[name] = value;
  });
  memoBase = base;
  memoName = name;
  memoValue = value;
  memoResult = e.labels;
}
