import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { compareStrings, type Labels } from '../../model/index.js';
import { ByteWriter } from './byte-codec.js';
import { crc32c } from './crc32c.js';
import { fsyncDir, writeFileSynced } from './durable-file.js';
import { encodeTombstones } from './tombstones.js';
import { chunkNumSamples } from './xor-chunk.js';

/**
 * Writes one block directory in Prometheus's TSDB block format (tsdb/docs/format/*.md in Prometheus; summary in
 * docs/tsdb.md): `chunks/NNNNNN` segment files, `index` (format v2), `meta.json`, `tombstones`. Prometheus and
 * promtool read these blocks, and we read theirs. Everything is written into `<ulid>.tmp`, fsynced, then renamed,
 * so a crash never leaves a half block behind.
 */

export const CHUNKS_MAGIC = 0x85bd40dd;
export const CHUNKS_FORMAT_VERSION = 1;
export const CHUNK_ENCODING_XOR = 1;
export const INDEX_MAGIC = 0xbaaad700;
export const INDEX_VERSION = 2;
/** `meta.json` version: 1, as Prometheus writes it. */
export const META_VERSION = 1;
/** Six u64 section offsets and a CRC-32C. */
export const TOC_SIZE = 6 * 8 + 4;
/** Index magic of the blocks Sightline wrote before it used Prometheus's format ('SLIX' little-endian). */
export const OLD_SIGHTLINE_INDEX_MAGIC = 0x58494c53;
const MAX_SEGMENT = 512 * 1024 * 1024;
const YIELD_EVERY = 2000;

export interface BlockMeta {
  ulid: string;
  minTime: number;
  /** Exclusive, as in Prometheus. */
  maxTime: number;
  stats: { numSamples: number; numSeries: number; numChunks: number; numTombstones?: number };
  compaction: { level: number; sources: string[]; parents?: { ulid: string; minTime: number; maxTime: number }[]; hints?: string[] };
  version: number;
}

export interface ChunkSource {
  minT: number;
  maxT: number;
  /** Encoded chunk (header + bit stream). */
  data: Uint8Array;
  /** Chunk encoding: 1 XOR (the default), 2 integer histogram, 3 float histogram. */
  encoding?: number;
}

export interface SeriesToWrite {
  labels: Labels;
  chunks: ChunkSource[];
}

class ChunkSegmentWriter {
  private fd = -1;
  /** Sequence of the open segment: 0 for `000001`. */
  private seq = -1;
  private off = 0;
  private readonly buf = new ByteWriter(1 << 20);
  bytes = 0;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private open(): void {
    this.close();
    this.seq++;
    this.fd = openSync(join(this.dir, String(this.seq + 1).padStart(6, '0')), 'w');
    const h = Buffer.alloc(8);
    h.writeUInt32BE(CHUNKS_MAGIC, 0);
    h[4] = CHUNKS_FORMAT_VERSION;
    writeSync(this.fd, h);
    this.off = 8;
    this.bytes += 8;
  }

  /**
   * Returns the chunk's reference: segment sequence × 2^32 + offset. Stored as `uvarint length, encoding byte,
   * data, CRC-32C (big-endian) of encoding and data`.
   */
  write(data: Uint8Array, encoding = CHUNK_ENCODING_XOR): number {
    if (this.fd < 0 || this.off + this.buf.len + data.length + 15 > MAX_SEGMENT) {
      this.drain();
      this.open();
    }
    const b = this.buf;
    const ref = this.seq * 2 ** 32 + this.off + b.len;
    b.uvarint(data.length);
    const encAt = b.len;
    b.byte(encoding);
    b.bytes(data);
    b.u32be(crc32c(b.buf, encAt, b.len));
    if (b.len >= 1 << 20) this.drain();
    return ref;
  }

  private drain(): void {
    if (this.fd < 0 || this.buf.len === 0) return;
    const v = this.buf.view();
    let w = 0;
    while (w < v.length) w += writeSync(this.fd, v, w, v.length - w);
    this.off += v.length;
    this.bytes += v.length;
    this.buf.reset();
  }

