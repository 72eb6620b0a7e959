/**
 * The logs WAL record: the accepted entries of one push request, written before the push is acknowledged.
 *
 *   u8 version=1 | u16 tenant length | tenant | u32 streams
 *   per stream: u32 labels length | labels (canonical `{a="b"}`) | u32 entries
 *   per entry:  i64 ts (ns) | u32 line length | line | u32 metadata length | metadata JSON (0 = none)
 *
 * Lines are copied as bytes from the request (`LineBytes`); the record's own line ranges are returned with it (the
 * head keeps its lines there, see MemBlock), and decoded, they are byte ranges of the record too.
 */
import type { LineBytes } from '../model/index.js';

export interface WalStream {
  labels: string;
  ts: bigint[];
  lines: LineBytes;
  metadata?: (Array<[string, string]> | undefined)[];
}

const TS = new BigInt64Array(1);
const TS_BYTES = new Uint8Array(TS.buffer);
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('the logs WAL codec assumes a little-endian machine');

/** The record, and each stream's lines as ranges of it. */
export function encodeWalRecord(tenant: string, streams: readonly WalStream[]): { record: Buffer; lines: LineBytes[] } {
  let size = 1 + 2 + Buffer.byteLength(tenant) + 4;
  for (const s of streams) {
    size += 8 + Buffer.byteLength(s.labels) + 16 * s.ts.length;
    const offs = s.lines.offs;
    for (let i = 1; i < offs.length; i += 2) size += offs[i] - offs[i - 1];
    if (s.metadata) for (const m of s.metadata) if (m) size += Buffer.byteLength(JSON.stringify(m));
  }
  // A buffer of its own (not a slice of Node's shared pool): the head holds on to it until the next flush.
  const b = Buffer.allocUnsafeSlow(size);
  const lines: LineBytes[] = [];
  let p = 0;
  b[p++] = 1;
  const tl = b.write(tenant, p + 2);
  b.writeUInt16LE(tl, p);
  p += 2 + tl;
  b.writeUInt32LE(streams.length, p);
  p += 4;
  for (const s of streams) {
    const ll = b.write(s.labels, p + 4);
    b.writeUInt32LE(ll, p);
    p += 4 + ll;
    const n = s.ts.length;
    b.writeUInt32LE(n, p);
    p += 4;
    const { buf, offs } = s.lines;
    const own: number[] = new Array(2 * n);
    lines.push({ buf: b, offs: own });
    for (let i = 0; i < n; i++) {
      // Through a scratch BigInt64Array: Buffer#writeBigInt64LE makes several bigints per call.
      TS[0] = s.ts[i];
      b.set(TS_BYTES, p);
      p += 8;
      const l = buf.copy(b, p + 4, offs[2 * i], offs[2 * i + 1]);
      b.writeUInt32LE(l, p);
      own[2 * i] = p + 4;
      own[2 * i + 1] = p + 4 + l;
      p += 4 + l;
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
  return { record: b.subarray(0, p), lines };
}

export function decodeWalRecord(b: Buffer): { tenant: string; streams: WalStream[] } {
  let p = 0;
  if (b[p++] !== 1) throw new Error('unknown logs WAL record version');
  const tl = b.readUInt16LE(p);
  p += 2;
  const tenant = b.toString('utf8', p, p + tl);
  p += tl;
  const ns = b.readUInt32LE(p);
  p += 4;
  const streams: WalStream[] = [];
  for (let s = 0; s < ns; s++) {
    const ll = b.readUInt32LE(p);
    p += 4;
    const labels = b.toString('utf8', p, p + ll);
    p += ll;
    const n = b.readUInt32LE(p);
    p += 4;
    const ws: WalStream = { labels, ts: new Array(n), lines: { buf: b, offs: new Array(2 * n) } };
    for (let i = 0; i < n; i++) {
      ws.ts[i] = b.readBigInt64LE(p);
      p += 8;
      const l = b.readUInt32LE(p);
      p += 4;
      ws.lines.offs[2 * i] = p;
      ws.lines.offs[2 * i + 1] = p + l;
      p += l;
      const ml = b.readUInt32LE(p);
      p += 4;
      if (ml > 0) {
        ws.metadata ??= new Array(n).fill(undefined);
        ws.metadata[i] = JSON.parse(b.toString('utf8', p, p + ml)) as Array<[string, string]>;
        p += ml;
      }
    }
    streams.push(ws);
  }
  return { tenant, streams };
}
