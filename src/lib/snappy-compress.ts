/**
 * Snappy's block format (https://github.com/google/snappy/blob/main/format_description.txt), compressed in
 * TypeScript: what Loki's push API expects around a protobuf `PushRequest`. The algorithm is the reference
 * encoder's: the input in 64 KiB blocks, a hash table of the 4-byte sequences seen, a match extended as far as it
 * goes, and a skip that grows over incompressible bytes. Any decoder reads it (the snappy package's `uncompress`
 * in the tests). It replaces the native `snappy` addon on the agent's shipping path: loading that addon costs
 * ~5 MB of resident memory (its code, two worker threads and their malloc arenas, and the pages of the node
 * binary's symbol tables its dynamic linking touches; docs/agent.md, Figures: the eighth pass).
 */

const BLOCK_SIZE = 1 << 16;
const TABLE_BITS = 14;
const TABLE_SHIFT = 32 - TABLE_BITS;
/** Inputs shorter than this are sent as one literal (no room for a match past the hash's lookahead). */
const MIN_NON_LITERAL_BLOCK = 1 + 1 + 4;

const table = new Int32Array(1 << TABLE_BITS);

/** The worst-case compressed size of `n` bytes (snappy's `MaxCompressedLength`). */
export function maxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

/**
 * `input` as one snappy block (its length as a varint, then literals and copies), in a buffer of its own size.
 * `room`, if given and of at least `maxCompressedLength(input.length)` bytes, is where it is written first (a caller
 * that ships a stream of batches passes a pooled buffer: a fresh worst-case allocation per call is external memory
 * that makes V8 collect more often).
 */
export function snappyCompress(data: Uint8Array, room?: Uint8Array): Buffer {
  // Plain Uint8Arrays in the loops (a Buffer is a subclass: two array shapes would make the loops polymorphic).
  const input = new Uint8Array(data.buffer, data.byteOffset, data.length);
  const need = maxCompressedLength(input.length);
  if (room === undefined || room.length < need) room = Buffer.allocUnsafeSlow(need);
  const out = new Uint8Array(room.buffer, room.byteOffset, room.length);
  let d = putUvarint(out, 0, input.length);
  for (let p = 0; p < input.length; p += BLOCK_SIZE) {
    const end = Math.min(p + BLOCK_SIZE, input.length);
    d = end - p < MIN_NON_LITERAL_BLOCK ? emitLiteral(out, d, input, p, end) : compressBlock(out, d, input, p, end);
  }
  // Copied into a buffer of its own size, so the worst-case allocation does not stay alive with the body.
  return Buffer.from(out.subarray(0, d));
}

function putUvarint(out: Uint8Array, d: number, v: number): number {
  while (v >= 0x80) {
    out[d++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[d++] = v;
  return d;
}

/** Four bytes as one number: a DataView read is one unaligned load once optimized (twice the speed of 4 byte reads). */
function load32(b: DataView, i: number): number {
  return b.getInt32(i, true);
}

function hash(u: number): number {
  return Math.imul(u, 0x1e35a7bd) >>> TABLE_SHIFT;
}

function emitLiteral(out: Uint8Array, d: number, src: Uint8Array, from: number, to: number): number {
  const n = to - from - 1;
  if (n < 60) {
    out[d++] = n << 2;
  } else if (n < 1 << 8) {
    out[d++] = 60 << 2;
    out[d++] = n;
  } else if (n < 1 << 16) {
    out[d++] = 61 << 2;
    out[d++] = n & 0xff;
    out[d++] = n >>> 8;
  } else if (n < 1 << 24) {
    out[d++] = 62 << 2;
    out[d++] = n & 0xff;
    out[d++] = (n >>> 8) & 0xff;
    out[d++] = n >>> 16;
  } else {
    out[d++] = 63 << 2;
    out[d++] = n & 0xff;
    out[d++] = (n >>> 8) & 0xff;
    out[d++] = (n >>> 16) & 0xff;
    out[d++] = n >>> 24;
  }
  // A byte loop for short literals: `subarray` allocates a view per call, which costs more than the copy.
  if (to - from < 256) {
    for (let i = from; i < to; i++) out[d++] = src[i];
  } else {
    out.set(src.subarray(from, to), d);
    d += to - from;
  }
  return d;
}

/** A copy of `length` bytes from `offset` back (offset < 64 KiB within a block). */
function emitCopy(out: Uint8Array, d: number, offset: number, length: number): number {
  while (length >= 68) {
    out[d++] = (63 << 2) | 2;
    out[d++] = offset & 0xff;
    out[d++] = offset >>> 8;
    length -= 64;
  }
  if (length > 64) {
    out[d++] = (59 << 2) | 2;
    out[d++] = offset & 0xff;
    out[d++] = offset >>> 8;
    length -= 60;
  }
  if (length >= 12 || offset >= 2048) {
    out[d++] = ((length - 1) << 2) | 2;
    out[d++] = offset & 0xff;
    out[d++] = offset >>> 8;
  } else {
    out[d++] = ((offset >>> 8) << 5) | ((length - 4) << 2) | 1;
    out[d++] = offset & 0xff;
  }
  return d;
}

function compressBlock(out: Uint8Array, d: number, src: Uint8Array, start: number, end: number): number {
  const t = table;
  const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
  t.fill(0);
  // Positions in the table are relative to the block's start, so 0 is "none or the first byte" (as the reference).
  const limit = end - 15; // no match starts within the last 15 bytes: the 4-byte loads stay in bounds
  let nextEmit = start;
  let s = start + 1;
  let nextVal = load32(v, s);
  outer: for (;;) {
    let skip = 32;
    let next = s;
    let candidate: number;
    for (;;) {
      s = next;
      const val = nextVal;
      const h = hash(val);
      const bytesBetween = skip >>> 5;
      skip++;
      next = s + bytesBetween;
      if (next > limit) break outer;
      candidate = t[h] + start;
      t[h] = s - start;
      nextVal = load32(v, next);
      if (val === load32(v, candidate)) break;
    }
    d = emitLiteral(out, d, src, nextEmit, s);
    // Copies, for as long as the bytes after one copy start another.
    for (;;) {
      const base = s;
      let a = s + 4;
      let b = candidate + 4;
      // Four bytes at a time while they match, then byte by byte.
      while (a + 4 <= end && load32(v, a) === load32(v, b)) {
        a += 4;
        b += 4;
      }
      while (a < end && src[a] === src[b]) {
        a++;
        b++;
      }
      s = a;
      d = emitCopy(out, d, base - candidate, s - base);
      nextEmit = s;
      if (s >= limit) break outer;
      const prev = hash(load32(v, s - 1));
      t[prev] = s - 1 - start;
      const val = load32(v, s);
      const cur = hash(val);
      candidate = t[cur] + start;
      t[cur] = s - start;
      if (val !== load32(v, candidate)) {
        s++;
        nextVal = load32(v, s);
        break;
      }
    }
  }
  if (nextEmit < end) d = emitLiteral(out, d, src, nextEmit, end);
  return d;
}
