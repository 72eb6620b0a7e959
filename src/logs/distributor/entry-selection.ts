import type { Labels } from '../../model/index.js';
import type { LineBytes } from '../model/index.js';

/** Entries of one stream on their way to the store: times, line byte ranges, optional metadata. */
export interface StreamEntries {
  labels: Labels;
  ts: BigInt64Array;
  lines: LineBytes;
  metadata?: (Array<[string, string]> | undefined)[];
}

/**
 * The entries of a stream that pass a check, visited in order: a copy is made only once an entry is dropped or
 * shortened — most requests keep every entry, and then the columns are passed on as they are.
 */
export class EntrySelection {
  private keep: number[] | undefined;
  private ends: Map<number, number> | undefined;

  constructor(private readonly src: StreamEntries) {}

  /** Entry i is refused (every earlier entry was kept or refused before). */
  drop(i: number): void {
    if (this.keep) return;
    this.keep = [];
    for (let j = 0; j < i; j++) this.keep.push(j);
  }

  /** Entry i is kept (with its line cut to end at byte `end`, when given). */
  take(i: number, end?: number): void {
    this.keep?.push(i);
    if (end !== undefined) (this.ends ??= new Map()).set(i, end);
  }

  /** The kept entries, or undefined when none is. */
  result(): StreamEntries | undefined {
    const { src, keep, ends } = this;
    if (!keep && !ends) return src.ts.length > 0 ? src : undefined;
    const idx = keep ?? Array.from(src.ts, (_, i) => i);
    if (idx.length === 0) return undefined;
    const offs = new Array<number>(2 * idx.length);
    const ts = new BigInt64Array(idx.length);
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      ts[k] = src.ts[i];
      offs[2 * k] = src.lines.offs[2 * i];
      offs[2 * k + 1] = ends?.get(i) ?? src.lines.offs[2 * i + 1];
    }
    return { labels: src.labels, ts, lines: { buf: src.lines.buf, offs }, metadata: src.metadata ? idx.map((i) => src.metadata![i]) : undefined };
  }
}
