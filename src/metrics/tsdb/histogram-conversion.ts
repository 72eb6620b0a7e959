/**
 * Between the query model's dense `FloatHistogram` (buckets from an offset, spans implicit) and the chunks' sparse
 * `SpanHistogram`. Runs of more than two empty buckets become gaps between spans (as Prometheus's client libraries
 * lay buckets out); shorter runs stay inside a span, where a constant zero costs one bit per sample.
 */
import { CUSTOM_BUCKETS_SCHEMA, FloatHistogram, type CounterResetHint } from '../../model/index.js';
import { spanIndexes, spansFromIndexes, type SpanHistogram } from './histogram-chunk-layout.js';

const MAX_INNER_GAP = 2;

function sparse(off: number, dense: readonly number[]): { idx: number[]; values: number[] } {
  const idx: number[] = [];
  const values: number[] = [];
  let first = 0;
  while (first < dense.length && dense[first] === 0) first++;
  let last = dense.length - 1;
  while (last >= first && dense[last] === 0) last--;
  for (let i = first; i <= last; i++) {
    if (dense[i] === 0) {
      let j = i;
      while (j <= last && dense[j] === 0) j++;
      if (j - i > MAX_INNER_GAP) {
        i = j - 1;
        continue;
      }
    }
    idx.push(off + i);
    values.push(dense[i]);
  }
  return { idx, values };
}

export function toSpanHistogram(fh: FloatHistogram): SpanHistogram {
  const p = sparse(fh.pOff, fh.pos);
  const n = sparse(fh.nOff, fh.neg);
  const h: SpanHistogram = {
    schema: fh.schema,
    zeroThreshold: fh.zeroThreshold,
    zeroCount: fh.zeroCount,
    count: fh.count,
    sum: fh.sum,
    positiveSpans: spansFromIndexes(p.idx),
    negativeSpans: spansFromIndexes(n.idx),
    positiveBuckets: p.values,
    negativeBuckets: n.values,
  };
  if (fh.customValues) h.customValues = fh.customValues;
  return h;
}

/** Dense buckets from sparse ones, without empty buckets at either end (a chunk's layout may carry such). */
function dense(idx: readonly number[], values: readonly number[]): [number, number[]] {
  let a = 0;
  let b = idx.length - 1;
  while (a <= b && values[a] === 0) a++;
  while (b >= a && values[b] === 0) b--;
  if (a > b) return [0, []];
  const off = idx[a];
  const out = new Array<number>(idx[b] - off + 1).fill(0);
  for (let i = a; i <= b; i++) out[idx[i] - off] = values[i];
  return [off, out];
}

export function fromSpanHistogram(h: SpanHistogram, hint: CounterResetHint): FloatHistogram {
  const fh = new FloatHistogram();
  fh.schema = h.schema;
  fh.zeroThreshold = h.zeroThreshold;
  fh.zeroCount = h.zeroCount;
  fh.count = h.count;
  fh.sum = h.sum;
  [fh.pOff, fh.pos] = dense(spanIndexes(h.positiveSpans), h.positiveBuckets);
  if (h.schema === CUSTOM_BUCKETS_SCHEMA && fh.pOff > 0) {
    // The model keeps custom buckets from index 0.
    fh.pos = new Array<number>(fh.pOff).fill(0).concat(fh.pos);
    fh.pOff = 0;
  }
  [fh.nOff, fh.neg] = dense(spanIndexes(h.negativeSpans), h.negativeBuckets);
  if (h.customValues) fh.customValues = h.customValues;
  fh.hint = hint;
  return fh;
}

/** Whether a histogram fits the integer chunk encoding: every count a non-negative integer. */
export function isIntegerHistogram(fh: FloatHistogram): boolean {
  const ok = (v: number) => Number.isSafeInteger(v) && v >= 0;
  if (!ok(fh.count) || !ok(fh.zeroCount)) return false;
  for (const v of fh.pos) if (!ok(v)) return false;
  for (const v of fh.neg) if (!ok(v)) return false;
  return true;
}
