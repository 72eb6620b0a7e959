import { type CounterResetHint, type FloatHistogram } from '../../../model/index.js';
import { toSpanHistogram } from '../../tsdb/index.js';
import { ProtoWriter } from './proto-writer.js';

/** One native histogram sample to send: `float` picks the float message fields (count_float, counts) over the integer ones. */
export interface EncodeHistogram {
  t: number;
  h: FloatHistogram;
  float: boolean;
}

const HINTS: CounterResetHint[] = ['unknown', 'reset', 'not_reset', 'gauge'];

/** sint32/sint64 zig-zag, in float arithmetic (exact below 2^52). */
const zigzag = (n: number) => (n >= 0 ? n * 2 : -n * 2 - 1);

function packedVarints(w: ProtoWriter, tag: number, values: readonly number[]): void {
  if (values.length === 0) return;
  const body = new ProtoWriter(Buffer.allocUnsafe(values.length * 10));
  for (const v of values) body.varint(v);
  w.varint(tag);
  w.varint(body.pos);
  body.buf.copy(w.buf, w.pos, 0, body.pos);
  w.pos += body.pos;
}

function packedDoubles(w: ProtoWriter, tag: number, values: readonly number[]): void {
  if (values.length === 0) return;
  w.varint(tag);
  w.varint(values.length * 8);
  for (const v of values) w.double(v);
}

function spans(w: ProtoWriter, tag: number, list: readonly { offset: number; length: number }[]): void {
  for (const s of list) {
    const body = new ProtoWriter(Buffer.allocUnsafe(22));
    body.buf[body.pos++] = 0x08; // offset = 1, sint32
    body.varint(zigzag(s.offset));
    body.buf[body.pos++] = 0x10; // length = 2, uint32
    body.varint(s.length);
    w.buf[w.pos++] = tag;
    w.varint(body.pos);
    body.buf.copy(w.buf, w.pos, 0, body.pos);
    w.pos += body.pos;
  }
}

/** One member of a count oneof: the uint64 field (varint) or the double one (fixed64). */
function count(w: ProtoWriter, float: boolean, intTag: number, floatTag: number, v: number): void {
  w.buf[w.pos++] = float ? floatTag : intTag;
  if (float) w.double(v);
  else w.varint(v);
}

/** Prometheus's delta encoding of integer bucket counts (each bucket minus the previous one, in span order). */
function deltas(abs: readonly number[]): number[] {
  return abs.map((v, i) => zigzag(v - (i === 0 ? 0 : abs[i - 1])));
}

/**
 * The body (no tag, no length) of a remote-write `Histogram` message, 1.0 and 2.0 alike (see histogram-decoder.ts
 * for the field numbers). The count and zero-count oneofs are always written, so a receiver tells an integer
 * histogram from a float one even when they are 0.
 */
export function encodeHistogram(x: EncodeHistogram): Buffer {
  const s = toSpanHistogram(x.h);
  const nSpans = s.positiveSpans.length + s.negativeSpans.length;
  const nBuckets = s.positiveBuckets.length + s.negativeBuckets.length;
  const w = new ProtoWriter(Buffer.allocUnsafe(96 + 24 * nSpans + 11 * nBuckets + 8 * (s.customValues?.length ?? 0)));
  count(w, x.float, 0x08, 0x11, s.count); // count_int = 1 / count_float = 2
  w.buf[w.pos++] = 0x19; // sum = 3
  w.double(s.sum);
  w.buf[w.pos++] = 0x20; // schema = 4, sint32
  w.varint(zigzag(s.schema));
  w.buf[w.pos++] = 0x29; // zero_threshold = 5
  w.double(s.zeroThreshold);
  count(w, x.float, 0x30, 0x39, s.zeroCount); // zero_count_int = 6 / zero_count_float = 7
  spans(w, 0x42, s.negativeSpans); // negative_spans = 8
  if (x.float) packedDoubles(w, 0x52, s.negativeBuckets); // negative_counts = 10
  else packedVarints(w, 0x4a, deltas(s.negativeBuckets)); // negative_deltas = 9
  spans(w, 0x5a, s.positiveSpans); // positive_spans = 11
  if (x.float) packedDoubles(w, 0x6a, s.positiveBuckets); // positive_counts = 13
  else packedVarints(w, 0x62, deltas(s.positiveBuckets)); // positive_deltas = 12
  const hint = HINTS.indexOf(x.h.hint);
  if (hint > 0) {
    w.buf[w.pos++] = 0x70; // reset_hint = 14
    w.varint(hint);
  }
  w.buf[w.pos++] = 0x78; // timestamp = 15
  w.varint(x.t);
  if (s.customValues && s.customValues.length > 0) packedDoubles(w, 0x82, s.customValues); // custom_values = 16 (tag varint 0x82 0x01)
  return w.buf.subarray(0, w.pos);
}
