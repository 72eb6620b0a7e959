import { Labels, METRIC_NAME, compareStrings } from '../../model/index.js';
import { EMPTY_POSTINGS, PostingsList, type PostingsIndex } from './postings.js';
import type { OooSeriesChunks } from './ooo-head.js';
import { chunkWithout, type Intervals } from './tombstones.js';
import { CHUNK_STATE_SLOT, SeriesNumbers, defineNumberFields, slotOf } from './series-numbers.js';
import { SAMPLES_PER_CHUNK, XOR_SAMPLE_ROOM, XorChunkAppender, chunkNumSamples, decodeXorChunk, parkedBytes, parkedSamples } from './xor-chunk.js';

/** A complete, immutable chunk of the head (or a snapshot of the open one). */
export interface ChunkRef {
  data: Uint8Array;
  minT: number;
  maxT: number;
  /** Samples to decode (a snapshot of the open chunk may hold fewer than the buffer later does). */
  n: number;
  /** Deleted time ranges (a block's tombstones) to leave out when decoding. */
  deleted?: Intervals;
  /** An out-of-order head chunk: wins a timestamp tie against in-order chunks when merged (as Prometheus 2.42). */
  ooo?: boolean;
  /** Chunk encoding when not XOR: 2 integer histogram, 3 float histogram (histogram-chunk.ts). */
  encoding?: number;
}

const scratch = new Float64Array(2);
const words = new Uint32Array(scratch.buffer);
/** True when two floats have identical bits (so a repeated staleness marker counts as the same value). */
export function sameBits(a: number, b: number): boolean {
  scratch[0] = a;
  scratch[1] = b;
  return words[0] === words[2] && words[1] === words[3];
}

/** The end of the aligned range of `width` that holds `t` (Prometheus's `rangeForTimestamp`). */
export function rangeForTimestamp(t: number, width: number): number {
  return Math.floor(t / width) * width + width;
}

/** Bytes before each packed chunk: its minT and maxT (float64 LE) and its byte length (uint32 LE). */
const PACKED_HEADER = 20;
const NO_PACKED: Buffer = Buffer.alloc(0);
const NO_CHUNKS: ChunkRef[] = [];

/**
 * One series in the head: labels, closed chunks and the chunk being appended to. No object per sample, none per
 * open chunk: its buffer is `chunkBuf`, its appender's state parked in the series' number columns (the head appends
 * through one `XorChunkAppender` that resumes and parks it).
 */
export class MemSeries {
  /**
   * Closed float (XOR) chunks, oldest first, packed into one buffer: per chunk PACKED_HEADER bytes, then the chunk.
   * No object per closed chunk (a ChunkRef, its two heap numbers and a Buffer view cost ~190 bytes each); ChunkRefs
   * are made when a query asks. Replaced on every change, never written in place, so views handed out stay valid.
   */
  private packed: Buffer = NO_PACKED;
  /**
   * Closed chunks after the packed ones (histogram chunks, the open histogram chunk's snapshot, chunks re-encoded by
   * a deletion, and every chunk after one of those). Shared and empty until the first; add with `addChunk`.
   */
  chunks: ChunkRef[] = NO_CHUNKS;
  /**
   * The open float chunk's buffer (null: no open float chunk); its appender's state is parked in this series' number
   * slot from `chunkAt` (`PARKED_XOR_NUMBERS`, xor-chunk.ts; `openSamples`, `openBytes`, `openMinT`, `openMaxT`).
   */
  chunkBuf: Uint8Array | null = null;
  /** The appender id that has uncommitted samples for this series (its newest is pendT/pendV), and its index there. */
  pendOwner = 0;
  pendIdx = 0;
  /** A series record for this ref is in the WAL. */
  walLogged = false;
  deleted = false;
  /** Out-of-order samples (`ooo-head.ts`), when the TSDB has an out-of-order window. */
  ooo: OooSeriesChunks | null = null;
  /** The head's page of per-series numbers (series-numbers.ts) and this series' slot in it. */
  readonly num: Float64Array;
  readonly at: number;
  /** Samples at or after this time start a new chunk, so chunks never cross a block boundary. */
  declare nextAt: number;
  declare minT: number;
  declare maxT: number;
  /** The newest committed value. */
  declare lastV: number;
  /** The newest uncommitted sample of the appender `pendOwner`. */
  declare pendT: number;
  declare pendV: number;