  close(): void {
    this.drain();
    if (this.fd >= 0) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/** Start a section that begins with a big-endian u32 length; returns the position of that length. */
function beginSection(w: ByteWriter): number {
  const at = w.len;
  w.u32be(0);
  return at;
}

/** Fill in the section's length (the bytes after the length field) and append their CRC-32C. */
function endSection(w: ByteWriter, at: number): void {
  w.patchU32be(at, w.len - at - 4);
  w.u32be(crc32c(w.buf, at + 4, w.len));
}

/** Prometheus's index file (v2) for the series written, with series ids = offset / 16. */
function encodeIndex(written: { labels: Labels; metas: number[] }[], symbolSet: Set<string>): ByteWriter {
  const w = new ByteWriter(1 << 20);
  w.u32be(INDEX_MAGIC);
  w.byte(INDEX_VERSION);
  // symbol table
  const symbolsOff = w.len;
  const sortedSymbols = [...symbolSet].sort(compareStrings);
  const symbols = new Map<string, number>();
  sortedSymbols.forEach((s, i) => symbols.set(s, i));
  let at = beginSection(w);
  w.u32be(sortedSymbols.length);
  for (const s of sortedSymbols) w.string(s);
  endSection(w, at);
  // series, each 16-byte aligned
  w.align(16);
  const seriesOff = w.len;
  const all: number[] = [];
  const postings = new Map<string, Map<string, number[]>>();
  const rec = new ByteWriter(256);
  for (const s of written) {
    w.align(16);
    const id = w.len / 16;
    all.push(id);
    rec.reset();
    rec.uvarint(s.labels.size);
    s.labels.forEach((n, v) => {
      rec.uvarint(symbols.get(n)!);
      rec.uvarint(symbols.get(v)!);
      let byValue = postings.get(n);
      if (!byValue) postings.set(n, (byValue = new Map()));
      let list = byValue.get(v);
      if (!list) byValue.set(v, (list = []));
      list.push(id);
    });
    const m = s.metas;
    rec.uvarint(m.length / 3);
    rec.varint(m[0]);
    rec.uvarint(m[1] - m[0]);
    rec.uvarint(m[2]);
    for (let i = 3; i < m.length; i += 3) {
      // Chunks of merged overlapping blocks may overlap: the delta then wraps as Go's uint64 does.
      rec.int64AsUvarint(m[i] - m[i - 2]);
      rec.uvarint(m[i + 1] - m[i]);
      rec.varint(m[i + 2] - m[i - 1]);
    }
    w.uvarint(rec.len);
    w.bytes(rec.view());
    w.u32be(crc32c(rec.buf, 0, rec.len));
  }
  const names = [...postings.keys()].sort(compareStrings);
  // label indices (no longer read by Prometheus, written for completeness): one per label name
  w.align(4);
  const labelIndicesOff = w.len;
  const labelIndexAt: number[] = [];
  const sortedValues = names.map((n) => [...postings.get(n)!.keys()].sort(compareStrings));
  names.forEach((_, i) => {
    w.align(4);
    labelIndexAt.push(w.len);
    at = beginSection(w);
    w.u32be(1);
    w.u32be(sortedValues[i].length);
    for (const v of sortedValues[i]) w.u32be(symbols.get(v)!);
    endSection(w, at);
  });
  // postings: all series first (the empty label pair), then per (name, value), sorted
  const postingsOff = w.len;
  const postingsAt: { name: string; value: string; off: number }[] = [];
  const writePostings = (name: string, value: string, ids: number[]) => {
    w.align(4);
    postingsAt.push({ name, value, off: w.len });
    at = beginSection(w);
    w.u32be(ids.length);
    for (const id of ids) w.u32be(id);
    endSection(w, at);
  };
  writePostings('', '', all);
  names.forEach((n, i) => {
    const byValue = postings.get(n)!;
    for (const v of sortedValues[i]) writePostings(n, v, byValue.get(v)!);
  });
  // label offset table
  const labelTableOff = w.len;
  at = beginSection(w);
  w.u32be(names.length);
  names.forEach((n, i) => {
    w.byte(1);
    w.string(n);
    w.uvarint(labelIndexAt[i]);
  });
  endSection(w, at);
  // postings offset table
  const postingsTableOff = w.len;
  at = beginSection(w);
  w.u32be(postingsAt.length);
  for (const p of postingsAt) {
    w.byte(2);
    w.string(p.name);
    w.string(p.value);
    w.uvarint(p.off);
  }
  endSection(w, at);
  // TOC
  const tocAt = w.len;
  for (const off of [symbolsOff, seriesOff, labelIndicesOff, labelTableOff, postingsOff, postingsTableOff]) w.u64be(off);
  w.u32be(crc32c(w.buf, tocAt, w.len));
  return w;
}



/**
 * Write `series` (sorted by labels, chunks in time order, all inside [minTime, maxTime)) as a block in `parentDir`.
 * The chunks of a series are read when the iterator reaches it; the chunks in range must not change meanwhile.
 * Returns the meta, or null when there was no sample to write (no block is created then).
 */
export async function writeBlock(
  parentDir: string,
  id: string,
  minTime: number,
  maxTime: number,
  series: Iterable<SeriesToWrite>,
  compaction: BlockMeta['compaction'],
): Promise<BlockMeta | null> {
  const tmp = join(parentDir, `${id}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const chunkWriter = new ChunkSegmentWriter(join(tmp, 'chunks'));
    const symbols = new Set<string>();
    const written: { labels: Labels; metas: number[] }[] = [];
    let numSamples = 0;
    let numChunks = 0;
    let seen = 0;
    for (const s of series) {
      // Yield to the event loop now and then: appends and queries go on while a block is written.
      if (++seen % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
      const metas: number[] = [];
      for (const c of s.chunks) {
        const n = chunkNumSamples(c.data);
        if (n === 0) continue;
        metas.push(c.minT, c.maxT, chunkWriter.write(c.data, c.encoding));
        numSamples += n;
        numChunks++;
      }
      if (metas.length === 0) continue;
      s.labels.forEach((n, v) => {
        symbols.add(n);
        symbols.add(v);
      });
      written.push({ labels: s.labels, metas });
    }
    chunkWriter.close();
    if (numSamples === 0) {
      rmSync(tmp, { recursive: true, force: true });
      return null;
    }
    writeFileSynced(join(tmp, 'index'), encodeIndex(written, symbols).view());
    writeFileSynced(join(tmp, 'tombstones'), encodeTombstones(new Map()));
    const meta: BlockMeta = {
      ulid: id,
      minTime,
      maxTime,
      stats: { numSamples, numSeries: written.length, numChunks },
      compaction,
      version: META_VERSION,
    };
    writeFileSynced(join(tmp, 'meta.json'), Buffer.from(JSON.stringify(meta, null, 2)));
    fsyncDir(join(tmp, 'chunks'));
    fsyncDir(tmp);
    renameSync(tmp, join(parentDir, id));
    fsyncDir(parentDir);
    return meta;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
