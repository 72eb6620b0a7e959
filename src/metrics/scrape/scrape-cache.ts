import type { Labels, MetricMetadata } from '../../model/index.js';
import { hashSeriesKey } from '../textparse/index.js';

/** A metric family's metadata as the target last described it; `version` counts its changes. */
export interface Family {
  meta: MetricMetadata;
  version: number;
}

const MIN_TABLE = 128;
const MIN_ARENA = 4096;

/** Where `get`/`add` encode a string key to look it up by its bytes. */
let scratch = Buffer.alloc(256);

function encodeKey(key: string): number {
  if (scratch.length < key.length * 3) scratch = Buffer.alloc(key.length * 3);
  return scratch.write(key, 0, 'utf8');
}

/**
 * Prometheus's scrape cache of one target: the series it has seen, keyed by their raw bytes in the exposition
 * (`name{labels}` as written), as slots of parallel columns (storage ref, final labels, the iteration last seen,
 * metric family and the family version last sent to storage).
 *
 * A series is found by its bytes in the scrape body itself, without a string: an open-addressing hash table (linear
 * probing, at most half full) holds slot + 1 per entry, each slot's key bytes are kept in one per-target arena and
 * compared with the body's bytes after the hash and the length match. The hash is the one the text parser computes
 * while scanning the key (`hashSeriesKey`). So a scrape of series seen before allocates nothing per sample; only a
 * new or changed series decodes its text and labels. A million series over 1,000 targets are a few typed arrays per
 * target rather than a million objects and strings in the old generation for every mark-compact to walk.
 *
 * It also remembers the order of the last text scrape (`following`): which series came after which. An exporter
 * writes its series in the same order every scrape, so the scrape loop hands the parser the key it expects next
 * (`ExpositionParser.expectKey`) and a line that starts with those bytes needs neither its key scanned and hashed
 * nor a table probe.
 */
export class ScrapeCache {
  /** Storage ref per slot (0 until appended). */
  refs = new Float64Array(64);
  /** Iteration in which the slot's series was last seen. */
  seen = new Int32Array(64);
  /** Version of `family[slot]` last sent as metadata (-1: none). */
  familyVersion = new Int32Array(64);
  /** Final labels; null when metric relabeling dropped the series. */
  readonly labels: (Labels | null)[] = [];
  readonly family: (Family | undefined)[] = [];

  /** Per slot: the slot that followed it in the last text scrape (-1: none known). */
  private follow = new Int32Array(64).fill(-1);
  /** The first slot of the last text scrape (-1: none). */
  private first = -1;
  /** Per slot: 1 when its key came from the text parser (`insert`), 0 from a string (`add`: protobuf, tests). */
  private textKey = new Uint8Array(64);
  /** Per slot: the key's hash, its offset in `arena` and its length (-1: a free slot). */
  private keyHash = new Int32Array(64);
  private keyOff = new Int32Array(64);
  private keyLen = new Int32Array(64);
  private arena = new Uint8Array(MIN_ARENA);
  private arenaUsed = 0;
  /** Bytes of `arena` that belong to live slots (the rest is swept keys, reclaimed by compaction). */
  private arenaLive = 0;
  /** Open addressing: slot + 1, 0 = empty. Its length is a power of two. */
  private table = new Int32Array(MIN_TABLE);
  private count = 0;
  private readonly free: number[] = [];
  private used = 0;

  get size(): number {
    return this.count;
  }

