import { closeSync, fstatSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { Labels } from '../../model/index.js';
import { ByteReader } from './byte-codec.js';
import { INDEX_MAGIC, TOC_SIZE, type BlockMeta } from './block-writer.js';
import type { ChunkRef } from './head.js';
import { EMPTY_POSTINGS, type PostingsIndex } from './postings.js';

export class BlockCorruptError extends Error {
  constructor(dir: string, reason: string) {
    super(`block ${dir}: ${reason}`);
    this.name = 'BlockCorruptError';
  }
}

interface LoadedIndex {
  fd: number;
  symbols: string[];
  names: string[];
  /** name -> sorted values, and for each value its postings offset and count */
  table: Map<string, { values: string[]; off: Float64Array; count: Uint32Array }>;
  seriesOffsets: Float64Array;
  numSeries: number;
}

export interface BlockSeries {
  id: number;
  labels: Labels;
  /** minT, maxT, ref, len per chunk */
  chunks: Float64Array;
}

function pread(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) throw new RangeError('unexpected end of file');
    got += n;
  }
  return buf;
}

/**
 * One on-disk block, read lazily: `meta.json` at open; the index's symbol and postings tables on first use
 * (dropped again by `release()` when idle); series records, postings and chunks with positioned reads.
 */
export class Block implements PostingsIndex {
  private ix: LoadedIndex | null = null;
  private readonly chunkFds = new Map<number, number>();
  lastUsed = 0;
  /** Queriers currently reading this block; deletion waits until it is 0. */
  readers = 0;
  private deleteWhenUnused = false;
  readonly size: number;

  private constructor(
    readonly dir: string,
    readonly meta: BlockMeta,
  ) {
    this.size = dirSize(dir);
  }

  static open(dir: string): Block {
    let meta: BlockMeta;
    try {
      meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as BlockMeta;
    } catch (e) {
      throw new BlockCorruptError(dir, `unreadable meta.json: ${(e as Error).message}`);
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
      if (size < 8 + TOC_SIZE) throw new BlockCorruptError(this.dir, 'index too short');
      const head = pread(fd, 8, 0);
      if (head.readUInt32LE(0) !== INDEX_MAGIC) throw new BlockCorruptError(this.dir, 'bad index magic');
      const toc = pread(fd, TOC_SIZE, size - TOC_SIZE);
      if (crc32(toc.subarray(0, 44)) !== toc.readUInt32LE(44)) throw new BlockCorruptError(this.dir, 'index TOC checksum mismatch');
      const symbolsOff = toc.readDoubleLE(0);
      const seriesOff = toc.readDoubleLE(8);
      const tableOff = toc.readDoubleLE(24);
      const offsetsOff = toc.readDoubleLE(32);
      const numSeries = toc.readUInt32LE(40);
      const symBuf = pread(fd, seriesOff - symbolsOff, symbolsOff);
      const sr = new ByteReader(symBuf);
      const nsym = sr.uvarint();
      const symbols: string[] = new Array(nsym);
      for (let i = 0; i < nsym; i++) symbols[i] = sr.string();
      const tableBuf = pread(fd, offsetsOff - tableOff, tableOff);
      const tr = new ByteReader(tableBuf);
      const nnames = tr.uvarint();
      const table = new Map<string, { values: string[]; off: Float64Array; count: Uint32Array }>();
      const names: string[] = [];
      for (let i = 0; i < nnames; i++) {
        const name = tr.string();
        const nv = tr.uvarint();
        const values: string[] = new Array(nv);
        const off = new Float64Array(nv);
        const count = new Uint32Array(nv);
        for (let j = 0; j < nv; j++) {
          values[j] = tr.string();
          off[j] = tr.uvarint();
          count[j] = tr.uvarint();
        }
        table.set(name, { values, off, count });
        names.push(name);
      }
      const offBuf = pread(fd, (numSeries + 1) * 8, offsetsOff);
      const seriesOffsets = new Float64Array(numSeries + 1);
      for (let i = 0; i <= numSeries; i++) seriesOffsets[i] = offBuf.readDoubleLE(i * 8);
      this.ix = { fd, symbols, names, table, seriesOffsets, numSeries };
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
    for (const fd of this.chunkFds.values()) closeSync(fd);
    this.chunkFds.clear();
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
    const count = e.count[lo];
    const buf = pread(ix.fd, count * 4, e.off[lo]);
    const out = new Uint32Array(count);
    for (let i = 0; i < count; i++) out[i] = buf.readUInt32LE(i * 4);
    return out;
  }

  allPostings(): Uint32Array {
    const n = this.index().numSeries;
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return out;
  }

  /** Read the series records for sorted ids, with as few reads as possible (ranges of up to 4 MiB). */
  readSeries(ids: Uint32Array): BlockSeries[] {
    const ix = this.index();
    const out: BlockSeries[] = [];
    let i = 0;
    while (i < ids.length) {
      const start = ix.seriesOffsets[ids[i]];
      let j = i;
      while (j + 1 < ids.length && ix.seriesOffsets[ids[j + 1] + 1] - start <= 4 << 20) j++;
      const end = ix.seriesOffsets[ids[j] + 1];
      const buf = pread(ix.fd, end - start, start);
      for (let k = i; k <= j; k++) {
        const id = ids[k];
        const r = new ByteReader(buf, ix.seriesOffsets[id] - start);
        r.uvarint(); // record length
        const nl = r.uvarint();
        const flat: string[] = new Array(nl * 2);
        for (let x = 0; x < nl * 2; x++) flat[x] = ix.symbols[r.uvarint()];
        const nc = r.uvarint();
        const chunks = new Float64Array(nc * 4);
        let prevMax = 0;
        let prevRef = 0;
        for (let c = 0; c < nc; c++) {
          const minT = prevMax + r.varint();
          const maxT = minT + r.uvarint();
          const ref = prevRef + r.varint();
          chunks[c * 4] = minT;
          chunks[c * 4 + 1] = maxT;
          chunks[c * 4 + 2] = ref;
          chunks[c * 4 + 3] = r.uvarint();
          prevMax = maxT;
          prevRef = ref;
        }
        out.push({ id, labels: Labels.fromSortedFlat(flat), chunks });
      }
      i = j + 1;
    }
    return out;
  }

  /** One chunk's bytes (without its checksum). */
  readChunk(ref: number, len: number): Uint8Array {
    const seg = Math.floor(ref / 2 ** 32);
    const off = ref % 2 ** 32;
    let fd = this.chunkFds.get(seg);
    if (fd === undefined) {
      fd = openSync(join(this.dir, 'chunks', String(seg).padStart(6, '0')), 'r');
      this.chunkFds.set(seg, fd);
    }
    const buf = pread(fd, len + 4, off);
    const data = buf.subarray(0, len);
    if (crc32(data) !== buf.readUInt32LE(len)) throw new BlockCorruptError(this.dir, `chunk ${ref} checksum mismatch`);
    return data;
  }

  /** The chunks of a series overlapping [mint, maxt], read from disk. */
  chunksIn(s: BlockSeries, mint: number, maxt: number): ChunkRef[] {
    const out: ChunkRef[] = [];
    const c = s.chunks;
    for (let i = 0; i < c.length; i += 4) {
      if (c[i + 1] < mint || c[i] > maxt) continue;
      const data = this.readChunk(c[i + 2], c[i + 3]);
      out.push({ data, minT: c[i], maxT: c[i + 1], n: (data[0] << 8) | data[1] });
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
