import { closeSync, fstatSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Labels } from '../../model/index.js';
import { ByteReader } from './byte-codec.js';
import { CHUNK_ENCODING_XOR, INDEX_MAGIC, INDEX_VERSION, META_VERSION, OLD_SIGHTLINE_INDEX_MAGIC, TOC_SIZE, type BlockMeta } from './block-writer.js';
import { crc32c } from './crc32c.js';
import { ENC_FLOAT_HISTOGRAM } from './float-histogram-chunk.js';
import { ENC_HISTOGRAM } from './histogram-chunk.js';
import { replaceFile } from './durable-file.js';
import { addInterval, chunkWithout, covers, encodeTombstones, overlaps, readTombstones, type TombstoneMap } from './tombstones.js';
import type { ChunkRef } from './head.js';
import { EMPTY_POSTINGS, type PostingsIndex } from './postings.js';

export class BlockCorruptError extends Error {
  constructor(dir: string, reason: string) {
    super(`block ${dir}: ${reason}`);
    this.name = 'BlockCorruptError';
  }
}

/** A block in Sightline's own format of before (not Prometheus's), which this version does not read. */
export class UnsupportedBlockFormatError extends BlockCorruptError {
  constructor(dir: string, reason: string) {
    super(dir, reason);
    this.name = 'UnsupportedBlockFormatError';
  }
}

interface LoadedIndex {
  fd: number;
  size: number;
  symbols: string[];
  names: string[];
  /** name -> sorted values and each value's postings offset (the empty name is the all-series list) */
  table: Map<string, { values: string[]; off: Float64Array }>;
}

interface ChunkSegment {
  fd: number;
  size: number;
}

export interface BlockSeries {
  /** The series reference in this block's index (its offset / 16). */
  id: number;
  labels: Labels;
  /** minT, maxT, ref per chunk */
  chunks: Float64Array;
}

