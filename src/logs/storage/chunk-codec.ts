import { promisify } from 'node:util';
import { constants as zlibConstants, createInflateRaw, deflateRaw, gunzip, gunzipSync, gzip, inflateRaw, inflateRawSync } from 'node:zlib';
import { compress, uncompress, uncompressSync } from 'snappy';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const deflateRawAsync = promisify(deflateRaw);
const inflateRawAsync = promisify(inflateRaw);

/**
 * The immutable chunk format. An object in the store is:
 *
 *   magic "SLCK" | u8 version=1 | u8 encoding (1 snappy, 2 gzip, 3 raw deflate, 4 none) | compressed payload
 *
 * (for raw deflate the compressed payload starts with the u32 uncompressed length, so it inflates in one step)
 *
 * and the payload is columnar:
 *
 *   u32 n | i64 first timestamp (ns) | n-1 zig-zag varint deltas | n varint line lengths
 *   | u32 metadata bytes | metadata (n varint lengths + JSON per entry, empty = none) | line bytes
 *
 * Lines stay contiguous so a literal filter can search the decompressed bytes without decoding every line.
 */
export const CHUNK_MAGIC = Buffer.from('SLCK');
export const ENCODING_SNAPPY = 1;
export const ENCODING_GZIP = 2;
/**
 * Raw deflate, level 1: the default. On the machines we measured, zlib inflates it 3-4x faster than the `snappy`
 * binding decompresses snappy (which bounds scan speed), and it is about half the size; it costs more CPU to write.
 */
export const ENCODING_DEFLATE = 3;
/**
 * Uncompressed (Loki's `none`): 13-14x the bytes of deflate on typical logs, but a scan reads the stored bytes as
 * they are — no decompression, which otherwise bounds the speed of a cold scan.
 */
export const ENCODING_NONE = 4;

export type ChunkEncodingName = 'snappy' | 'gzip' | 'deflate' | 'none';
export const CHUNK_ENCODINGS: Record<ChunkEncodingName, number> = { snappy: ENCODING_SNAPPY, gzip: ENCODING_GZIP, deflate: ENCODING_DEFLATE, none: ENCODING_NONE };

export interface ChunkColumns {
  ts: ArrayLike<bigint>;
  /** Lines as strings, or as their UTF-8 bytes (a head block's, written as they are). */
  lines: readonly (string | Uint8Array)[];
  metadata?: readonly (Array<[string, string]> | undefined)[];
}

/**
 * A decompressed chunk: timestamps as exact nanosecond offsets from `base` (numbers: a chunk spans far less than
 * 2^53 ns), line offsets into `data`, and lazily decoded lines. A bigint is made only for entries a query returns.
 */
export interface DecodedChunk {
  n: number;
  base: bigint;
  off: Float64Array;
  /** Line i is data[offsets[i], offsets[i+1]). */
  offsets: Uint32Array;
  data: Buffer;
  metadata?: (Array<[string, string]> | undefined)[];
}

/** Encode a chunk (compression runs off the main thread: the napi snappy binding's sync calls are ~10x slower). */
export async function encodeChunk(c: ChunkColumns, encoding = ENCODING_DEFLATE): Promise<Buffer> {
  const n = c.lines.length;
  const lineBufs: Uint8Array[] = new Array(n);
  let lineBytes = 0;
  for (let i = 0; i < n; i++) {
    const l = c.lines[i];
    lineBufs[i] = typeof l === 'string' ? Buffer.from(l, 'utf8') : l;
    lineBytes += lineBufs[i].length;
  }
  let metaBuf = Buffer.alloc(0);
  if (c.metadata && c.metadata.some((m) => m !== undefined)) {
    const parts = c.metadata.map((m) => Buffer.from(m === undefined ? '' : JSON.stringify(m), 'utf8'));
    const w = new VarintWriter(n * 2 + 16);
    for (const p of parts) w.uvarint(p.length);
    metaBuf = Buffer.concat([w.finish(), ...parts]);
  }
  const w = new VarintWriter(16 + n * 6);
  w.u32(n);
  if (n > 0) {
    w.i64(c.ts[0]);
    let prev = c.ts[0];
    for (let i = 1; i < n; i++) {
      const d = Number(c.ts[i] - prev);
      w.zigzag(d);
      prev = c.ts[i];
    }
  }
  for (let i = 0; i < n; i++) w.uvarint(lineBufs[i].length);
  w.u32(metaBuf.length);
  const payload = Buffer.concat([w.finish(), metaBuf, ...lineBufs], 0 + w.length + metaBuf.length + lineBytes);
  const compressed = encoding === ENCODING_GZIP ? await gzipAsync(payload, { level: 1 }) : encoding === ENCODING_DEFLATE ? await deflateWithLength(payload) : encoding === ENCODING_NONE ? payload : await compress(payload);
  return Buffer.concat([CHUNK_MAGIC, Buffer.from([1, encoding]), compressed]);
}

