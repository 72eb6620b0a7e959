import { getField, setField, type Field, type StanzaEntry } from './entry.js';
import type { EntryPredicate } from './expr.js';

export interface RecombineOptions {
  combineField: Field;
  combineWith: string;
  isFirst?: EntryPredicate;
  isLast?: EntryPredicate;
  maxBatchSize: number;
  maxUnmatchedBatchSize: number;
  overwriteWith: 'oldest' | 'newest';
  sourceIdentifier: Field;
  maxSources: number;
  maxLogSize: number;
  forceFlushMs: number;
}

interface Batch {
  entries: StanzaEntry[];
  matched: boolean;
  size: number;
  since: number;
}

/**
 * stanza's `recombine`: consecutive entries of one source (`source_identifier`) are joined on `combine_field` with
 * `combine_with`; a batch starts at an `is_first_entry` match or ends at an `is_last_entry` match, is cut at
 * `max_batch_size` (and, before any match, at `max_unmatched_batch_size`), and is flushed after `force_flush_period`.
 */
export class Recombiner {
  private readonly batches = new Map<string, Batch>();

  constructor(
    private readonly o: RecombineOptions,
    private readonly emit: (e: StanzaEntry) => void,
  ) {}

  process(e: StanzaEntry, now = Date.now()): void {
    const src = getField(e, this.o.sourceIdentifier);
    const key = typeof src === 'string' ? src : 'DefaultSourceIdentifier';
    const text = getField(e, this.o.combineField);
    if (typeof text !== 'string') {
      // Not combinable (stanza's on_error: send): the source's pending batch goes first, then this entry.
      this.flushSource(key);
      this.emit(e);
      return;
    }
    if (this.o.isFirst) {
      if (this.o.isFirst(e)) {
        this.flushSource(key);
        this.add(key, e, text, true, now);
      } else {
        const b = this.add(key, e, text, false, now);
        if (!b.matched && this.o.maxUnmatchedBatchSize > 0 && b.entries.length >= this.o.maxUnmatchedBatchSize) this.flushSource(key);
      }
    } else {
      const b = this.add(key, e, text, false, now);
      if (this.o.isLast!(e)) this.flushSource(key);
      else if (this.o.maxUnmatchedBatchSize > 0 && b.entries.length >= this.o.maxUnmatchedBatchSize) this.flushSource(key);
    }
    const b = this.batches.get(key);
    if (b && (b.entries.length >= this.o.maxBatchSize || (this.o.maxLogSize > 0 && b.size >= this.o.maxLogSize))) this.flushSource(key);
  }

  private add(key: string, e: StanzaEntry, text: string, matched: boolean, now: number): Batch {
    let b = this.batches.get(key);
    if (!b) {
      if (this.batches.size >= this.o.maxSources) this.flushAll();
      b = { entries: [], matched, size: 0, since: now };
      this.batches.set(key, b);
    }
    b.entries.push(e);
    b.size += text.length;
    return b;
  }

  private flushSource(key: string): void {
    const b = this.batches.get(key);
    if (!b) return;
    this.batches.delete(key);
    const texts = b.entries.map((x) => getField(x, this.o.combineField) as string);
    const base = this.o.overwriteWith === 'newest' ? b.entries[b.entries.length - 1] : b.entries[0];
    base.held = b.entries.flatMap((x) => x.held);
    setField(base, this.o.combineField, texts.join(this.o.combineWith));
    this.emit(base);
  }

  /** Flush the batches older than `force_flush_period` (all of them with `now` = Infinity). */
  flushStale(now: number): void {
    for (const [key, b] of this.batches) if (now - b.since >= this.o.forceFlushMs) this.flushSource(key);
  }

  flushAll(): void {
    for (const key of [...this.batches.keys()]) this.flushSource(key);
  }
}
