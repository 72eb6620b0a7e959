import { FloatHistogram, type CounterResetHint } from '../../../model/index.js';
import { WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, type WireReader } from '../../../lib/protobuf/index.js';

/**
 * A remote-write `Histogram` message (1.0 `prometheus.Histogram` and 2.0 `io.prometheus.write.v2.Histogram` share
 * the field numbers): count_int 1 / count_float 2, sum 3, schema 4 (sint32), zero_threshold 5, zero_count_int 6 /
 * zero_count_float 7, negative spans 8 / deltas 9 (sint64, integer histograms) / counts 10 (double, float
 * histograms), positive spans 11 / deltas 12 / counts 13, reset_hint 14 (0 unknown, 1 yes, 2 no, 3 gauge),
 * timestamp 15, custom_values 16. Into the query model's dense FloatHistogram (integer deltas summed up).
 */
const HINTS: CounterResetHint[] = ['unknown', 'reset', 'not_reset', 'gauge'];

export function decodeHistogram(r: WireReader, end: number): { t: number; h: FloatHistogram } {
  const h = new FloatHistogram();
  let t = 0;
  const spans: [number, number][][] = [[], []]; // negative, positive: [offset, length]
  const deltas: number[][] = [[], []];
  const counts: number[][] = [[], []];
  const customValues: number[] = [];
  while (r.pos < end) {
    const tag = r.uint32(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        h.count = r.int64(end, false);
        break;
      case 2:
        h.count = r.double(end);
        break;
      case 3:
        h.sum = r.double(end);
        break;
      case 4:
        h.schema = r.sint64(end);
        break;
      case 5:
        h.zeroThreshold = r.double(end);
        break;
      case 6:
        h.zeroCount = r.int64(end, false);
        break;
      case 7:
        h.zeroCount = r.double(end);
        break;
      case 8:
      case 11:
        spans[field === 8 ? 0 : 1].push(decodeSpan(r, r.lengthEnd(end)));
        break;
      case 9:
      case 12:
        repeated(r, wt, end, deltas[field === 9 ? 0 : 1], () => r.sint64(end));
        break;
      case 10:
      case 13:
      case 16:
        repeated(r, wt, end, field === 16 ? customValues : counts[field === 10 ? 0 : 1], () => r.double(end));
        break;
      case 14:
        h.hint = HINTS[r.uint32(end)] ?? 'unknown';
        break;
      case 15:
        t = r.int64(end, true);
        break;
      case 0:
        r.fail('field number 0');
        break;
      default:
        r.skip(wt, end);
    }
  }
  for (const side of [0, 1]) {
    let abs = counts[side];
    if (abs.length === 0 && deltas[side].length > 0) {
      let cur = 0;
      abs = deltas[side].map((d) => (cur += d));
    }
    const [off, dense] = denseBuckets(spans[side], abs);
    if (side === 0) [h.nOff, h.neg] = [off, dense];
    else [h.pOff, h.pos] = [off, dense];
  }
  if (customValues.length > 0) {
    h.customValues = customValues;
    if (h.pOff > 0) {
      h.pos = new Array<number>(h.pOff).fill(0).concat(h.pos);
      h.pOff = 0;
    }
  }
  return { t, h };
}

function decodeSpan(r: WireReader, end: number): [number, number] {
  let offset = 0;
  let length = 0;
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag >>> 3 === 1) offset = r.sint64(end);
    else if (tag >>> 3 === 2) length = r.uint32(end);
    else r.skip(tag & 7, end);
  }
  return [offset, length];
}

/** A repeated scalar field, packed (one length-delimited run) or not. */
function repeated(r: WireReader, wt: number, end: number, out: number[], read: () => number): void {
  if (wt === WIRE_LEN) {
    const e = r.lengthEnd(end);
    while (r.pos < e) out.push(read());
    return;
  }
  if (wt !== WIRE_VARINT && wt !== WIRE_FIXED64) r.fail('bad wire type for a repeated scalar');
  out.push(read());
}

function denseBuckets(spans: readonly [number, number][], values: readonly number[]): [number, number[]] {
  const idx: number[] = [];
  let at = 0;
  for (const [offset, length] of spans) {
    at += offset;
    for (let k = 0; k < length; k++) idx.push(at++);
  }
  const n = Math.min(idx.length, values.length);
  if (n === 0) return [0, []];
  const out = new Array<number>(idx[n - 1] - idx[0] + 1).fill(0);
  for (let i = 0; i < n; i++) out[idx[i] - idx[0]] = values[i];
  return [idx[0], out];
}
