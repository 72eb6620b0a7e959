import { isStaleNaN, type FloatHistogram, type Labels, type Matcher } from '../../model/index.js';
import type { SelectHints } from '../storage-api/index.js';
import type { MatrixSelector, VectorSelector } from './ast.js';
import type { Evaluator } from './evaluator.js';
import { lowerBound } from './math.js';
import type { RangeVector, RawSeries } from './values.js';

/** The samples in [mint, maxt] of the series a selector matches (series without any are left out). */
export async function selectSeries(ev: Evaluator, vs: VectorSelector, mint: number, maxt: number, hints: Partial<SelectHints>): Promise<{ labels: Labels; t: Float64Array; v: Float64Array; n: number; h?: readonly (FloatHistogram | undefined)[] }[]> {
  // Unsorted, as Prometheus's engine selects (`Select(false, ...)`): sorting 50k series by labels took ~30% of the
  // CPU of `sum(rate(x[5m]))`; a range query's result is sorted once at the end (engine.ts).
  const series = await ev.ctx.querier.select(vs.matchers as Matcher[], { start: mint, end: maxt, step: ev.ctx.isRange ? ev.interval : 0, ...hints }, false);
  const out: { labels: Labels; t: Float64Array; v: Float64Array; n: number; h?: readonly (FloatHistogram | undefined)[] }[] = [];
  for (let i = 0; i < series.length; i++) {
    const s = series[i];
    ev.checkTime();
    if ((i & 63) === 0) await ev.pause();
    const b = s.samples(mint, maxt);
    if (b.length === 0) continue;
    out.push({ labels: s.labels, t: b.t, v: b.v, n: b.length, h: b.h });
  }
  return out;
}

/** A range vector selector `x[d]`: the samples (stale markers dropped) of every series over all steps' windows. */
export async function loadMatrix(ev: Evaluator, ms: MatrixSelector, func?: string): Promise<RangeVector> {
  const vs = ms.vs;
  const rangeMs = ev.duration(ms.range);
  if (rangeMs <= 0) ev.fail(`range must be greater than 0`);
  const offsetMs = ev.duration(vs.offset);
  const at = ev.atTime(vs.at, vs.atMod);
  const first = (at ?? ev.start) - offsetMs;
  const last = (at ?? ev.end) - offsetMs;
  const ext = vs.anchored || vs.smoothed ? ev.ctx.lookbackDelta : 0;
  const raw = await selectSeries(ev, vs, first - rangeMs - ext + 1, last + (vs.smoothed ? ext : 0), { range: rangeMs, func });
  const series: RawSeries[] = [];
  for (const r of raw) {
    let n = 0;
    for (let i = 0; i < r.n; i++) if (!isStaleNaN(r.v[i]) || r.h?.[i]) n++;
    let t = r.t;
    let v = r.v;
    let h = r.h ? r.h.slice(0, r.n).map((x) => ev.readHint(x)) : undefined;
    if (n !== r.n || r.t.length !== r.n) {
      t = new Float64Array(n);
      v = new Float64Array(n);
      const hh: (FloatHistogram | undefined)[] | undefined = r.h ? new Array<FloatHistogram | undefined>(n) : undefined;
      let k = 0;
      for (let i = 0; i < r.n; i++) {
        if (isStaleNaN(r.v[i]) && !r.h?.[i]) continue;
        t[k] = r.t[i];
        if (hh) hh[k] = ev.readHint(r.h![i]);
        v[k++] = r.v[i];
      }
      h = hh;
    }
    if (n === 0) continue;
    series.push(h ? { labels: r.labels, t, v, dropName: false, h } : { labels: r.labels, t, v, dropName: false });
  }
  return { series, rangeMs, offsetMs, atMs: at, anchored: vs.anchored, smoothed: vs.smoothed };
}

/** The samples of a range vector at one evaluation time, as [lo, hi) indexes per series (for instant matrix results). */
export function windowAt(rv: RangeVector, stepTime: number, s: RawSeries): [number, number] {
  const end = (rv.atMs ?? stepTime) - rv.offsetMs;
  const start = end - rv.rangeMs;
  let lo = lowerBound(s.t, start + 1e-9);
  if (lo < 0) lo = 0;
  const hi = lowerBound(s.t, end + 0.5);
  return [lo, hi];
}
