/**
 * Native histogram samples in the head. A series' histogram chunks live in its chunk list (`MemSeries.chunks`,
 * `ChunkRef.encoding` 2 or 3) like closed float chunks; the open one is the list's last entry, replaced by a new
 * ChunkRef (a snapshot of the growing buffer) on every append, so queriers holding the list see a fixed sample
 * count. A series can change between floats and histograms: the open chunk of the other kind is closed first
 * (as Prometheus cuts a chunk on an encoding change).
 */
import type { FloatHistogram} from '../../model/index.js';
import { isStaleNaN } from '../../model/index.js';
import { appendHistogramSample, type HistogramChunkAppenderAny } from './histogram-append-rules.js';
import { ENC_FLOAT_HISTOGRAM, decodeFloatHistogramChunk } from './float-histogram-chunk.js';
import { ENC_HISTOGRAM, decodeHistogramChunk } from './histogram-chunk.js';
import type { DecodedHistogram } from './histogram-chunk-hint.js';
import { isIntegerHistogram, toSpanHistogram } from './histogram-conversion.js';
import { APPLIED, DUPLICATE_CONFLICT, DUPLICATE_SAME, OUT_OF_ORDER, rangeForTimestamp, type ApplyResult, type ChunkRef, type Head, type MemSeries } from './head.js';
import { SAMPLES_PER_CHUNK } from './xor-chunk.js';

interface OpenHistogramChunk {
  app: HistogramChunkAppenderAny;
  /** The ChunkRef of `app` now at the end of the series' chunk list. */
  ref: ChunkRef;
  last: FloatHistogram;
}

const open = new WeakMap<MemSeries, OpenHistogramChunk>();

function refOf(app: HistogramChunkAppenderAny, sealed: boolean): ChunkRef {
  return { data: sealed ? app.seal() : app.bytes(), minT: app.minT, maxT: app.maxT, n: app.numSamples, encoding: app.encoding };
}

/** The newest histogram of the series, when its newest sample is one. */
export function lastHistogram(s: MemSeries): FloatHistogram | undefined {
  const o = open.get(s);
  return o && o.app.maxT === s.maxT ? o.last : undefined;
}

/** Structural equality of two histograms (a repeated sample is accepted and ignored, as a repeated float). */
export function sameHistogram(a: FloatHistogram, b: FloatHistogram): boolean {
  if (isStaleNaN(a.sum) || isStaleNaN(b.sum)) return isStaleNaN(a.sum) && isStaleNaN(b.sum);
  const x = toSpanHistogram(a);
  const y = toSpanHistogram(b);
  return JSON.stringify([x, a.hint === 'gauge']) === JSON.stringify([y, b.hint === 'gauge']);
}

/** Append a histogram sample that passed validation (order is re-checked: another commit may have come first). */
export function appendHistogramToHead(head: Head, s: MemSeries, t: number, fh: FloatHistogram): ApplyResult {
  if (t <= s.maxT) {
    if (t < s.maxT) return OUT_OF_ORDER;
    const last = lastHistogram(s);
    return last && sameHistogram(last, fh) ? DUPLICATE_SAME : DUPLICATE_CONFLICT;
  }
  // An open float chunk ends here; the histogram chunk comes after it.
  s.closeOpen();
  let o = open.get(s);
  // Still open only if it is the series' newest chunk (floats, truncation or deletion may have moved on).
  if (o && s.chunks[s.chunks.length - 1] !== o.ref) o = undefined;
  // A float histogram series stays in float chunks when a sample happens to have integer counts.
  const float = !isIntegerHistogram(fh) || (o !== undefined && o.app.encoding === ENC_FLOAT_HISTOGRAM);
  const h = toSpanHistogram(fh);
  const forceCut = o !== undefined && (o.app.numSamples >= SAMPLES_PER_CHUNK || t >= s.nextAt);
  const r = appendHistogramSample(o?.app, t, h, float, fh.hint, forceCut);
  if (r.cut) {
    if (o) s.chunks[s.chunks.length - 1] = refOf(o.app, true);
    s.addChunk(refOf(r.app, false));
    s.nextAt = rangeForTimestamp(t, head.chunkRange);
    head.chunksCreated++;
    head.numChunks++;
  } else {
    s.chunks[s.chunks.length - 1] = refOf(r.app, false);
  }
  open.set(s, { app: r.app, ref: s.chunks[s.chunks.length - 1], last: fh });
  if (t < s.minT) s.minT = t;
  s.maxT = t;
  if (t < head.minT) head.minT = t;
  if (t > head.maxT) head.maxT = t;
  return APPLIED;
}

/** The samples of a histogram chunk (encoding 2 or 3). */
export function decodeHistogramChunkRef(c: { data: Uint8Array; n: number; encoding?: number }): DecodedHistogram[] {
  return c.encoding === ENC_HISTOGRAM ? decodeHistogramChunk(c.data, c.n) : decodeFloatHistogramChunk(c.data, c.n);
}

/** The chunk's samples for which `keep(t)` holds, re-encoded (one or more chunks, as the append rules cut them). */
export function filterHistogramChunk(c: ChunkRef, keep: (t: number) => boolean): ChunkRef[] {
  const out: ChunkRef[] = [];
  let app: HistogramChunkAppenderAny | undefined;
  const float = c.encoding !== ENC_HISTOGRAM;
  for (const d of decodeHistogramChunkRef(c)) {
    if (!keep(d.t)) continue;
    const r = appendHistogramSample(app, d.t, d.h, float, d.hint, false);
    if (r.cut && app) out.push(refOf(app, true));
    app = r.app;
  }
  if (app) out.push(refOf(app, true));
  return out;
}
