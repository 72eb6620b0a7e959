import type { Labels } from '../../../model/index.js';
import type { SeriesRef } from '../../storage-api/index.js';

const ARENA_CHUNK = 1 << 16;
/** Past either bound the table is cleared and refills from the next requests (series churn must not grow it forever). */
const MAX_ENTRIES = 1 << 20;
const MAX_ARENA_BYTES = 64 << 20;

/**
 * Series a remote-write receiver has seen before, keyed by the raw protobuf bytes of their label fields: a sender
 * encodes a series' labels the same way in every request, so a repeated series is recognised by hashing and
 * comparing those bytes — its label strings are not decoded again, not validated again (for the same limits
 * object), and its storage ref is passed as the append hint instead of a label lookup. One interner per storage
 * instance (refs belong to it). The bytes live in 64 KiB arena chunks, not one buffer per series.
 */
export class SeriesInterner {
  /** Counts `clear()`s: an entry number handed out before a clear may since name another series. */
  generation = 0;
  /** Per entry: the validated labels, the limits they were validated against, the last storage ref (0 = none). */
  readonly labels: Labels[] = [];
  readonly limits: object[] = [];
  refs = new Float64Array(1024);
  /** Per entry: the arena chunk holding its label bytes, as a view that reads them four at a time. */
  private chunkOf: DataView[] = [];
  private offOf = new Uint32Array(1024);
  private lenOf = new Uint32Array(1024);
  private readonly byHash = new Map<number, number | number[]>();
  private arena: Uint8Array = new Uint8Array(ARENA_CHUNK);
  private arenaView = new DataView(this.arena.buffer);
  private arenaPos = 0;
  /** The request body last looked up in, and a view of it (one per body, not per lookup). */
  private rawOf: Uint8Array | null = null;
  private rawView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private arenaBytes = 0;

  constructor(
    private readonly maxEntries = MAX_ENTRIES,
    private readonly maxArenaBytes = MAX_ARENA_BYTES,
  ) {}

  get size(): number {
    return this.labels.length;
  }

  /** The entry whose label bytes equal `raw[a, b)`, or -1. */
  lookup(raw: Uint8Array, a: number, b: number): number {
    const view = this.viewOf(raw);
    const e = this.byHash.get(hashBytes(view, a, b));
    if (e === undefined) return -1;
    if (typeof e === 'number') return this.same(e, view, a, b) ? e : -1;
    for (const id of e) if (this.same(id, view, a, b)) return id;
    return -1;
  }

  /** Remember `raw[a, b)` as the wire form of `labels` (validated against `limits`); returns the entry. */
  add(raw: Uint8Array, a: number, b: number, labels: Labels, limits: object): number {
    const len = b - a;
    if (this.labels.length >= this.maxEntries || this.arenaBytes + len > this.maxArenaBytes) this.clear();
    if (this.arenaPos + len > this.arena.length) {
      this.arena = new Uint8Array(Math.max(ARENA_CHUNK, len));
      this.arenaView = new DataView(this.arena.buffer);
      this.arenaPos = 0;
    }
    this.arena.set(raw.subarray(a, b), this.arenaPos);
    const id = this.labels.length;
    if (id === this.refs.length) this.grow();
    this.labels.push(labels);
    this.limits.push(limits);
    this.chunkOf.push(this.arenaView);
    this.offOf[id] = this.arenaPos;
    this.lenOf[id] = len;
    this.refs[id] = 0;
    this.arenaPos += len;
    this.arenaBytes += len;
    const h = hashBytes(this.viewOf(raw), a, b);
    const e = this.byHash.get(h);
    if (e === undefined) this.byHash.set(h, id);
    else if (typeof e === 'number') this.byHash.set(h, [e, id]);
    else e.push(id);
    return id;
  }

  /** The entry now holds `labels` validated against `limits` (limits were reloaded). */
  revalidated(id: number, labels: Labels, limits: object): void {
    this.labels[id] = labels;
    this.limits[id] = limits;
  }

  setRef(id: number, ref: SeriesRef): void {
    this.refs[id] = ref;
  }

  clear(): void {
    this.generation++;
    this.labels.length = 0;
    this.limits.length = 0;
    this.chunkOf = [];
    this.byHash.clear();
    this.arena = new Uint8Array(ARENA_CHUNK);
    this.arenaView = new DataView(this.arena.buffer);
    this.arenaPos = 0;
    this.arenaBytes = 0;
  }

  /** A view of `raw` (whole), made once per request body: the lookups of one body reuse it. */
  private viewOf(raw: Uint8Array): DataView<ArrayBufferLike> {
    if (raw !== this.rawOf) {
      this.rawOf = raw;
      this.rawView = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    }
    return this.rawView;
  }

  /** Whether entry `id`'s label bytes equal `raw[a, b)`: compared four bytes at a time, then the rest. */
  private same(id: number, raw: DataView<ArrayBufferLike>, a: number, b: number): boolean {
    const len = this.lenOf[id];
    if (len !== b - a) return false;
    const c = this.chunkOf[id];
    const off = this.offOf[id];
    let i = 0;
    for (; i + 4 <= len; i += 4) if (c.getInt32(off + i, true) !== raw.getInt32(a + i, true)) return false;
    for (; i < len; i++) if (c.getUint8(off + i) !== raw.getUint8(a + i)) return false;
    return true;
  }

  private grow(): void {
    const n = this.refs.length * 2;
    this.refs = widened(this.refs, new Float64Array(n));
    this.offOf = widened(this.offOf, new Uint32Array(n));
    this.lenOf = widened(this.lenOf, new Uint32Array(n));
  }
}

/** `to` (larger) holding `from`'s elements first. */
function widened<T extends Float64Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * A hash of `raw[a, b)`, 30 bits (a small integer key): FNV-1a's multiply over four bytes at a time, each step's high
 * bits folded down (a 32-bit multiply carries low bits up only), then the last bytes one by one. Reading words is
 * ~3-4x faster than FNV-1a byte by byte for the ~80 label bytes of a typical series (the lookup was ~6% of the event
 * loop under the remote-write bench).
 */
function hashBytes(raw: DataView<ArrayBufferLike>, a: number, b: number): number {
  let h = 0x811c9dc5;
  let i = a;
  for (; i + 4 <= b; i += 4) {
    h = Math.imul(h ^ raw.getInt32(i, true), 0x01000193);
    h ^= h >>> 15;
  }
  for (; i < b; i++) h = Math.imul(h ^ raw.getUint8(i), 0x01000193);
  return h & 0x3fffffff;
}