  constructor(
    readonly ref: number,
    readonly labels: Labels,
    numbers: SeriesNumbers,
  ) {
    this.num = numbers.claim(ref);
    this.at = slotOf(ref);
    this.nextAt = -Infinity;
    this.minT = Infinity;
    this.maxT = -Infinity;
    this.lastV = 0;
    this.pendT = -Infinity;
    this.pendV = 0;
  }

  /** Where the open float chunk's parked state starts in `num`. */
  get chunkAt(): number {
    return this.at + CHUNK_STATE_SLOT;
  }

  /** Samples in the open float chunk (0 without one). */
  get openSamples(): number {
    return this.chunkBuf === null ? 0 : parkedSamples(this.num, this.at + CHUNK_STATE_SLOT);
  }

  /** The open float chunk's bytes (a view; only with `openSamples` > 0). */
  openBytes(): Uint8Array {
    return parkedBytes(this.chunkBuf!, this.num, this.at + CHUNK_STATE_SLOT);
  }

  /** The open float chunk's first and last time (only with `openSamples` > 0). */
  get openMinT(): number {
    return this.num[this.at + CHUNK_STATE_SLOT];
  }

  get openMaxT(): number {
    return this.num[this.at + CHUNK_STATE_SLOT + 1];
  }

  get numChunks(): number {
    let n = this.chunks.length + (this.openSamples > 0 ? 1 : 0);
    const p = this.packed;
    for (let o = 0; o < p.length; o += PACKED_HEADER + p.readUInt32LE(o + 16)) n++;
    return n;
  }

  /** Append a closed chunk after all others. */
  addChunk(c: ChunkRef): void {
    if (this.chunks === NO_CHUNKS) this.chunks = [];
    this.chunks.push(c);
  }

  /**
   * Close the open float chunk (when it has samples): its bytes are copied (views of its buffer stay valid) and the
   * series has no open float chunk after.
   */
  closeOpen(): void {
    const n = this.openSamples;
    if (n > 0) {
      const bytes = this.openBytes();
      if (this.chunks.length > 0) {
        this.addChunk({ data: Buffer.from(bytes), minT: this.openMinT, maxT: this.openMaxT, n });
      } else {
        const old = this.packed;
        const len = bytes.length;
        const next = Buffer.allocUnsafe(old.length + PACKED_HEADER + len);
        next.set(old, 0);
        const o = old.length;
        next.writeDoubleLE(this.openMinT, o);
        next.writeDoubleLE(this.openMaxT, o + 8);
        next.writeUInt32LE(len, o + 16);
        next.set(bytes, o + PACKED_HEADER);
        this.packed = next;
      }
    }
    this.chunkBuf = null;
  }

  /** The oldest closed chunk's minT (Infinity without one). */
  firstClosedMinT(): number {
    if (this.packed.length > 0) return this.packed.readDoubleLE(0);
    return this.chunks.length > 0 ? this.chunks[0].minT : Infinity;
  }

  /** Push the packed chunks overlapping [mint, maxt] onto `out` as ChunkRefs (views of the packed buffer). */
  private packedIn(mint: number, maxt: number, out: ChunkRef[]): void {
    const p = this.packed;
    for (let o = 0; o < p.length; ) {
      const start = o + PACKED_HEADER;
      const end = start + p.readUInt32LE(o + 16);
      const minT = p.readDoubleLE(o);
      const maxT = p.readDoubleLE(o + 8);
      if (maxT >= mint && minT <= maxt) {
        const data = p.subarray(start, end);
        out.push({ data, minT, maxT, n: chunkNumSamples(data) });
      }
      o = end;
    }
  }