/** Read `length` bytes at `position`, fewer at the end of the file. */
function preadUpTo(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

function pread(fd: number, length: number, position: number): Buffer {
  const buf = preadUpTo(fd, length, position);
  if (buf.length < length) throw new RangeError('unexpected end of file');
  return buf;
}

function u64be(b: Buffer, at: number): number {
  return b.readUInt32BE(at) * 2 ** 32 + b.readUInt32BE(at + 4);
}

/** A section that starts with a big-endian u32 length and ends with the CRC-32C of those bytes: its content. */
function readSection(fd: number, at: number, what: string): Buffer {
  const len = pread(fd, 4, at).readUInt32BE(0);
  const buf = pread(fd, len + 4, at + 4);
  if (crc32c(buf, 0, len) !== buf.readUInt32BE(len)) throw new RangeError(`${what} checksum mismatch`);
  return buf.subarray(0, len);
}

/** The encoding byte of the chunk parseChunk returned last (reads are synchronous: one slot suffices). */
let lastChunkEncoding = CHUNK_ENCODING_XOR;

/** Bytes read ahead for one series record or chunk; a longer one costs a second read. */
const SERIES_READ_AHEAD = 1024;
const CHUNK_READ_AHEAD = 512;

/**
 * One on-disk block in Prometheus's format (see block-writer.ts), read lazily: `meta.json` at open; the index's
 * symbol table and postings offset table on first use (dropped again by `release()` when idle); series records,
 * postings and chunks with positioned reads. Reads blocks written by Prometheus and promtool (float XOR chunks).
 */
export class Block implements PostingsIndex {
  private ix: LoadedIndex | null = null;
  private segments: ChunkSegment[] | null = null;
  lastUsed = 0;
  /** Queriers currently reading this block; deletion waits until it is 0. */
  readers = 0;
  private deleteWhenUnused = false;
  readonly size: number;
  /** Deleted time ranges per series id (the `tombstones` file). */
  private tombstones: TombstoneMap;

  private constructor(
    readonly dir: string,
    readonly meta: BlockMeta,
  ) {
    this.size = dirSize(dir);
    try {
      this.tombstones = readTombstones(join(dir, 'tombstones'));
    } catch (e) {
      throw new BlockCorruptError(dir, `tombstones: ${(e as Error).message}`);
    }
  }

  get hasTombstones(): boolean {
    return this.tombstones.size > 0;
  }

  /**
   * Prometheus's `Block.Delete`: mark [mint, maxt] deleted for the series `ids` that have a chunk in that range;
   * the `tombstones` file and `meta.json` are replaced atomically. Returns how many series got a tombstone.
   */
  addTombstones(ids: Uint32Array, mint: number, maxt: number): number {
    let n = 0;
    const next = new Map(this.tombstones);
    for (const s of this.readSeries(ids)) {
      let hit = false;
      for (let i = 0; i < s.chunks.length && !hit; i += 3) hit = s.chunks[i] <= maxt && s.chunks[i + 1] >= mint;
      if (!hit) continue;
      next.set(s.id, addInterval(next.get(s.id) ?? [], mint, maxt));
      n++;
    }
    if (n === 0) return 0;
    replaceFile(join(this.dir, 'tombstones'), encodeTombstones(next));
    let count = 0;
    for (const iv of next.values()) count += iv.length / 2;
    this.meta.stats.numTombstones = count;
    replaceFile(join(this.dir, 'meta.json'), Buffer.from(JSON.stringify(this.meta, null, 2)));
    this.tombstones = next;
    return n;
  }

  /** True when the series has a chunk overlapping [mint, maxt] that is not deleted entirely. */
  hasVisibleChunk(s: BlockSeries, mint: number, maxt: number): boolean {
    const iv = this.tombstones.get(s.id);
    const c = s.chunks;
    for (let i = 0; i < c.length; i += 3) if (c[i + 1] >= mint && c[i] <= maxt && !(iv && covers(iv, c[i], c[i + 1]))) return true;
    return false;
  }

  /** Every chunk of the series with its deleted samples removed (for compaction and `clean_tombstones`). */
  chunksWithoutDeleted(s: BlockSeries): ChunkRef[] {
    const iv = this.tombstones.get(s.id);
    const out: ChunkRef[] = [];
    for (let i = 0; i < s.chunks.length; i += 3) {
      const { data, encoding } = this.readChunkWithEncoding(s.chunks[i + 2]);
      const c: ChunkRef = { data, minT: s.chunks[i], maxT: s.chunks[i + 1], n: (data[0] << 8) | data[1] };
      // Histogram chunks keep their encoding: a merged block writes them as they are, not as XOR chunks.
      if (encoding !== CHUNK_ENCODING_XOR) c.encoding = encoding;
      const kept = iv ? chunkWithout(c, iv) : c;
      if (kept) out.push(kept);
    }
    return out;
  }

  static open(dir: string): Block {
    let meta: BlockMeta;
    try {
      meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as BlockMeta;
    } catch (e) {
      throw new BlockCorruptError(dir, `unreadable meta.json: ${(e as Error).message}`);
    }
    if (meta.version !== META_VERSION) throw new UnsupportedBlockFormatError(dir, `meta.json version ${String(meta.version)}, want ${META_VERSION}`);
    let magic = 0;
    try {
      const fd = openSync(join(dir, 'index'), 'r');
      try {
        const b = preadUpTo(fd, 4, 0);
        if (b.length === 4) magic = b.readUInt32LE(0);
      } finally {
        closeSync(fd);
      }
    } catch {
      // a missing index is reported on first use
    }
    if (magic === OLD_SIGHTLINE_INDEX_MAGIC) {
      throw new UnsupportedBlockFormatError(
        dir,
        "written in Sightline's own block format of before 2026-12 (index magic SLIX); this version reads Prometheus's TSDB block format only (see docs/tsdb.md, \"Block format change\")",
      );
    }
    return new Block(dir, meta);
  }

  get minTime(): number {
    return this.meta.minTime;
  }

  get maxTime(): number {
    return this.meta.maxTime;
  }

  private index(): LoadedIndex {
    this.lastUsed = Date.now();
    if (this.ix) return this.ix;
    const fd = openSync(join(this.dir, 'index'), 'r');
    try {
      const size = fstatSync(fd).size;
      if (size < 5 + TOC_SIZE) throw new BlockCorruptError(this.dir, 'index too short');
      const head = pread(fd, 5, 0);
      if (head.readUInt32BE(0) !== INDEX_MAGIC) throw new BlockCorruptError(this.dir, 'bad index magic');
      if (head[4] !== INDEX_VERSION) throw new UnsupportedBlockFormatError(this.dir, `index format v${head[4]}, only v${INDEX_VERSION} is read`);
      const toc = pread(fd, TOC_SIZE, size - TOC_SIZE);
      if (crc32c(toc, 0, TOC_SIZE - 4) !== toc.readUInt32BE(TOC_SIZE - 4)) throw new BlockCorruptError(this.dir, 'index TOC checksum mismatch');
      const symbolsOff = u64be(toc, 0);
      const postingsTableOff = u64be(toc, 40);
      const sr = new ByteReader(readSection(fd, symbolsOff, 'symbol table'));
      const nsym = sr.u32be();
      const symbols: string[] = new Array(nsym);
      for (let i = 0; i < nsym; i++) symbols[i] = sr.string();
      const tr = new ByteReader(readSection(fd, postingsTableOff, 'postings offset table'));
      const n = tr.u32be();
      const table = new Map<string, { values: string[]; off: Float64Array }>();
      const names: string[] = [];
      // Entries are sorted by name, then value: collect each name's run.
      let pending: { name: string; values: string[]; offs: number[] } | null = null;
      const flush = () => {
        if (!pending) return;
        table.set(pending.name, { values: pending.values, off: Float64Array.from(pending.offs) });
        if (pending.name !== '') names.push(pending.name);
      };
      for (let i = 0; i < n; i++) {
        if (tr.byte() !== 2) throw new BlockCorruptError(this.dir, 'postings offset table entry is not a label pair');
        const name = tr.string();
        const value = tr.string();
        const off = tr.uvarint();
        if (!pending || pending.name !== name) {
          flush();
          pending = { name, values: [], offs: [] };
        }
        pending.values.push(value);
        pending.offs.push(off);
      }
      flush();
      this.ix = { fd, size, symbols, names, table };
      return this.ix;
    } catch (e) {
      closeSync(fd);
      if (e instanceof BlockCorruptError) throw e;
      throw new BlockCorruptError(this.dir, (e as Error).message);
    }
  }

  /** Drop the loaded index tables and close files (they are loaded again on the next use). */
  release(): void {
    if (this.ix) {
      closeSync(this.ix.fd);
      this.ix = null;
    }
    for (const seg of this.segments ?? []) closeSync(seg.fd);
    this.segments = null;
  }

  get loaded(): boolean {
    return this.ix !== null;
  }

  // --- PostingsIndex

  labelNames(): string[] {
    return this.index().names;
  }

  labelValuesFor(name: string): readonly string[] {
    return this.index().table.get(name)?.values ?? [];
  }

  postings(name: string, value: string): Uint32Array {
    const ix = this.index();
    const e = ix.table.get(name);
    if (!e) return EMPTY_POSTINGS;
    let lo = 0;
    let hi = e.values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (e.values[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= e.values.length || e.values[lo] !== value) return EMPTY_POSTINGS;
    let list: Buffer;
    try {
      list = readSection(ix.fd, e.off[lo], 'postings list');
    } catch (err) {
      throw new BlockCorruptError(this.dir, (err as Error).message);
    }
    const count = list.readUInt32BE(0);
    const out = new Uint32Array(count);
    for (let i = 0; i < count; i++) out[i] = list.readUInt32BE(4 + i * 4);
    return out;
  }

  allPostings(): Uint32Array {
    return this.postings('', '');
  }

  /** Read the series records for sorted ids, with as few reads as possible (ranges of up to 4 MiB). */
  readSeries(ids: Uint32Array): BlockSeries[] {
    const ix = this.index();
    const out: BlockSeries[] = [];
    let i = 0;
    while (i < ids.length) {
      const start = ids[i] * 16;
      let j = i;
      while (j + 1 < ids.length && ids[j + 1] * 16 - start <= 4 << 20) j++;
      const buf = preadUpTo(ix.fd, Math.min(ids[j] * 16 + SERIES_READ_AHEAD, ix.size) - start, start);
      for (let k = i; k <= j; k++) {
        const id = ids[k];
        let r = new ByteReader(buf, id * 16 - start);
        const len = r.uvarint();
        if (r.pos + len > buf.length) {
          // a record longer than the read-ahead: read it alone
          r = new ByteReader(pread(ix.fd, 10 + len, id * 16));
          r.uvarint();
        }
        out.push(this.parseSeries(ix, id, r));
      }
      i = j + 1;
    }
    return out;
  }

  private parseSeries(ix: LoadedIndex, id: number, r: ByteReader): BlockSeries {
    const nl = r.uvarint();
    const flat: string[] = new Array(nl * 2);
    for (let x = 0; x < nl * 2; x++) {
      const s = ix.symbols[r.uvarint()];
      if (s === undefined) throw new BlockCorruptError(this.dir, `series ${id}: unknown symbol`);
      flat[x] = s;
    }
    const nc = r.uvarint();
    const chunks = new Float64Array(nc * 3);
    if (nc > 0) {
      chunks[0] = r.varint();
      chunks[1] = chunks[0] + r.uvarint();
      chunks[2] = r.uvarint();
      for (let c = 3; c < nc * 3; c += 3) {
        chunks[c] = chunks[c - 2] + r.int64FromUvarint();
        chunks[c + 1] = chunks[c] + r.uvarint();
        chunks[c + 2] = chunks[c - 1] + r.varint();
      }
    }
    return { id, labels: Labels.fromSortedFlat(flat), chunks };
  }

  private segment(seq: number): ChunkSegment {
    if (!this.segments) {
      const dir = join(this.dir, 'chunks');
      const names = readdirSync(dir)
        .filter((n) => /^\d+$/.test(n))
        .sort((a, b) => Number(a) - Number(b));
      this.segments = names.map((n) => {
        const fd = openSync(join(dir, n), 'r');
        return { fd, size: fstatSync(fd).size };
      });
    }
    const seg = this.segments[seq];
    if (!seg) throw new BlockCorruptError(this.dir, `chunk segment ${seq} missing`);
    return seg;
  }

  /**
   * The chunk at `p` of `buf` (which holds the segment's bytes from `ref - p` on): its XOR data, checksum verified,
   * or null when the buffer ends before the chunk does.
   */
  private parseChunk(buf: Buffer, p: number, ref: number): Uint8Array | null {
    let len = 0;
    let mul = 1;
    const start = p;
    for (;;) {
      if (p >= buf.length) return null;
      if (p - start >= 5) throw new BlockCorruptError(this.dir, `chunk ${ref}: bad length`);
      const b = buf[p++];
      len += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 0x80;
    }
    if (p + 1 + len + 4 > buf.length) return null;
    if (crc32c(buf, p, p + 1 + len) !== buf.readUInt32BE(p + 1 + len)) throw new BlockCorruptError(this.dir, `chunk ${ref} checksum mismatch`);
    if (buf[p] !== CHUNK_ENCODING_XOR && buf[p] !== ENC_HISTOGRAM && buf[p] !== ENC_FLOAT_HISTOGRAM) {
      throw new UnsupportedBlockFormatError(this.dir, `chunk ${ref}: unknown chunk encoding ${buf[p]}`);
    }
    lastChunkEncoding = buf[p];
    return buf.subarray(p + 1, p + 1 + len);
  }

  /** One chunk's XOR data (`ref` = segment sequence × 2^32 + offset), checksum verified. */
  readChunk(ref: number): Uint8Array {
    this.lastUsed = Date.now();
    const seg = this.segment(Math.floor(ref / 2 ** 32));
    const off = ref % 2 ** 32;
    const data = this.parseChunk(preadUpTo(seg.fd, Math.min(CHUNK_READ_AHEAD, seg.size - off), off), 0, ref);
    if (data) return data;
    // longer than the read-ahead: its length is in the first bytes
    const head = preadUpTo(seg.fd, Math.min(5, seg.size - off), off);
    let len = 0;
    for (let i = 0, mul = 1; i < head.length; i++, mul *= 0x80) {
      len += (head[i] & 0x7f) * mul;
      if (head[i] < 0x80) break;
    }
    const whole = this.parseChunk(preadUpTo(seg.fd, Math.min(5 + 1 + len + 4, seg.size - off), off), 0, ref);
    if (!whole) throw new BlockCorruptError(this.dir, `chunk ${ref} runs past the end of its segment`);
    return whole;
  }

  /** `readChunk` with the chunk's encoding (1 XOR, 2 histogram, 3 float histogram), for copying it elsewhere. */
  readChunkWithEncoding(ref: number): { data: Uint8Array; encoding: number } {
    const data = this.readChunk(ref);
    return { data, encoding: lastChunkEncoding };
  }

  /**
   * The chunks of a series overlapping [mint, maxt], read from disk (a series' chunks lie next to each other in
   * a segment: one read for all of them), with the series' deleted ranges attached.
   */
  chunksIn(s: BlockSeries, mint: number, maxt: number): ChunkRef[] {
    const out: ChunkRef[] = [];
    const c = s.chunks;
    const iv = this.tombstones.get(s.id);
    let buf: Buffer | null = null;
    let bufRef = 0;
    for (let i = 0; i < c.length; i += 3) {
      if (c[i + 1] < mint || c[i] > maxt) continue;
      if (iv && covers(iv, c[i], c[i + 1])) continue;
      const ref = c[i + 2];
      let data: Uint8Array | null = null;
      if (buf && ref >= bufRef && ref - bufRef < buf.length && Math.floor(ref / 2 ** 32) === Math.floor(bufRef / 2 ** 32)) data = this.parseChunk(buf, ref - bufRef, ref);
      if (!data) {
        // Read from this chunk to the end of the last wanted one (plus read-ahead), when they share the segment.
        let last = ref;
        for (let j = i + 3; j < c.length; j += 3) {
          if (c[j] > maxt) break;
          if (Math.floor(c[j + 2] / 2 ** 32) === Math.floor(ref / 2 ** 32) && c[j + 2] > last && c[j + 2] - ref < 1 << 20) last = c[j + 2];
        }
        this.lastUsed = Date.now();
        const seg = this.segment(Math.floor(ref / 2 ** 32));
        const off = ref % 2 ** 32;
        buf = preadUpTo(seg.fd, Math.min(last - ref + CHUNK_READ_AHEAD, seg.size - off), off);
        bufRef = ref;
        data = this.parseChunk(buf, 0, ref) ?? this.readChunk(ref);
      }
      const chunk: ChunkRef = { data, minT: c[i], maxT: c[i + 1], n: (data[0] << 8) | data[1] };
      if (lastChunkEncoding !== CHUNK_ENCODING_XOR) chunk.encoding = lastChunkEncoding;
      if (iv && overlaps(iv, c[i], c[i + 1])) chunk.deleted = iv;
      out.push(chunk);
    }
    return out;
  }

  acquire(): void {
    this.readers++;
  }

  releaseReader(): void {
    this.readers--;
    if (this.readers === 0 && this.deleteWhenUnused) this.removeFromDisk();
  }

  /** Delete the block from disk now, or as soon as the last querier reading it is closed. */
  delete(): void {
    if (this.readers > 0) this.deleteWhenUnused = true;
    else this.removeFromDisk();
  }

  private removeFromDisk(): void {
    this.release();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function dirSize(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? dirSize(p) : statSync(p).size;
  }
  return n;
}
