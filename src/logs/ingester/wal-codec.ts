/**
 * The logs WAL record: the accepted entries of one push request, written before the push is acknowledged.
 *
 * Version 2 (written): an index, then the buffers the lines are in, as they are — for a protobuf push, the
 * decompressed request body — so no line is copied:
 *
 *   u8 version=2 | u32 index length (the offset of the first buffer) | u16 tenant length | tenant
 *   u32 buffers | per buffer: u32 length | u32 streams
 *   per stream: u32 labels length | labels (canonical `{a="b"}`) | u32 buffer | u32 entries
 *   per entry:  i64 ts (ns) | u32 line start | u32 line end (within its buffer) | u32 metadata length | metadata JSON (0 = none)
 *   the buffers, in order
 *
 * A buffer of which the accepted lines use less than half is not written as it is: its accepted lines are copied
 * into a buffer of their own first (a request whose entries were mostly refused must not cost the WAL and the head,
 * which keeps its lines where they are, the whole body).
 *
 * Version 1 (still read, from WALs written before): entries inline, `i64 ts | u32 line length | line | u32 metadata
 * length | metadata JSON` after `u32 labels length | labels | u32 entries`, after `u8 1 | u16 tenant length | tenant |
 * u32 streams`.
 *
 * The encoder returns each stream's lines where they are kept (the head keeps its lines there, see MemBlock); decoded,
 * they are byte ranges of the record.
 */
import type { LineBytes } from '../model/index.js';

export interface WalStream {
  labels: string;
  ts: BigInt64Array;
  lines: LineBytes;
  metadata?: (Array<[string, string]> | undefined)[];
}

const TS = new BigInt64Array(1);
const TS_BYTES = new Uint8Array(TS.buffer);
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('the logs WAL codec assumes a little-endian machine');

/**
 * The record as the parts to write in order (the index, then the line buffers by reference: they must not change
 * afterwards), and each stream's lines as the byte ranges the head may keep.
 */
export function encodeWalRecord(tenant: string, streams: readonly WalStream[]): { parts: Buffer[]; lines: LineBytes[] } {
  const lines = compactLines(streams);
  const bufs: Buffer[] = [];
  const bufIndex = new Map<Buffer, number>();
  const streamBuf = new Array<number>(streams.length);
  let size = 1 + 4 + 2 + Buffer.byteLength(tenant) + 4 + 4;
  for (let k = 0; k < streams.length; k++) {
    const s = streams[k];
    let bi = bufIndex.get(lines[k].buf);
    if (bi === undefined) {
      bi = bufs.push(lines[k].buf) - 1;
      bufIndex.set(lines[k].buf, bi);
      size += 4;
    }
    streamBuf[k] = bi;
    size += 12 + Buffer.byteLength(s.labels) + 20 * s.ts.length;
    if (s.metadata) for (const m of s.metadata) if (m) size += Buffer.byteLength(JSON.stringify(m));
  }
  const b = Buffer.allocUnsafe(size);
  let p = 0;
  b[p++] = 2;
  p += 4; // the index length, written last
  const tl = b.write(tenant, p + 2);
  b.writeUInt16LE(tl, p);
  p += 2 + tl;
  b.writeUInt32LE(bufs.length, p);
  p += 4;
  for (const buf of bufs) {
    b.writeUInt32LE(buf.length, p);
    p += 4;
  }
  b.writeUInt32LE(streams.length, p);
  p += 4;
  for (let k = 0; k < streams.length; k++) {
    const s = streams[k];
    const ll = b.write(s.labels, p + 4);
    b.writeUInt32LE(ll, p);
    p += 4 + ll;
    b.writeUInt32LE(streamBuf[k], p);
    const n = s.ts.length;
    b.writeUInt32LE(n, p + 4);
    p += 8;
    const offs = lines[k].offs;
    for (let i = 0; i < n; i++) {
      // Through a scratch BigInt64Array: Buffer#writeBigInt64LE makes several bigints per call.
      TS[0] = s.ts[i];
      b.set(TS_BYTES, p);
      b.writeUInt32LE(offs[2 * i], p + 8);
      b.writeUInt32LE(offs[2 * i + 1], p + 12);
      p += 16;
      const m = s.metadata?.[i];
      if (m) {
        const ml = b.write(JSON.stringify(m), p + 4);
        b.writeUInt32LE(ml, p);
        p += 4 + ml;
      } else {
        b.writeUInt32LE(0, p);
        p += 4;
      }
    }
  }
  b.writeUInt32LE(p, 1);
  return { parts: [b.subarray(0, p), ...bufs], lines };
}

/**
 * Each stream's lines, where the record takes them from: as given, or, for lines in a buffer the accepted lines use
 * less than half of, copied into one buffer of their own (shared by every stream whose lines were in that buffer).
 */