  /** Every closed chunk as a ChunkRef list of its own: the packed ones move to `chunks` (before a rewrite of them). */
  unpack(): ChunkRef[] {
    if (this.packed.length > 0) {
      const all: ChunkRef[] = [];
      this.packedIn(-Infinity, Infinity, all);
      for (const c of this.chunks) all.push(c);
      this.chunks = all;
      this.packed = NO_PACKED;
    }
    return this.chunks;
  }

  /** Drop the closed chunks that end before `mint`; returns how many were dropped. */
  dropClosedBefore(mint: number): number {
    let dropped = 0;
    const p = this.packed;
    if (p.length > 0 && p.readDoubleLE(8) < mint) {
      const kept: [number, number][] = [];
      let size = 0;
      for (let o = 0; o < p.length; ) {
        const end = o + PACKED_HEADER + p.readUInt32LE(o + 16);
        if (p.readDoubleLE(o + 8) < mint) dropped++;
        else {
          kept.push([o, end]);
          size += end - o;
        }
        o = end;
      }
      const next = size === 0 ? NO_PACKED : Buffer.allocUnsafe(size);
      let at = 0;
      for (const [from, to] of kept) {
        next.set(p.subarray(from, to), at);
        at += to - from;
      }
      this.packed = next;
    }
    if (this.chunks.length > 0 && this.chunks[0].maxT < mint) {
      const keep = this.chunks.filter((c) => c.maxT >= mint);
      dropped += this.chunks.length - keep.length;
      this.chunks = keep.length > 0 ? keep : NO_CHUNKS;
    }
    return dropped;
  }

  /** Chunks overlapping [mint, maxt], the open one as a snapshot. */
  chunksIn(mint: number, maxt: number): ChunkRef[] {
    const out: ChunkRef[] = [];
    if (this.packed.length > 0) this.packedIn(mint, maxt, out);
    for (const c of this.chunks) if (c.maxT >= mint && c.minT <= maxt) out.push(c);
    const n = this.openSamples;
    if (n > 0 && this.openMaxT >= mint && this.openMinT <= maxt) out.push({ data: this.openBytes(), minT: this.openMinT, maxT: this.openMaxT, n });
    return out;
  }
}

defineNumberFields(MemSeries.prototype);

interface LabelIndexEntry {
  name: string;
  /**
   * Postings by value. A value of one series holds that series' ref as a number, not a ValuePostings (56 bytes: every
   * value of a label unique per series, such as a series id, is one); the second series makes it a ValuePostings.
   */
  values: Map<string, ValuePostings | number>;
  sorted: string[] | null;
}

class ValuePostings extends PostingsList {
  constructor(readonly value: string) {
    super();
  }
}

function hashLabels(l: Labels): number {
  let h = 0x811c9dc5;
  const f = l.flat;
  for (let i = 0; i < f.length; i++) {
    const s = f[i];
    for (let j = 0; j < s.length; j++) h = Math.imul(h ^ s.charCodeAt(j), 0x01000193);
    h = Math.imul(h ^ 0xff, 0x01000193);
  }
  // 30 bits: a small integer in V8, so the map key needs no heap number.
  return h & 0x3fffffff;
}

export type ApplyResult = 0 | 1 | 2 | 3;
export const APPLIED = 0;
export const DUPLICATE_SAME = 1;
export const DUPLICATE_CONFLICT = 2;
export const OUT_OF_ORDER = 3;

/**
 * The in-memory head block: series by numeric ref, an inverted index (label name -> value -> sorted postings of
 * refs), and Gorilla-compressed chunks per series.
 */
