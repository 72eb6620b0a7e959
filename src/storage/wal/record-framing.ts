import { crc32 } from 'node:zlib';

/** Each WAL record is framed as: u32 length (LE), u32 CRC-32 of the payload (LE), payload. */
export const FRAME_HEADER = 8;

export function frameSize(payloadLength: number): number {
  return FRAME_HEADER + payloadLength;
}

/** Write one framed record into `out` at `offset`; returns the offset after it. */
export function writeFrame(out: Buffer, offset: number, payload: Uint8Array): number {
  // An empty record would be indistinguishable from a zero-filled tail (length 0, CRC-32 0).
  if (payload.length === 0) throw new RangeError('empty WAL record');
  out.writeUInt32LE(payload.length, offset);
  out.writeUInt32LE(crc32(payload), offset + 4);
  out.set(payload, offset + FRAME_HEADER);
  return offset + FRAME_HEADER + payload.length;
}

/**
 * Write the frame header of a record whose payload is `parts` concatenated (the CRC-32 runs over the parts in
 * order, so the frame reads back exactly as if written by `writeFrame`); returns the offset after the header.
 */
export function writeFrameHeader(out: Buffer, offset: number, parts: readonly Uint8Array[]): number {
  let len = 0;
  let sum = 0;
  for (const p of parts) {
    len += p.length;
    sum = crc32(p, sum);
  }
  if (len === 0) throw new RangeError('empty WAL record');
  out.writeUInt32LE(len, offset);
  out.writeUInt32LE(sum, offset + 4);
  return offset + FRAME_HEADER;
}

export type FrameReadResult =
  /** All bytes consumed, or stopped at an incomplete frame at the end (a torn write, or one still being written). */
  | { ok: true; end: number }
  /** A frame whose checksum or length is wrong: the log is corrupt from `end` on. */
  | { ok: false; end: number; reason: string };

/**
 * Call `fn` for every complete, valid record in `buf` from `offset`. Payloads are views into `buf` (copy them to
 * keep them). Stops at the first incomplete or corrupt frame, at a zero-filled tail (what a file system leaves
 * after a crash or fsck: no record is ever empty), or when `fn` returns false (the record did not decode).
 */
export function readFrames(buf: Buffer, offset: number, fn: (payload: Buffer) => boolean | void, maxRecord = 1 << 30): FrameReadResult {
  let pos = offset;
  while (pos + FRAME_HEADER <= buf.length) {
    const len = buf.readUInt32LE(pos);
    const sum = buf.readUInt32LE(pos + 4);
    if (len === 0) return { ok: false, end: pos, reason: isZero(buf, pos) ? 'zero-filled tail' : 'empty record' };
    if (len > maxRecord) return { ok: false, end: pos, reason: `record length ${len} exceeds the limit` };
    if (pos + FRAME_HEADER + len > buf.length) return { ok: true, end: pos };
    const payload = buf.subarray(pos + FRAME_HEADER, pos + FRAME_HEADER + len);
    if (crc32(payload) !== sum) return { ok: false, end: pos, reason: 'checksum mismatch' };
    if (fn(payload) === false) return { ok: false, end: pos, reason: 'record does not decode' };
    pos += FRAME_HEADER + len;
  }
  return { ok: true, end: pos };
}

function isZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}