function compactLines(streams: readonly WalStream[]): LineBytes[] {
  const used = new Map<Buffer, number>();
  for (const s of streams) {
    const offs = s.lines.offs;
    let n = used.get(s.lines.buf) ?? 0;
    for (let i = 1; i < offs.length; i += 2) n += offs[i] - offs[i - 1];
    used.set(s.lines.buf, n);
  }
  let copies: Map<Buffer, { buf: Buffer; at: number }> | undefined;
  for (const [buf, n] of used) {
    if (2 * n >= buf.length) continue;
    // A buffer of its own (not a slice of Node's shared pool): the head holds on to it until the next flush.
    (copies ??= new Map()).set(buf, { buf: Buffer.allocUnsafeSlow(n), at: 0 });
  }
  return streams.map((s) => {
    const c = copies?.get(s.lines.buf);
    if (!c) return s.lines;
    const { buf, offs } = s.lines;
    const own = new Array<number>(offs.length);
    for (let i = 0; i < offs.length; i += 2) {
      own[i] = c.at;
      c.at += buf.copy(c.buf, c.at, offs[i], offs[i + 1]);
      own[i + 1] = c.at;
    }
    return { buf: c.buf, offs: own };
  });
}

/** A record of either version; its lines are byte ranges of `b`. */
export function decodeWalRecord(b: Buffer): { tenant: string; streams: WalStream[] } {
  if (b[0] === 2) return decodeV2(b);
  if (b[0] === 1) return decodeV1(b);
  throw new Error('unknown logs WAL record version');
}

function decodeV2(b: Buffer): { tenant: string; streams: WalStream[] } {
  const indexLength = b.readUInt32LE(1);
  const tenant = readString16(b, 5);
  let p = 5 + 2 + tenant.bytes;
  const nb = b.readUInt32LE(p);
  p += 4;
  const bufStart = new Array<number>(nb);
  let at = indexLength;
  for (let k = 0; k < nb; k++) {
    bufStart[k] = at;
    at += b.readUInt32LE(p);
    p += 4;
  }
  if (indexLength > b.length || at > b.length) throw new RangeError('logs WAL record: buffers beyond its end');
  const { streams, end } = readStreams(b, p, (labels, p) => {
    const bi = b.readUInt32LE(p);
    const n = b.readUInt32LE(p + 4);
    p += 8;
    if (bi >= nb) throw new RangeError('logs WAL record: no such buffer');
    const base = bufStart[bi];
    const limit = bi + 1 < nb ? bufStart[bi + 1] : at;
    const ws: WalStream = { labels, ts: new BigInt64Array(n), lines: { buf: b, offs: new Array(2 * n) } };
    for (let i = 0; i < n; i++) {
      ws.ts[i] = b.readBigInt64LE(p);
      const start = base + b.readUInt32LE(p + 8);
      const end = base + b.readUInt32LE(p + 12);
      if (end < start || end > limit) throw new RangeError('logs WAL record: line beyond its buffer');
      ws.lines.offs[2 * i] = start;
      ws.lines.offs[2 * i + 1] = end;
      p = readMetadata(b, p + 16, ws, i);
    }
    return { ws, p };
  });
  if (end !== indexLength) throw new RangeError('logs WAL record: index length mismatch');
  return { tenant: tenant.value, streams };
}

function decodeV1(b: Buffer): { tenant: string; streams: WalStream[] } {
  const tenant = readString16(b, 1);
  const { streams } = readStreams(b, 1 + 2 + tenant.bytes, (labels, p) => {
    const n = b.readUInt32LE(p);
    p += 4;
    const ws: WalStream = { labels, ts: new BigInt64Array(n), lines: { buf: b, offs: new Array(2 * n) } };
    for (let i = 0; i < n; i++) {
      ws.ts[i] = b.readBigInt64LE(p);
      p += 8;
      const l = b.readUInt32LE(p);
      p += 4;
      ws.lines.offs[2 * i] = p;
      ws.lines.offs[2 * i + 1] = p + l;
      p += l;
      p = readMetadata(b, p, ws, i);
    }
    return { ws, p };
  });
  return { tenant: tenant.value, streams };
}

/** `u32 streams`, then per stream its labels (u32 length, string) and what `readStream` reads after them. */
function readStreams(b: Buffer, p: number, readStream: (labels: string, p: number) => { ws: WalStream; p: number }): { streams: WalStream[]; end: number } {
  const ns = b.readUInt32LE(p);
  p += 4;
  const streams: WalStream[] = [];
  for (let s = 0; s < ns; s++) {
    const labels = readString32(b, p);
    const r = readStream(labels.value, p + 4 + labels.bytes);
    streams.push(r.ws);
    p = r.p;
  }
  return { streams, end: p };
}

/** A string after its u16 byte length at `p`. */
function readString16(b: Buffer, p: number): { value: string; bytes: number } {
  const bytes = b.readUInt16LE(p);
  return { value: b.toString('utf8', p + 2, p + 2 + bytes), bytes };
}

/** A string after its u32 byte length at `p`. */
function readString32(b: Buffer, p: number): { value: string; bytes: number } {
  const bytes = b.readUInt32LE(p);
  return { value: b.toString('utf8', p + 4, p + 4 + bytes), bytes };
}

/** Entry i's metadata (u32 length, JSON) at `p` into `ws`; the position after it. */
function readMetadata(b: Buffer, p: number, ws: WalStream, i: number): number {
  const ml = b.readUInt32LE(p);
  p += 4;
  if (ml === 0) return p;
  ws.metadata ??= new Array(ws.ts.length).fill(undefined);
  ws.metadata[i] = JSON.parse(b.toString('utf8', p, p + ml)) as Array<[string, string]>;
  return p + ml;
}