export class Head implements PostingsIndex {
  private readonly byRef: (MemSeries | undefined)[] = [undefined];
  private readonly byHash = new Map<number, MemSeries | MemSeries[]>();
  private readonly index = new Map<string, LabelIndexEntry>();
  private sortedNames: string[] | null = null;
  private readonly all = new PostingsList();
  private readonly numbers = new SeriesNumbers();
  /** Appends to every series' open float chunk: resumes the chunk parked in the series, appends, parks it again. */
  private readonly xor = new XorChunkAppender();
  private nextRef = 1;
  numSeries = 0;
  minT = Infinity;
  maxT = -Infinity;
  /** Samples before this were compacted into blocks. */
  minValidTime = -Infinity;
  seriesCreated = 0;
  seriesRemoved = 0;
  chunksCreated = 0;
  chunksRemoved = 0;
  numChunks = 0;
  /**
   * Selections reading the head across yields (a sliced `select`): the head is not truncated while any runs, so
   * that series visited after a yield still have the chunks a new block (which that querier does not see) took over
   * (Prometheus's `WaitForPendingReadersInTimeRange`).
   */
  pendingReaders = 0;

  constructor(readonly chunkRange: number) {}

  /**
   * Resolves once no sliced selection is reading the head (polled: selections always finish), or after `maxMs`
   * (selections one after another without a gap must not keep the head from being truncated forever).
   */
  async waitForPendingReaders(maxMs = 10_000): Promise<boolean> {
    const until = performance.now() + maxMs;
    while (this.pendingReaders > 0) {
      if (performance.now() >= until) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  }

  /** The oldest timestamp an append may have (Prometheus's `appendableMinValidTime`). */
  appendableMinValidTime(): number {
    if (this.maxT === -Infinity) return this.minValidTime;
    return Math.max(this.minValidTime, this.maxT - this.chunkRange / 2);
  }

  get(ref: number): MemSeries | undefined {
    return ref > 0 ? this.byRef[ref] : undefined;
  }

  getByLabels(labels: Labels): MemSeries | undefined {
    const e = this.byHash.get(hashLabels(labels));
    if (e === undefined) return undefined;
    if (e instanceof MemSeries) return e.labels.equals(labels) ? e : undefined;
    for (const s of e) if (s.labels.equals(labels)) return s;
    return undefined;
  }

  /** The series for `labels`, created (with a new ref, or `ref` when replaying the WAL) when absent. */
  getOrCreate(labels: Labels, ref = 0): { series: MemSeries; created: boolean } {
    const h = hashLabels(labels);
    const e = this.byHash.get(h);
    if (e !== undefined) {
      if (e instanceof MemSeries) {
        if (e.labels.equals(labels)) return { series: e, created: false };
      } else {
        for (const s of e) if (s.labels.equals(labels)) return { series: s, created: false };
      }
    }
    if (ref === 0 || this.byRef[ref] !== undefined) ref = this.nextRef;
    if (ref >= this.nextRef) this.nextRef = ref + 1;
    const s = new MemSeries(ref, this.intern(labels, ref), this.numbers);
    this.byRef[ref] = s;
    if (e === undefined) this.byHash.set(h, s);
    else if (e instanceof MemSeries) this.byHash.set(h, [e, s]);
    else e.push(s);
    this.all.add(ref);
    this.numSeries++;
    this.seriesCreated++;
    return { series: s, created: true };
  }

  /** Index the series and rebuild its labels from the index's canonical strings (one copy of each string). */
  private intern(labels: Labels, ref: number): Labels {
    const flat = labels.flat;
    const out: string[] = new Array(flat.length);
    for (let i = 0; i < flat.length; i += 2) {
      let e = this.index.get(flat[i]);
      if (e === undefined) {
        e = { name: flat[i], values: new Map(), sorted: null };
        this.index.set(flat[i], e);
        this.sortedNames = null;
      }
      const value = flat[i + 1];
      out[i] = e.name;
      let p = e.values.get(value);
      if (p === undefined) {
        // The map's key is this very string: the series' labels and the index share it.
        e.values.set(value, ref);
        e.sorted = null;
        out[i + 1] = value;
        continue;
      }
      if (typeof p === 'number') {
        // The value's second series: its one-series entry becomes a list (the string shared with the first series).
        const first = this.byRef[p];
        const shared = first !== undefined ? first.labels.get(e.name) : value;
        const id = p;
        p = new ValuePostings(shared);
        p.add(id);
        e.values.set(value, p);
      }
      p.add(ref);
      out[i + 1] = p.value;
    }
    return Labels.fromSortedFlat(out);
  }

  /** Append one sample that passed validation; re-checks order since another commit may have come first. */
  appendSample(s: MemSeries, t: number, v: number): ApplyResult {
    if (t <= s.maxT) {
      if (t < s.maxT) return OUT_OF_ORDER;
      return sameBits(v, s.lastV) ? DUPLICATE_SAME : DUPLICATE_CONFLICT;
    }
    const a = this.xor;
    const num = s.num;
    const at = s.chunkAt;
    const buf = s.chunkBuf;
    const n = buf === null ? 0 : parkedSamples(num, at);
    if (buf === null || n >= SAMPLES_PER_CHUNK || t >= s.nextAt) {
      // A series' chunks are alike: the next one starts with the room the last full one took (no regrowth, no slack).
      const room = n >= SAMPLES_PER_CHUNK ? s.openBytes().length + XOR_SAMPLE_ROOM : undefined;
      s.closeOpen();
      a.restart(room);
      s.nextAt = rangeForTimestamp(t, this.chunkRange);
      this.chunksCreated++;
      this.numChunks++;
    } else {
      a.resume(buf, num, at);
    }
    a.append(t, v);
    s.chunkBuf = a.park(num, at);
    if (t < s.minT) s.minT = t;
    s.maxT = t;
    s.lastV = v;
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
    return APPLIED;
  }

  /**
   * Delete the series' samples in [mint, maxt] from memory (the head's part of `delete_series`): affected chunks
   * are re-encoded without them. Chunk lists handed to queriers are replaced, never changed. The series' newest
   * time stays, so appends keep their order rules. Returns true when a sample was removed.
   */
  deleteRange(s: MemSeries, mint: number, maxt: number): boolean {
    if (s.minT > maxt || s.maxT < mint) return false;
    const iv = [mint, maxt];
    let changed = false;
    const kept: ChunkRef[] = [];
    for (const c of s.unpack()) {
      const k = chunkWithout(c, iv);
      if (k !== c) changed = true;
      if (k) kept.push(k);
      else {
        this.numChunks--;
        this.chunksRemoved++;
      }
    }
    s.chunks = kept;
    const open = s.openSamples;
    if (open > 0 && s.openMaxT >= mint && s.openMinT <= maxt) {
      changed = true;
      const t = new Float64Array(open);
      const v = new Float64Array(open);
      const n = decodeXorChunk(s.openBytes(), t, v, 0, open);
      const next = new XorChunkAppender();
      for (let i = 0; i < n; i++) if (t[i] < mint || t[i] > maxt) next.append(t[i], v[i]);
      if (next.numSamples > 0) s.chunkBuf = next.park(s.num, s.chunkAt);
      else {
        s.chunkBuf = null;
        this.numChunks--;
        this.chunksRemoved++;
      }
    }
    return changed;
  }

  /** Drop every chunk that ends before `mint` and every series left without chunks (after a block was written). */
  truncate(mint: number): void {
    const dead: MemSeries[] = [];
    let newMin = Infinity;
    for (let r = 1; r < this.byRef.length; r++) {
      const s = this.byRef[r];
      if (s === undefined) continue;
      const dropped = s.dropClosedBefore(mint);
      this.numChunks -= dropped;
      this.chunksRemoved += dropped;
      if (s.openSamples > 0 && s.openMaxT < mint) {
        s.chunkBuf = null;
        this.numChunks--;
        this.chunksRemoved++;
      }
      const closed = s.firstClosedMinT();
      const first = closed !== Infinity ? closed : s.openSamples > 0 ? s.openMinT : Infinity;
      s.minT = first;
      if (first === Infinity && s.pendOwner === 0 && s.ooo === null) dead.push(s);
      else if (first < newMin) newMin = first;
    }
    this.removeSeries(dead);
    this.minValidTime = Math.max(this.minValidTime, mint);
    this.minT = newMin;
  }

  private removeSeries(dead: MemSeries[]): void {
    if (dead.length === 0) return;
    const deadRefs = new Set<number>();
    const touched = new Set<PostingsList>();
    for (const s of dead) {
      s.deleted = true;
      deadRefs.add(s.ref);
      this.byRef[s.ref] = undefined;
      this.numbers.release(s.ref);
      const h = hashLabels(s.labels);
      const e = this.byHash.get(h);
      if (e === s) this.byHash.delete(h);
      else if (Array.isArray(e)) {
        const rest = e.filter((x) => x !== s);
        if (rest.length === 1) this.byHash.set(h, rest[0]);
        else this.byHash.set(h, rest);
      }
      s.labels.forEach((n, v) => {
        const p = this.index.get(n)?.values.get(v);
        if (p !== undefined && typeof p !== 'number') touched.add(p);
      });
    }
    const isDead = (id: number) => deadRefs.has(id);
    for (const p of touched) p.removeWhere(isDead);
    for (const [name, e] of this.index) {
      for (const [v, p] of e.values) {
        if (typeof p === 'number' ? deadRefs.has(p) : p.n === 0) {
          e.values.delete(v);
          e.sorted = null;
        }
      }
      if (e.values.size === 0) {
        this.index.delete(name);
        this.sortedNames = null;
      }
    }
    this.all.removeWhere(isDead);
    this.numSeries -= dead.length;
    this.seriesRemoved += dead.length;
  }

  // --- PostingsIndex

  labelNames(): string[] {
    if (this.sortedNames === null) this.sortedNames = [...this.index.keys()].sort(compareStrings);
    return this.sortedNames;
  }

  labelValuesFor(name: string): readonly string[] {
    const e = this.index.get(name);
    if (e === undefined) return [];
    if (e.sorted === null) e.sorted = [...e.values.keys()].sort(compareStrings);
    return e.sorted;
  }

  postings(name: string, value: string): Uint32Array {
    const p = this.index.get(name)?.values.get(value);
    if (p === undefined) return EMPTY_POSTINGS;
    return typeof p === 'number' ? Uint32Array.of(p) : p.view();
  }

  allPostings(): Uint32Array {
    return this.all.view();
  }

  /** Every live series, in ref order. */
  *allSeries(): IterableIterator<MemSeries> {
    for (let r = 1; r < this.byRef.length; r++) {
      const s = this.byRef[r];
      if (s !== undefined) yield s;
    }
  }

  numLabelPairs(): number {
    let n = 0;
    for (const e of this.index.values()) n += e.values.size;
    return n;
  }

  /** The label cardinality figures of `/api/v1/status/tsdb` (Prometheus's `PostingsStats`), top `limit` each. */
  postingsStats(limit = 10): {
    seriesCountByMetricName: { name: string; value: number }[];
    labelValueCountByLabelName: { name: string; value: number }[];
    memoryInBytesByLabelName: { name: string; value: number }[];
    seriesCountByLabelValuePair: { name: string; value: number }[];
  } {
    const top = (items: { name: string; value: number }[]) => items.sort((a, b) => b.value - a.value || compareStrings(a.name, b.name)).slice(0, limit);
    const metrics: { name: string; value: number }[] = [];
    const valueCounts: { name: string; value: number }[] = [];
    const memory: { name: string; value: number }[] = [];
    const pairs: { name: string; value: number }[] = [];
    for (const [name, e] of this.index) {
      valueCounts.push({ name, value: e.values.size });
      let size = 0;
      for (const [v, p] of e.values) {
        const n = typeof p === 'number' ? 1 : p.n;
        if (name === METRIC_NAME) metrics.push({ name: v, value: n });
        pairs.push({ name: `${name}=${v}`, value: n });
        size += Buffer.byteLength(v) * n;
      }
      memory.push({ name, value: size });
    }
    return {
      seriesCountByMetricName: top(metrics),
      labelValueCountByLabelName: top(valueCounts),
      memoryInBytesByLabelName: top(memory),
      seriesCountByLabelValuePair: top(pairs),
    };
  }
}