export async function decodeChunk(buf: Buffer): Promise<DecodedChunk> {
  const enc = chunkEncoding(buf);
  const body = buf.subarray(6);
  const p = enc === ENCODING_GZIP ? await gunzipAsync(body) : enc === ENCODING_DEFLATE ? await inflateWithLength(body) : enc === ENCODING_NONE ? body : enc === ENCODING_SNAPPY ? ((await uncompress(body)) as Buffer) : unknownEncoding(enc);
  return decodePayload(p);
}

/**
 * Decodes stored chunks on the calling thread — where evaluation runs in a worker thread, the synchronous zlib call
 * is the cheaper one (no thread-pool hop) and blocks no shared event loop — reusing its timestamp and offset arrays
 * across chunks: a chunk it returns is valid only until its next `decode`.
 */
export class ChunkDecoder {
  private off = new Float64Array(0);
  private offsets = new Uint32Array(0);
  private readonly inflater = new RawInflater();

  /**
   * The chunk `stored`, decoded. With `probe` (a literal every line a query wants contains) and a payload that does
   * not contain it anywhere, no line can match: the timestamps and line offsets are then not decoded — the answer has
   * no entries, only the chunk's line bytes (`data`, what the bytes-read limits count).
   */
  decode(stored: Buffer, probe?: Uint8Array): DecodedChunk {
    const enc = chunkEncoding(stored);
    const body = stored.subarray(6);
    const p = enc === ENCODING_GZIP ? gunzipSync(body) : enc === ENCODING_DEFLATE ? this.inflater.inflate(body.subarray(4), body.readUInt32LE(0)) : enc === ENCODING_NONE ? body : enc === ENCODING_SNAPPY ? (uncompressSync(body) as Buffer) : unknownEncoding(enc);
    if (probe && probe.length > 0 && p.indexOf(probe, 4) < 0) return withoutEntries(p);
    const n = p.length >= 4 ? p.readUInt32LE(0) : 0;
    if (this.off.length < n) this.off = new Float64Array(Math.max(n, this.off.length * 2));
    if (this.offsets.length < n + 1) this.offsets = new Uint32Array(Math.max(n + 1, this.offsets.length * 2));
    return decodePayload(p, this.off.subarray(0, n), this.offsets.subarray(0, n + 1));
  }
}

const NO_OFF = new Float64Array(0);
const NO_OFFSETS = new Uint32Array(1);

/**
 * A payload as a chunk without entries but with its line bytes: the 2n - 1 varints (timestamps, line lengths) are
 * only counted, not decoded — the line bytes are what follows them and the metadata, to the payload's end.
 */
function withoutEntries(p: Buffer): DecodedChunk {
  const n = p.readUInt32LE(0);
  let pos = 4;
  if (n > 0) pos = skipVarints(p, pos + 8, 2 * n - 1);
  const metaLen = p.readUInt32LE(pos);
  pos += 4 + metaLen;
  if (pos > p.length) throw new Error('log chunk: corrupt payload');
  return { n: 0, base: 0n, off: NO_OFF, offsets: NO_OFFSETS, data: p.subarray(pos) };
}

