import { readFileSync } from 'node:fs';
import { ByteReader, ByteWriter } from './byte-codec.js';
import { crc32c } from './crc32c.js';
import type { ChunkRef } from './head.js';
import { filterHistogramChunk } from './head-histograms.js';
import { XorChunkAppender, decodeXorChunk } from './xor-chunk.js';

/**
 * Deletion intervals (Prometheus's tombstones): closed [mint, maxt] time ranges per series, kept as a flat sorted
 * list `[mint0, maxt0, mint1, maxt1, …]` of disjoint intervals. A block's `tombstones` file holds them on disk
 * (format: magic 0x0130BA30, version 1, per interval `uvarint series ref, varint mint, varint maxt`, CRC-32C of the
 * intervals, all as Prometheus's tsdb/docs/format/tombstones.md).
 */

export const TOMBSTONES_MAGIC = 0x0130ba30;
export type Intervals = readonly number[];
export type TombstoneMap = Map<number, Intervals>;

/** `iv` with [mint, maxt] added, overlapping and adjacent intervals merged (as Prometheus's `Intervals.Add`). */
export function addInterval(iv: Intervals, mint: number, maxt: number): number[] {
  const out: number[] = [];
  let lo = mint;
  let hi = maxt;
  let placed = false;
  for (let i = 0; i < iv.length; i += 2) {
    const a = iv[i];
    const b = iv[i + 1];
    if (b + 1 < lo) out.push(a, b);
    else if (a > hi + 1) {
      if (!placed) out.push(lo, hi);
      placed = true;
      out.push(a, b);
    } else {
      lo = Math.min(lo, a);
      hi = Math.max(hi, b);
    }
  }
  if (!placed) out.push(lo, hi);
  return out;
}

/** True when `t` lies in one of the intervals. */
export function isDeleted(iv: Intervals, t: number): boolean {
  for (let i = 0; i < iv.length; i += 2) if (t >= iv[i] && t <= iv[i + 1]) return true;
  return false;
}

/** True when [mint, maxt] lies entirely inside one interval. */
export function covers(iv: Intervals, mint: number, maxt: number): boolean {
  for (let i = 0; i < iv.length; i += 2) if (mint >= iv[i] && maxt <= iv[i + 1]) return true;
  return false;
}

/** True when some interval overlaps [mint, maxt]. */
export function overlaps(iv: Intervals, mint: number, maxt: number): boolean {
  for (let i = 0; i < iv.length; i += 2) if (iv[i] <= maxt && iv[i + 1] >= mint) return true;
  return false;
}

/** Drop the samples in [from, from + n) of decoded columns that fall in `iv`; returns the new end. */
export function dropDeleted(t: Float64Array, v: Float64Array, from: number, n: number, iv: Intervals): number {
  let w = from;
  for (let r = from; r < from + n; r++) {
    if (isDeleted(iv, t[r])) continue;
    t[w] = t[r];
    v[w] = v[r];
    w++;
  }
  return w;
}

/** The chunk without the samples in `iv`: itself when none is deleted, re-encoded when some are, null when all are. */
export function chunkWithout(c: ChunkRef, iv: Intervals): ChunkRef | null {
  if (!overlaps(iv, c.minT, c.maxT)) return c;
  if (covers(iv, c.minT, c.maxT)) return null;
  // Dropping samples from a histogram chunk leaves the rest appendable: one chunk comes back.
  if (c.encoding !== undefined) return filterHistogramChunk(c, (t) => !isDeleted(iv, t))[0] ?? null;
  const t = new Float64Array(c.n);
  const v = new Float64Array(c.n);
  const n = dropDeleted(t, v, 0, decodeXorChunk(c.data, t, v, 0, c.n), iv);
  if (n === 0) return null;
  const app = new XorChunkAppender();
  for (let i = 0; i < n; i++) app.append(t[i], v[i]);
  return { data: app.seal(), minT: app.minT, maxT: app.maxT, n };
}

export function encodeTombstones(stones: TombstoneMap): Buffer {
  const w = new ByteWriter(64);
  w.u32be(TOMBSTONES_MAGIC);
  w.byte(1);
  for (const ref of [...stones.keys()].sort((a, b) => a - b)) {
    const iv = stones.get(ref)!;
    for (let i = 0; i < iv.length; i += 2) {
      w.uvarint(ref);
      w.varint(iv[i]);
      w.varint(iv[i + 1]);
    }
  }
  w.u32be(crc32c(w.buf, 5, w.len));
  return Buffer.from(w.view());
}

/** Read a `tombstones` file; a missing file is no tombstones. Throws RangeError on a bad one. */
export function readTombstones(path: string): TombstoneMap {
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
  if (b.length < 9 || b.readUInt32BE(0) !== TOMBSTONES_MAGIC) throw new RangeError('bad tombstones magic');
  if (b[4] !== 1) throw new RangeError(`tombstones version ${b[4]}`);
  if (crc32c(b, 5, b.length - 4) !== b.readUInt32BE(b.length - 4)) throw new RangeError('tombstones checksum mismatch');
  const out: TombstoneMap = new Map();
  const r = new ByteReader(b, 5, b.length - 4);
  while (!r.done) {
    const ref = r.uvarint();
    const mint = r.varint();
    const maxt = r.varint();
    out.set(ref, addInterval(out.get(ref) ?? [], mint, maxt));
  }
  return out;
}
