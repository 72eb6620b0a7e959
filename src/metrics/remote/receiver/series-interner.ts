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
  private chunkOf: Uint8Array[] = [];
  private offOf = new Uint32Array(1024);
  private lenOf = new Uint32Array(1024);
  private readonly byHash = new Map<number, number | number[]>();
  private arena: Uint8Array = new Uint8Array(ARENA_CHUNK);
  private arenaPos = 0;
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
    const e = this.byHash.get(hashBytes(raw, a, b));
    if (e === undefined) return -1;
    if (typeof e === 'number') return this.same(e, raw, a, b) ? e : -1;
    for (const id of e) if (this.same(id, raw, a, b)) return id;
    return -1;
  }

  /** Remember `raw[a, b)` as the wire form of `labels` (validated against `limits`); returns the entry. */
  add(raw: Uint8Array, a: number, b: number, labels: Labels, limits: object): number {
    const len = b - a;
    if (this.labels.length >= this.maxEntries || this.arenaBytes + len > this.maxArenaBytes) this.clear();
    if (this.arenaPos + len > this.arena.length) {
      this.arena = new Uint8Array(Math.max(ARENA_CHUNK, len));
      this.arenaPos = 0;
    }
    this.arena.set(raw.subarray(a, b), this.arenaPos);
    const id = this.labels.length;
    if (id === this.refs.length) this.grow();
    this.labels.push(labels);
    this.limits.push(limits);
    this.chunkOf.push(this.arena);
    this.offOf[id] = this.arenaPos;
    this.lenOf[id] = len;
    this.refs[id] = 0;
    this.arenaPos += len;
    this.arenaBytes += len;
    const h = hashBytes(raw, a, b);
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
    this.arenaPos = 0;
    this.arenaBytes = 0;
  }

  private same(id: number, raw: Uint8Array, a: number, b: number): boolean {
    const len = this.lenOf[id];
    if (len !== b - a) return false;
    const c = this.chunkOf[id];
    const off = this.offOf[id];
    for (let i = 0; i < len; i++) if (c[off + i] !== raw[a + i]) return false;
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

/** FNV-1a over bytes, 30 bits (a small integer key). */
function hashBytes(raw: Uint8Array, a: number, b: number): number {
  let h = 0x811c9dc5;
  for (let i = a; i < b; i++) h = Math.imul(h ^ raw[i], 0x01000193);
  return h & 0x3fffffff;
}
