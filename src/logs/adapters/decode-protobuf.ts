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
 * Decodes straight into the columnar `RawPushStream`: a line is its byte range in `buf` (no string per line), the
 * timestamps of every stream go to one `BigInt64Array` of the request (each stream's a view of it), written without
 * a bigint object per entry; unknown fields are skipped as protobuf requires.
 */
export function decodePushRequestProtoRaw(buf: Uint8Array): RawPushRequest {
  const r = WireReader.of(buf, protoError);
  const streams: RawPushStream[] = [];
  // An entry of a 200-byte line takes ~215 bytes of the body: a first guess that rarely needs to grow.
  const times: TimeColumn = { ts: new BigInt64Array(Math.min(1 << 20, (buf.length >>> 7) + 16)), n: 0 };
  while (r.pos < r.end) {
    const tag = r.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) {
      streams.push(decodeStream(r, r.lengthEnd(), times));
    } else r.skip(tag & 7);
  }
  return { streams };
}

/**
 * The request's timestamps as they are decoded. When it grows, the used part is copied to a larger array: views
 * taken by earlier streams keep the old one (their part of it never changes).
 */
interface TimeColumn {
  ts: BigInt64Array;
  n: number;
}

/** As `decodePushRequestProtoRaw`, with every line as a string. */
export function decodePushRequestProto(buf: Uint8Array): PushRequest {
  return {
    streams: decodePushRequestProtoRaw(buf).streams.map((s) => {
      const lines = new Array<string>(lineCount(s.lines));
      for (let i = 0; i < lines.length; i++) lines[i] = lineAt(s.lines, i);
      return { labels: s.labels, ts: Array.from(s.ts), lines, metadata: s.metadata };
    }),
  };
}

function decodeStream(r: WireReader, end: number, times: TimeColumn): RawPushStream {
  const s: RawPushStream = { labels: '', ts: EMPTY_TS, lines: { buf: r.buf, offs: [] } };
  const outer = r.end;
  r.end = end;
  const secs: SecondsCache = { sec: NaN, ns: 0n };
  const first = times.n;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === 2) s.labels = r.string();
    else if (field === 2 && (tag & 7) === 2) {
      decodeEntry(r, r.lengthEnd(), s, secs, times, first);
    } else r.skip(tag & 7);
  }
  r.end = outer;
  if (times.n > first) s.ts = times.ts.subarray(first, times.n);
  return s;
}

const EMPTY_TS = new BigInt64Array(0);

/**
 * The last whole second seen in a stream as nanoseconds: entries of a stream mostly share their second, so the
 * timestamp costs one bigint addition instead of a bigint per varint and a multiplication.
 */
interface SecondsCache {
  sec: number;
  ns: bigint;
}

function decodeEntry(r: WireReader, end: number, s: RawPushStream, secs: SecondsCache, times: TimeColumn, first: number): void {
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
  if (times.n === times.ts.length) {
    const grown = new BigInt64Array(2 * times.ts.length);
    grown.set(times.ts);
    times.ts = grown;
  }
  // Written straight into the typed array, the sum stays a 64-bit integer in optimized code (no bigint object).
  // Beyond int64 (year 2262) the time is kept at int64's bound, which the distributor refuses as too new or too old,
  // instead of wrapping around into an acceptable one.
  if (secBig === undefined && sec <= SAFE_SECONDS && sec >= -SAFE_SECONDS) times.ts[times.n++] = base + BigInt(nanos);
  else times.ts[times.n++] = clampInt64(base + BigInt(nanos));
  s.lines.offs.push(lineStart, lineEnd);
  if (meta) {
    s.metadata ??= new Array(times.n - first - 1).fill(undefined);
    s.metadata.push(meta);
  } else if (s.metadata) s.metadata.push(undefined);
}

/** Seconds whose nanoseconds plus any int32 of nanos stay within int64. */
const SAFE_SECONDS = 9_223_372_033;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function clampInt64(v: bigint): bigint {
  return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : v;
}

/** Loki's (gogo protobuf's) messages for a malformed body. */
function protoError(what: string): PushDecodeError {
  if (what.startsWith('invalid wire type')) return new PushDecodeError(`proto: illegal wireType ${what.slice('invalid wire type '.length)}`);
  if (what.startsWith('varint longer')) return new PushDecodeError('proto: integer overflow');
  return new PushDecodeError('proto: unexpected EOF');
}
