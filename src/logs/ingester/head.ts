import type { Labels } from '../../model/index.js';
import { labelsString, lineAt, type LineBytes } from '../model/index.js';
import { StreamIndex } from '../storage/index.js';
import { MemBlock } from './mem-block.js';

/** A stream in the in-memory head. */
export interface HeadStream {
  readonly key: string;
  readonly labels: Labels;
  readonly labelsStr: string;
  newest: bigint;
  /** The line of the newest entry (a later entry with the same time and line is a duplicate). */
  lastLine: string;
  block: MemBlock;
  /** Cut blocks waiting to be flushed to the object store. */
  sealed: MemBlock[];
}

/** Accepted entries of one stream, ready to be written. */
export interface StreamWrite {
  stream: HeadStream;
  ts: BigInt64Array;
  lines: LineBytes;
  metadata?: (Array<[string, string]> | undefined)[];
}

export interface HeadOptions {
  /** Cut a block when its line bytes reach this. */
  chunkTargetSize: number;
  /** Cut a block when an entry is further than this from its first entry (Loki's max_chunk_age). */
  maxChunkAgeNs: bigint;
  /** The index period of a timestamp: a block never spans two. */
  periodOf(ns: bigint): number;
  /** The first and the first-after nanosecond of a period (of times after 1970); without it, periodOf decides. */
  periodBounds?(period: number): [bigint, bigint];
}

/** Sealed blocks of one stream, taken by a flush. */
export interface SealedBlocks {
  tenant: string;
  stream: HeadStream;
  blocks: MemBlock[];
}

/**
 * The in-memory head: per tenant, streams by label set with postings; each stream has an open block cut at the
 * target size, the maximum chunk age or an index period boundary, and sealed blocks waiting for a flush.
 */
export class Head {
  private readonly tenants = new Map<string, StreamIndex<HeadStream>>();

  constructor(private readonly opts: HeadOptions) {}

  /** Head streams of a tenant (undefined when it has none yet). */
  streams(tenant: string): StreamIndex<HeadStream> | undefined {
    return this.tenants.get(tenant);
  }

  private tenant(t: string): StreamIndex<HeadStream> {
    let st = this.tenants.get(t);
    if (!st) this.tenants.set(t, (st = new StreamIndex()));
    return st;
  }

  /** The head stream for a label set, created if new (second value true when created). */
  stream(tenant: string, labels: Labels): [HeadStream, boolean] {
    const st = this.tenant(tenant);
    const key = labels.key();
    let s = st.get(key);
    if (s) return [s, false];
    s = { key, labels, labelsStr: labelsString(labels), newest: -(2n ** 63n), lastLine: '', block: new MemBlock(), sealed: [] };
    st.add(key, s);
    return [s, true];
  }

  findStream(tenant: string, labels: Labels): HeadStream | undefined {
    return this.tenants.get(tenant)?.get(labels.key());
  }

  activeStreams(tenant: string): number {
    return this.tenants.get(tenant)?.size ?? 0;
  }

  /** Number of streams over all tenants. */
  size(): number {
    let n = 0;
    for (const st of this.tenants.values()) n += st.size;
    return n;
  }

  /** The stream as it is in the head: a handle may outlive its stay there (idle streams leave after a flush). */
  attach(tenant: string, s: HeadStream): HeadStream {
    const st = this.tenant(tenant);
    let target = st.get(s.key);
    if (!target) st.add(s.key, (target = s));
    return target;
  }

  append(s: HeadStream, ts: BigInt64Array, lines: LineBytes, meta?: readonly (Array<[string, string]> | undefined)[]): void {
    const maxAge = this.opts.maxChunkAgeNs;
    const { buf, offs } = lines;
    // Times are compared where they are (in the column, in the block), never held in a variable that changes: in
    // optimized code that costs no bigint object per entry.
    let newestIdx = -1;
    for (let i = 0; i < ts.length; i++) {
      const b = s.block;
      if (b.n > 0) {
        // The block's bounds (first entry ± max age, its index period) are bigints made once per block.
        b.bounds ??= this.blockBounds(b.minT, maxAge);
        const bb = b.bounds;
        if (ts[i] > bb.ageHi || ts[i] < bb.ageLo || ((ts[i] < bb.periodLo || ts[i] >= bb.periodHi) && this.opts.periodOf(ts[i]) !== bb.period)) {
          b.sort();
          s.sealed.push(b);
          s.block = new MemBlock();
        }
      }
      s.block.appendAt(ts, i, buf, offs[2 * i], offs[2 * i + 1], meta?.[i]);
      if (newestIdx >= 0 ? ts[i] >= ts[newestIdx] : ts[i] >= s.newest) newestIdx = i;
      if (s.block.bytes >= this.opts.chunkTargetSize) {
        s.block.sort();
        s.sealed.push(s.block);
        s.block = new MemBlock();
      }
    }
    if (newestIdx >= 0) {
      s.newest = ts[newestIdx];
      s.lastLine = lineAt(lines, newestIdx);
    }
  }

  private blockBounds(first: bigint, maxAge: bigint): NonNullable<MemBlock['bounds']> {
    const period = this.opts.periodOf(first);
    // Exact for times after 1970 (the period of a negative time is found with periodOf itself).
    const [periodLo, periodHi] = period >= 0 && this.opts.periodBounds ? this.opts.periodBounds(period) : [0n, 0n];
    return { ageLo: first - maxAge, ageHi: first + maxAge, period, periodLo, periodHi };
  }

  /** Seal every open block; the sealed blocks of every stream (they stay in the head until `release`). */
  sealAll(): SealedBlocks[] {
    const out: SealedBlocks[] = [];
    for (const [tenant, st] of this.tenants) {
      for (const s of st.streams.values()) {
        if (s.block.n > 0) {
          s.block.sort();
          s.sealed.push(s.block);
          s.block = new MemBlock();
        }
        if (s.sealed.length > 0) out.push({ tenant, stream: s, blocks: [...s.sealed] });
      }
    }
    return out;
  }

  /** Drop flushed blocks of a stream. */
  release(s: HeadStream, blocks: readonly MemBlock[]): void {
    const done = new Set(blocks);
    s.sealed = s.sealed.filter((b) => !done.has(b));
  }

  /** Streams with nothing to flush and no entry at or after `beforeNs` leave the head (they stay queryable from storage). */
  removeIdle(beforeNs: bigint): void {
    for (const st of this.tenants.values()) {
      for (const s of [...st.streams.values()]) {
        if (s.block.n === 0 && s.sealed.length === 0 && s.newest < beforeNs) st.delete(s.key);
      }
    }
  }
}