  /** The slot of the key `b[start, end)` whose `hashSeriesKey` is `hash`, or -1. */
  find(b: Uint8Array, start: number, end: number, hash: number): number {
    const len = end - start;
    const t = this.table;
    const mask = t.length - 1;
    const keyHash = this.keyHash;
    const keyLen = this.keyLen;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const e = t[i];
      if (e === 0) return -1;
      const s = e - 1;
      if (keyHash[s] === hash && keyLen[s] === len && this.sameKey(s, b, start, len)) return s;
    }
  }

  /**
   * The live slot with a text-parsed key that followed `after` in the last text scrape (`after` -1: the first one), or
   * -1. A guess: the caller compares its key with the body (`keyArena`, `keyOffset`, `keyLength`).
   */
  following(after: number): number {
    const s = after < 0 ? this.first : this.follow[after];
    return s >= 0 && this.keyLen[s] >= 0 && this.textKey[s] === 1 ? s : -1;
  }

  /** Records that slot `s` followed slot `after` (-1: `s` came first) in this text scrape. */
  setFollowing(after: number, s: number): void {
    if (after < 0) this.first = s;
    else this.follow[after] = s;
  }

  /** The bytes of every slot's key: `keyArena()[keyOffset(s), keyOffset(s) + keyLength(s))` (valid until the next insert or sweep). */
  keyArena(): Uint8Array {
    return this.arena;
  }

  keyOffset(s: number): number {
    return this.keyOff[s];
  }

  keyLength(s: number): number {
    return this.keyLen[s];
  }

  keyHashOf(s: number): number {
    return this.keyHash[s];
  }

  private sameKey(s: number, b: Uint8Array, start: number, len: number): boolean {
    const a = this.arena;
    const off = this.keyOff[s];
    for (let k = 0; k < len; k++) if (a[off + k] !== b[start + k]) return false;
    return true;
  }

  /**
   * A new slot for the key `b[start, end)` (not in the cache; its bytes are copied), ref 0, never seen. `hash` is
   * `hashSeriesKey(b, start, end)`.
   */
  insert(b: Uint8Array, start: number, end: number, hash: number, labels: Labels | null, family: Family | undefined): number {
    return this.insertKey(b, start, end, hash, labels, family, 1);
  }

  private insertKey(b: Uint8Array, start: number, end: number, hash: number, labels: Labels | null, family: Family | undefined, text: number): number {
    let s = this.free.pop();
    if (s === undefined) {
      s = this.used++;
      if (s === this.refs.length) this.grow();
    }
    const len = end - start;
    if (this.arenaUsed + len > this.arena.length) this.growArena(len);
    this.arena.set(b.subarray(start, end), this.arenaUsed);
    this.keyOff[s] = this.arenaUsed;
    this.keyLen[s] = len;
    this.keyHash[s] = hash;
    this.arenaUsed += len;
    this.arenaLive += len;
    this.refs[s] = 0;
    this.seen[s] = 0;
    this.familyVersion[s] = -1;
    this.follow[s] = -1;
    this.textKey[s] = text;
    this.labels[s] = labels;
    this.family[s] = family;
    this.count++;
    if (this.count * 2 > this.table.length) this.rehash(this.table.length * 2);
    else this.place(this.table, s, hash);
    return s;
  }

  /** The slot of `key` (its UTF-8 bytes), or -1. */
  get(key: string): number {
    const n = encodeKey(key);
    return this.find(scratch, 0, n, hashSeriesKey(scratch, 0, n));
  }

  /** A new slot for `key` (its UTF-8 bytes), as `insert`. */
  add(key: string, labels: Labels | null, family: Family | undefined): number {
    const n = encodeKey(key);
    return this.insertKey(scratch, 0, n, hashSeriesKey(scratch, 0, n), labels, family, 0);
  }

  /** Forget the series not seen in iteration `iter - 1` or later; their slots are reused. */
  sweep(iter: number): void {
    let removed = 0;
    for (let s = 0; s < this.used; s++) {
      if (this.keyLen[s] >= 0 && this.seen[s] < iter - 1) {
        this.arenaLive -= this.keyLen[s];
        this.keyLen[s] = -1;
        this.labels[s] = null;
        this.family[s] = undefined;
        this.free.push(s);
        removed++;
      }
    }
    if (removed === 0) return;
    this.count -= removed;
    if (this.arenaUsed > 2 * this.arenaLive + MIN_ARENA) this.compactArena();
    let size = MIN_TABLE;
    while (size < this.count * 2) size *= 2;
    this.rehash(size);
  }

  private place(t: Int32Array, s: number, hash: number): void {
    const mask = t.length - 1;
    let i = hash & mask;
    while (t[i] !== 0) i = (i + 1) & mask;
    t[i] = s + 1;
  }

  private rehash(size: number): void {
    const t = new Int32Array(size);
    for (let s = 0; s < this.used; s++) if (this.keyLen[s] >= 0) this.place(t, s, this.keyHash[s]);
    this.table = t;
  }

  private growArena(need: number): void {
    const a = new Uint8Array(Math.max(this.arenaUsed + need, Math.ceil(this.arena.length * 1.5)));
    a.set(this.arena.subarray(0, this.arenaUsed));
    this.arena = a;
  }

  /** Copies the live keys into an arena of their size (plus growth room); slot numbers do not change. */
  private compactArena(): void {
    const a = new Uint8Array(Math.max(MIN_ARENA, Math.ceil(this.arenaLive * 1.25)));
    let at = 0;
    for (let s = 0; s < this.used; s++) {
      const len = this.keyLen[s];
      if (len < 0) continue;
      const off = this.keyOff[s];
      a.set(this.arena.subarray(off, off + len), at);
      this.keyOff[s] = at;
      at += len;
    }
    this.arena = a;
    this.arenaUsed = at;
  }

  private grow(): void {
    const n = this.refs.length * 2;
    const refs = new Float64Array(n);
    refs.set(this.refs);
    this.refs = refs;
    this.seen = growInt32(this.seen, n);
    this.familyVersion = growInt32(this.familyVersion, n);
    this.keyHash = growInt32(this.keyHash, n);
    this.keyOff = growInt32(this.keyOff, n);
    this.keyLen = growInt32(this.keyLen, n);
    const follow = new Int32Array(n).fill(-1);
    follow.set(this.follow);
    this.follow = follow;
    const textKey = new Uint8Array(n);
    textKey.set(this.textKey);
    this.textKey = textKey;
  }
}

function growInt32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