/**
 * The position after `count` varints from p[pos]: a varint ends at each byte under 0x80, counted four bytes at a time
 * over aligned words while more than four remain.
 */
function skipVarints(p: Buffer, pos: number, count: number): number {
  let left = count;
  while (left > 0 && (p.byteOffset + pos) % 4 !== 0 && pos < p.length) if (p[pos++] < 0x80) left--;
  if (left > 4) {
    const words = new Uint32Array(p.buffer, p.byteOffset + pos, (p.length - pos) >>> 2);
    let w = 0;
    for (; w < words.length; w++) {
      // One bit per byte under 0x80, summed by a multiply into the top byte.
      const ends = Math.imul((~words[w] >>> 7) & 0x01010101, 0x01010101) >>> 24;
      if (ends >= left) break;
      left -= ends;
    }
    pos += w * 4;
  }
  while (left > 0 && pos < p.length) if (p[pos++] < 0x80) left--;
  if (left > 0) throw new Error('log chunk: corrupt payload');
  return pos;
}

/** Where the varint `readUvarint` read last ended. */
let varintEnd = 0;

/**
 * The unsigned varint at p[pos] (up to 2^53: the bytes past 4 are added as floats); sets `varintEnd` to the byte after
 * it. Values under 2^28 (line lengths, timestamp deltas under ~134 ms) take the integer path.
 */
function readUvarint(p: Uint8Array, pos: number): number {
  let b = p[pos++];
  if (b < 0x80) {
    varintEnd = pos;
    return b;
  }
  let v = b & 0x7f;
  b = p[pos++];
  v |= (b & 0x7f) << 7;
  if (b >= 0x80) {
    b = p[pos++];
    v |= (b & 0x7f) << 14;
    if (b >= 0x80) {
      b = p[pos++];
      v |= (b & 0x7f) << 21;
      if (b >= 0x80) {
        let mul = 268435456; // 2^28
        do {
          b = p[pos++];
          v += (b & 0x7f) * mul;
          mul *= 128;
        } while (b >= 0x80);
      }
    }
  }
  varintEnd = pos;
  return v;
}

function chunkEncoding(buf: Buffer): number {
  if (buf.length < 6 || !buf.subarray(0, 4).equals(CHUNK_MAGIC)) throw new Error('not a log chunk (bad magic)');
  return buf[5];
}

/** The columns of a decompressed payload, into `off` and `offsets` when given (of length n and n + 1). */
function decodePayload(p: Buffer, off?: Float64Array, offsets?: Uint32Array): DecodedChunk {
  let pos = 0;
  const n = p.readUInt32LE(pos);
  pos += 4;
  off ??= new Float64Array(n);
  offsets ??= new Uint32Array(n + 1);
  let base = 0n;
  if (n > 0) {
    off[0] = 0;
    base = p.readBigInt64LE(pos);
    pos += 8;
    let prev = 0;
    for (let i = 1; i < n; i++) {
      const v = readUvarint(p, pos);
      pos = varintEnd;
      prev += v % 2 === 0 ? v / 2 : -(v + 1) / 2;
      off[i] = prev;
    }
  }
  let lineOff = 0;
  for (let i = 0; i < n; i++) {
    const v = readUvarint(p, pos);
    pos = varintEnd;
    offsets[i] = lineOff;
    lineOff += v;
  }
  offsets[n] = lineOff;
  const metaLen = p.readUInt32LE(pos);
  pos += 4;
  let metadata: (Array<[string, string]> | undefined)[] | undefined;
  if (metaLen > 0) {
    const mb = p.subarray(pos, pos + metaLen);
    let mp = 0;
    const lens: number[] = [];
    for (let i = 0; i < n; i++) {
      lens.push(readUvarint(mb, mp));
      mp = varintEnd;
    }
    metadata = new Array(n);
    for (let i = 0; i < n; i++) {
      metadata[i] = lens[i] === 0 ? undefined : (JSON.parse(mb.toString('utf8', mp, mp + lens[i])) as Array<[string, string]>);
      mp += lens[i];
    }
  }
  pos += metaLen;
  const data = p.subarray(pos, pos + lineOff);
  return { n, base, off, offsets, data, metadata };
}

