/**
 * The histogram part of a commit and of WAL replay: records of type 7/8 (wal-histogram-records.ts) before the
 * flush, then the samples into the head (head-histograms.ts).
 */
import type { AppendBatch } from './appender.js';
import type { ByteWriter } from './byte-codec.js';
import { appendHistogramToHead } from './head-histograms.js';
import { APPLIED, DUPLICATE_CONFLICT, OUT_OF_ORDER, type Head, type MemSeries } from './head.js';
import { fromSpanHistogram, isIntegerHistogram, toSpanHistogram } from './histogram-conversion.js';
import { encodeHistogramSamples, type HistogramRecordSample } from './wal-histogram-records.js';

const PER_RECORD = 1000;

/** Encode the batch's histograms (integer and float records) and hand each record to `append`; returns the newest t. */
export function writeHistogramRecords(w: ByteWriter, b: AppendBatch, head: Head, append: (payload: Uint8Array) => void): number {
  const hs = b.histograms;
  if (!hs || hs.length === 0) return -Infinity;
  const ints: HistogramRecordSample[] = [];
  const floats: HistogramRecordSample[] = [];
  let maxT = -Infinity;
  for (const x of hs) {
    const s = x.s.deleted ? head.getOrCreate(x.s.labels).series : x.s;
    (isIntegerHistogram(x.h) ? ints : floats).push({ ref: s.ref, t: x.t, h: toSpanHistogram(x.h), hint: x.h.hint });
    if (x.t > maxT) maxT = x.t;
  }
  for (const [float, list] of [
    [false, ints],
    [true, floats],
  ] as const) {
    for (let i = 0; i < list.length; i += PER_RECORD) {
      w.reset();
      encodeHistogramSamples(w, float, list.slice(i, i + PER_RECORD));
      append(w.view());
    }
  }
  return maxT;
}

/**
 * Apply a batch that has histograms: its float samples and histograms merged by time (a series may change from
 * one to the other within a batch), counted per type as the float path counts.
 */
export function applyWithHistograms(head: Head, b: AppendBatch): { floats: Counts; histograms: Counts } {
  const floats = { appended: 0, outOfOrder: 0 };
  const histograms = { appended: 0, outOfOrder: 0 };
  const hs = b.histograms ?? [];
  // Float i as i, histogram j as n + j; both lists are in append order, so a stable sort by time merges them.
  const order: number[] = [];
  for (let i = 0; i < b.n + hs.length; i++) order.push(i);
  const tOf = (k: number) => (k < b.n ? b.t[k] : hs[k - b.n].t);
  order.sort((x, y) => tOf(x) - tOf(y));
  for (const k of order) {
    let r: number;
    let c: Counts;
    if (k < b.n) {
      r = head.appendSample(b.series[b.sidx[k]], b.t[k], b.v[k]);
      c = floats;
    } else {
      const x = hs[k - b.n];
      r = appendHistogramToHead(head, x.s.deleted ? head.getOrCreate(x.s.labels).series : x.s, x.t, x.h);
      c = histograms;
    }
    if (r === APPLIED) c.appended++;
    else if (r === OUT_OF_ORDER || r === DUPLICATE_CONFLICT) c.outOfOrder++;
  }
  return { floats, histograms };
}

interface Counts {
  appended: number;
  outOfOrder: number;
}

/** A histogram sample read back from the WAL at open. */
export function replayHistogram(head: Head, s: MemSeries | undefined, x: HistogramRecordSample): void {
  if (s === undefined || x.t < head.minValidTime) return;
  appendHistogramToHead(head, s, x.t, fromSpanHistogram(x.h, x.hint));
}
