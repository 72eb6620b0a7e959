import { WireReader } from '../../lib/protobuf/index.js';
import { lineAt, lineCount, type PushRequest, type RawPushRequest, type RawPushStream } from '../model/index.js';
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
 * Decodes straight into the columnar `RawPushStream`: a line is its byte range in `buf` (no string per line);
 * unknown fields are skipped as protobuf requires.
 */
export function decodePushRequestProtoRaw(buf: Uint8Array): RawPushRequest {
  const r = WireReader.of(buf, protoError);
  const streams: RawPushStream[] = [];
  while (r.pos < r.end) {
    const tag = r.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) {
      streams.push(decodeStream(r, r.lengthEnd()));
    } else r.skip(tag & 7);
  }
  return { streams };
}

/** As `decodePushRequestProtoRaw`, with every line as a string. */
export function decodePushRequestProto(buf: Uint8Array): PushRequest {
  return {
    streams: decodePushRequestProtoRaw(buf).streams.map((s) => {
      const lines = new Array<string>(lineCount(s.lines));
      for (let i = 0; i < lines.length; i++) lines[i] = lineAt(s.lines, i);
      return { labels: s.labels, ts: s.ts, lines, metadata: s.metadata };
    }),
  };
}

function decodeStream(r: WireReader, end: number): RawPushStream {
  const s: RawPushStream = { labels: '', ts: [], lines: { buf: r.buf, offs: [] } };
  const outer = r.end;
  r.end = end;
  const secs: SecondsCache = { sec: NaN, ns: 0n };
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === 2) s.labels = r.string();
    else if (field === 2 && (tag & 7) === 2) {
      decodeEntry(r, r.lengthEnd(), s, secs);
    } else r.skip(tag & 7);
  }
  r.end = outer;
  return s;
}

/**
 * The last whole second seen in a stream as nanoseconds: entries of a stream mostly share their second, so the
 * timestamp costs one bigint addition instead of a bigint per varint and a multiplication.
 */
interface SecondsCache {
  sec: number;
  ns: bigint;
}

function decodeEntry(r: WireReader, end: number, s: RawPushStream, secs: SecondsCache): void {
  const outer = r.end;
  r.end = end;
  let sec = 0;
  let secBig: bigint | undefined;
  let nanos = 0;
  let lineStart = 0;
  let lineEnd = 0;
  let meta: Array<[string, string]> | undefined;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === 2) {
      const tend = r.lengthEnd();
      const o2 = r.end;
      r.end = tend;
      while (r.pos < tend) {
        const t2 = r.uint32();
        if (t2 >>> 3 === 1 && (t2 & 7) === 0) {
          const at = r.pos;
          sec = r.int64();
          secBig = undefined;
          // beyond 2^53 seconds a number is not exact: read the int64 again as a bigint
          if (!Number.isSafeInteger(sec)) {
            r.pos = at;
            secBig = BigInt.asIntN(64, r.uint64Big());
          }
        } else if (t2 >>> 3 === 2 && (t2 & 7) === 0) nanos = r.uint32() | 0; // int32: the low 32 bits, signed
        else r.skip(t2 & 7);
      }
      r.end = o2;
    } else if (field === 2 && (tag & 7) === 2) {
      lineEnd = r.lengthEnd();
      lineStart = r.pos;
      r.pos = lineEnd;
    }
    else if (field === 3 && (tag & 7) === 2) {
      const pend = r.lengthEnd();
      const o2 = r.end;
      r.end = pend;
      let name = '';
      let value = '';
      while (r.pos < pend) {
        const t2 = r.uint32();
        if (t2 >>> 3 === 1 && (t2 & 7) === 2) name = r.string();
        else if (t2 >>> 3 === 2 && (t2 & 7) === 2) value = r.string();
        else r.skip(t2 & 7);
      }
      r.end = o2;
      (meta ??= []).push([name, value]);
    } else r.skip(tag & 7);
  }
  r.end = outer;
  let base: bigint;
  if (secBig !== undefined) base = secBig * 1_000_000_000n;
  else {
    if (sec !== secs.sec) {
      secs.sec = sec;
      secs.ns = BigInt(sec) * 1_000_000_000n;
    }
    base = secs.ns;
  }
  s.ts.push(nanos === 0 ? base : base + BigInt(nanos));
  s.lines.offs.push(lineStart, lineEnd);
  if (meta) {
    s.metadata ??= new Array(s.ts.length - 1).fill(undefined);
    s.metadata.push(meta);
  } else if (s.metadata) s.metadata.push(undefined);
}

/** Loki's (gogo protobuf's) messages for a malformed body. */
function protoError(what: string): PushDecodeError {
  if (what.startsWith('invalid wire type')) return new PushDecodeError(`proto: illegal wireType ${what.slice('invalid wire type '.length)}`);
  if (what.startsWith('varint longer')) return new PushDecodeError('proto: integer overflow');
  return new PushDecodeError('proto: unexpected EOF');
}
