import type { PushRequest, PushStream } from '../model/index.js';
import { PushDecodeError } from './push-decode-error.js';

/**
 * Hand-written decoder of Loki's `logproto.PushRequest` (the body Promtail, Alloy and winston-loki send, after
 * snappy block decompression):
 *
 *   PushRequest   { repeated StreamAdapter streams = 1; }
 *   StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
 *   EntryAdapter  { Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
 *   Timestamp     { int64 seconds = 1; int32 nanos = 2; }
 *   LabelPair     { string name = 1; string value = 2; }
 *
 * Decodes straight into the columnar `PushStream`; unknown fields are skipped as protobuf requires.
 */
export function decodePushRequestProto(buf: Uint8Array): PushRequest {
  const r = new Reader(buf);
  const streams: PushStream[] = [];
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag >>> 3 === 1 && (tag & 7) === 2) {
      const len = r.varint();
      streams.push(decodeStream(r, r.sub(len)));
    } else r.skip(tag & 7);
  }
  return { streams };
}

function decodeStream(r: Reader, end: number): PushStream {
  const s: PushStream = { labels: '', ts: [], lines: [] };
  const outer = r.end;
  r.end = end;
  while (r.pos < end) {
    const tag = r.varint();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === 2) s.labels = r.string();
    else if (field === 2 && (tag & 7) === 2) {
      const len = r.varint();
      decodeEntry(r, r.sub(len), s);
    } else r.skip(tag & 7);
  }
  r.end = outer;
  return s;
}

function decodeEntry(r: Reader, end: number, s: PushStream): void {
  const outer = r.end;
  r.end = end;
  let sec = 0n;
  let nanos = 0;
  let line = '';
  let meta: Array<[string, string]> | undefined;
  while (r.pos < end) {
    const tag = r.varint();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === 2) {
      const tend = r.sub(r.varint());
      const o2 = r.end;
      r.end = tend;
      while (r.pos < tend) {
        const t2 = r.varint();
        if (t2 >>> 3 === 1 && (t2 & 7) === 0) sec = r.varint64();
        else if (t2 >>> 3 === 2 && (t2 & 7) === 0) nanos = Number(BigInt.asIntN(32, r.varint64()));
        else r.skip(t2 & 7);
      }
      r.end = o2;
    } else if (field === 2 && (tag & 7) === 2) line = r.string();
    else if (field === 3 && (tag & 7) === 2) {
      const pend = r.sub(r.varint());
      const o2 = r.end;
      r.end = pend;
      let name = '';
      let value = '';
      while (r.pos < pend) {
        const t2 = r.varint();
        if (t2 >>> 3 === 1 && (t2 & 7) === 2) name = r.string();
        else if (t2 >>> 3 === 2 && (t2 & 7) === 2) value = r.string();
        else r.skip(t2 & 7);
      }
      r.end = o2;
      (meta ??= []).push([name, value]);
    } else r.skip(tag & 7);
  }
  r.end = outer;
  s.ts.push(BigInt.asIntN(64, sec) * 1_000_000_000n + BigInt(nanos));
  s.lines.push(line);
  if (meta) {
    s.metadata ??= new Array(s.lines.length - 1).fill(undefined);
    s.metadata.push(meta);
  } else if (s.metadata) s.metadata.push(undefined);
}

const utf8 = new TextDecoder('utf-8');

class Reader {
  pos = 0;
  end: number;
  constructor(readonly buf: Uint8Array) {
    this.end = buf.length;
  }

  /** A varint that fits in 32 bits (tags, lengths). */
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new PushDecodeError('proto: unexpected EOF');
      const b = this.buf[this.pos++];
      if (shift < 28) result |= (b & 0x7f) << shift;
      else result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
      if (shift > 63) throw new PushDecodeError('proto: integer overflow');
    }
  }

  varint64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new PushDecodeError('proto: unexpected EOF');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
      shift += 7n;
      if (shift > 63n) throw new PushDecodeError('proto: integer overflow');
    }
  }

  /** Validate a length-delimited field and return its end offset. */
  sub(len: number): number {
    const e = this.pos + len;
    if (len < 0 || e > this.end) throw new PushDecodeError('proto: unexpected EOF');
    return e;
  }

  string(): string {
    const e = this.sub(this.varint());
    const s = utf8.decode(this.buf.subarray(this.pos, e));
    this.pos = e;
    return s;
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint64();
        return;
      case 1:
        this.pos = this.sub(8);
        return;
      case 2:
        this.pos = this.sub(this.varint());
        return;
      case 5:
        this.pos = this.sub(4);
        return;
      default:
        throw new PushDecodeError(`proto: illegal wireType ${wire}`);
    }
  }
}
