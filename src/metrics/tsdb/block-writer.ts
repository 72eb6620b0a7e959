import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { compareStrings, type Labels } from '../../model/index.js';
import { ByteWriter } from './byte-codec.js';
import { chunkNumSamples } from './xor-chunk.js';

/**
 * Writes one block directory (format in docs/tsdb.md): `chunks/NNNNNN` segment files, `index`, `meta.json`.
 * Everything is written into `<ulid>.tmp`, fsynced, then renamed, so a crash never leaves a half block behind.
 */

export const CHUNKS_MAGIC = 0x4b434c53; // 'SLCK'
export const INDEX_MAGIC = 0x58494c53; // 'SLIX'
export const FORMAT_VERSION = 1;
export const TOC_SIZE = 48;
const MAX_SEGMENT = 512 * 1024 * 1024;
const YIELD_EVERY = 2000;

export interface BlockMeta {
  ulid: string;
  minTime: number;
  /** Exclusive, as in Prometheus. */
  maxTime: number;
  stats: { numSamples: number; numSeries: number; numChunks: number };
  compaction: { level: number; sources: string[]; parents?: { ulid: string; minTime: number; maxTime: number }[] };
  version: number;
}

export interface ChunkSource {
  minT: number;
  maxT: number;
  /** Encoded XOR chunk (header + bit stream). */
  data: Uint8Array;
}

export interface SeriesToWrite {
  labels: Labels;
  chunks: ChunkSource[];
}

class ChunkSegmentWriter {
  private fd = -1;
  private seg = 0;
  private off = 0;
  private readonly buf = new ByteWriter(1 << 20);
  bytes = 0;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private open(): void {
    this.close();
    this.seg++;
    this.fd = openSync(join(this.dir, String(this.seg).padStart(6, '0')), 'w');
    const h = Buffer.alloc(8);
    h.writeUInt32LE(CHUNKS_MAGIC, 0);
    h[4] = FORMAT_VERSION;
    writeSync(this.fd, h);
    this.off = 8;
    this.bytes += 8;
  }

  /** Returns the chunk's reference: segment * 2^32 + offset. Stored as the chunk bytes followed by their CRC-32. */
  write(data: Uint8Array): number {
    if (this.fd < 0 || this.off + this.buf.len + data.length + 4 > MAX_SEGMENT) {
      this.drain();
      this.open();
    }
    const ref = this.seg * 2 ** 32 + this.off + this.buf.len;
    this.buf.bytes(data);
    this.buf.u32(crc32(data));
    if (this.buf.len >= 1 << 20) this.drain();
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

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not supported on every platform
  }
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
    const symbols = new Map<string, number>();
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
        const ref = chunkWriter.write(c.data);
        metas.push(c.minT, c.maxT, ref, c.data.length);
        numSamples += n;
        numChunks++;
      }
      if (metas.length === 0) continue;
      s.labels.forEach((n, v) => {
        symbols.set(n, 0);
        symbols.set(v, 0);
      });
      written.push({ labels: s.labels, metas });
    }
    chunkWriter.close();
    if (numSamples === 0) {
      rmSync(tmp, { recursive: true, force: true });
      return null;
    }

    const w = new ByteWriter(1 << 20);
    const header = Buffer.alloc(8);
    header.writeUInt32LE(INDEX_MAGIC, 0);
    header[4] = FORMAT_VERSION;
    w.bytes(header);
    // symbols
    const symbolsOff = w.len;
    const sortedSymbols = [...symbols.keys()].sort(compareStrings);
    sortedSymbols.forEach((s, i) => symbols.set(s, i));
    w.uvarint(sortedSymbols.length);
    for (const s of sortedSymbols) w.string(s);
    // series
    const seriesOff = w.len;
    const seriesOffsets = new Float64Array(written.length + 1);
    const postings = new Map<string, Map<string, number[]>>();
    const rec = new ByteWriter(256);
    written.forEach((s, id) => {
      seriesOffsets[id] = w.len;
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
      rec.uvarint(m.length / 4);
      let prevMax = 0;
      let prevRef = 0;
      for (let i = 0; i < m.length; i += 4) {
        rec.varint(m[i] - prevMax);
        rec.uvarint(m[i + 1] - m[i]);
        rec.varint(m[i + 2] - prevRef);
        rec.uvarint(m[i + 3]);
        prevMax = m[i + 1];
        prevRef = m[i + 2];
      }
      w.uvarint(rec.len);
      w.bytes(rec.view());
    });
    seriesOffsets[written.length] = w.len;
    // postings lists, 4-byte aligned u32 LE
    while (w.len % 4 !== 0) w.byte(0);
    const postingsOff = w.len;
    const table: { name: string; values: { value: string; off: number; count: number }[] }[] = [];
    for (const name of [...postings.keys()].sort(compareStrings)) {
      const byValue = postings.get(name)!;
      const values: { value: string; off: number; count: number }[] = [];
      for (const value of [...byValue.keys()].sort(compareStrings)) {
        const list = byValue.get(value)!;
        values.push({ value, off: w.len, count: list.length });
        for (const id of list) w.u32(id);
      }
      table.push({ name, values });
    }
    // postings offset table
    const tableOff = w.len;
    w.uvarint(table.length);
    for (const t of table) {
      w.string(t.name);
      w.uvarint(t.values.length);
      for (const v of t.values) {
        w.string(v.value);
        w.uvarint(v.off);
        w.uvarint(v.count);
      }
    }
    // series offsets
    while (w.len % 8 !== 0) w.byte(0);
    const offsetsOff = w.len;
    for (const o of seriesOffsets) w.float(o);
    // TOC
    w.float(symbolsOff);
    w.float(seriesOff);
    w.float(postingsOff);
    w.float(tableOff);
    w.float(offsetsOff);
    w.u32(written.length);
    w.u32(crc32(w.buf.subarray(w.len - 44, w.len)));
    const fd = openSync(join(tmp, 'index'), 'w');
    try {
      const v = w.view();
      let off = 0;
      while (off < v.length) off += writeSync(fd, v, off, v.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }

    const meta: BlockMeta = {
      ulid: id,
      minTime,
      maxTime,
      stats: { numSamples, numSeries: written.length, numChunks },
      compaction,
      version: FORMAT_VERSION,
    };
    const metaPath = join(tmp, 'meta.json');
    writeFileSync(metaPath, JSON.stringify(meta, null, 2));
    const mfd = openSync(metaPath, 'r');
    fsyncSync(mfd);
    closeSync(mfd);
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