async function deflateWithLength(payload: Buffer): Promise<Buffer> {
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32LE(payload.length);
  return Buffer.concat([len, await deflateRawAsync(payload, { level: 1, chunkSize: Math.max(64 * 1024, payload.length >>> 2) })]);
}

/** zlib's async calls work in `chunkSize` pieces, one thread-pool hop each: size it to the whole output. */
function inflateWithLength(body: Buffer): Promise<Buffer> {
  const len = body.readUInt32LE(0);
  return inflateRawAsync(body.subarray(4), { chunkSize: Math.max(64, len + 1) });
}

/** The parts of Node's zlib object `RawInflater` drives (what Node's own synchronous zlib calls use). */
interface ZlibInternals {
  _handle: { reset(): void; writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void } | null;
  /** [output bytes left, input bytes left] after a write. */
  _writeState: Uint32Array;
}

/**
 * Raw inflate into one output buffer reused from call to call. Node's public zlib calls inflate into a fresh buffer
 * each time: for a query reading chunk after chunk, a new 1.5 MB buffer per chunk — external memory that V8 answers
 * with a garbage collection every few chunks (1.3 GB of chunks inflated: 69 collections and 1.6 CPU-s, against 6
 * and 0.6 CPU-s reusing the buffer). So this drives the zlib object's native handle as Node's own synchronous calls
 * do (`reset`, then one `writeSync` with Z_FINISH); where the handle is not there (another Node), `inflateRawSync`.
 * An inflated payload is valid until the next call.
 */
export class RawInflater {
  private z?: ReturnType<typeof createInflateRaw> & ZlibInternals;
  private out = Buffer.alloc(0);

  /** `body` inflated; `len` is its length (a chunk stores it), anything else is a corrupt chunk. */
  inflate(body: Buffer, len: number): Buffer {
    const z = (this.z ??= this.open());
    const handle = z._handle;
    if (typeof handle?.writeSync !== 'function' || !(z._writeState instanceof Uint32Array)) return inflateRawSync(body, { chunkSize: Math.max(64, len + 1) });
    if (this.out.length < len + 1) this.out = Buffer.allocUnsafe(len + 1);
    const state = z._writeState;
    state[0] = this.out.length;
    state[1] = body.length;
    handle.reset();
    handle.writeSync(zlibConstants.Z_FINISH, body, 0, body.length, this.out, 0, this.out.length);
    // A zlib error destroys the object (its 'error' event comes later): open a new one for the next chunk.
    if (z.destroyed || z._handle === null) {
      this.z = undefined;
      throw new Error('log chunk: corrupt deflate payload');
    }
    if (this.out.length - state[0] !== len || state[1] !== 0) throw new Error('log chunk: corrupt deflate payload (length)');
    return this.out.subarray(0, len);
  }

  private open(): ReturnType<typeof createInflateRaw> & ZlibInternals {
    const z = createInflateRaw() as ReturnType<typeof createInflateRaw> & ZlibInternals;
    z.on('error', () => {}); // reported by inflate() as it happens
    return z;
  }
}

function unknownEncoding(enc: number): never {
  throw new Error(`log chunk: unknown encoding ${enc}`);
}

class VarintWriter {
  private buf: Buffer;
  length = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(size, 16));
  }
  private ensure(k: number) {
    if (this.length + k > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + k));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
  }
  u32(v: number) {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i64(v: bigint) {
    this.ensure(8);
    this.buf.writeBigInt64LE(v, this.length);
    this.length += 8;
  }
  uvarint(v: number) {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.length++] = v;
  }
  zigzag(v: number) {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  finish(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** The timestamp of entry i of a decoded chunk. */
export function chunkTs(d: DecodedChunk, i: number): bigint {
  return d.base + BigInt(d.off[i]);
}
