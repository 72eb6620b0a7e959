/**
 * The query path for a series with histogram chunks: samples of float (XOR) and histogram chunks decoded into one
 * time-ordered batch, `h[i]` set where the sample is a histogram (the shape the PromQL engine reads). Staleness
 * markers of histogram series come back as float StaleNaN, as Prometheus's iterators return them.
 */
import { isStaleNaN, type FloatHistogram, type SampleBatch } from '../../model/index.js';
import { decodeHistogramChunkRef } from './head-histograms.js';
import type { ChunkRef } from './head.js';
import { fromSpanHistogram } from './histogram-conversion.js';
import { isDeleted } from './tombstones.js';
import { decodeXorChunk } from './xor-chunk.js';

/** `chunks` sorted by minT; samples in [mint, maxt], duplicates of a timestamp dropped (the first chunk's wins). */
export function samplesWithHistograms(chunks: readonly ChunkRef[], mint: number, maxt: number): SampleBatch {
  const rows: { t: number; v: number; h: FloatHistogram | undefined }[] = [];
  for (const c of chunks) {
    if (c.encoding === undefined) {
      const t = new Float64Array(c.n);
      const v = new Float64Array(c.n);
      const n = decodeXorChunk(c.data, t, v, 0, c.n);
      for (let i = 0; i < n; i++) rows.push({ t: t[i], v: v[i], h: undefined });
      if (c.deleted) for (let i = rows.length - n; i < rows.length; i++) if (isDeleted(c.deleted, rows[i].t)) rows[i].t = NaN;
      continue;
    }
    for (const d of decodeHistogramChunkRef(c)) {
      if (c.deleted && isDeleted(c.deleted, d.t)) continue;
      if (isStaleNaN(d.h.sum)) rows.push({ t: d.t, v: d.h.sum, h: undefined });
      else rows.push({ t: d.t, v: 0, h: fromSpanHistogram(d.h, d.hint) });
    }
  }
  const kept = rows.filter((r) => r.t >= mint && r.t <= maxt);
  kept.sort((a, b) => a.t - b.t);
  const t = new Float64Array(kept.length);
  const v = new Float64Array(kept.length);
  const h: (FloatHistogram | undefined)[] = [];
  let n = 0;
  for (const r of kept) {
    if (n > 0 && t[n - 1] === r.t) continue;
    t[n] = r.t;
    v[n] = r.v;
    h[n] = r.h;
    n++;
  }
  return { t: t.subarray(0, n), v: v.subarray(0, n), length: n, h };
}
