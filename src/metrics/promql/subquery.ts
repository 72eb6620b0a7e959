import type { FloatHistogram } from '../../model/index.js';
import type { SubqueryExpr } from './ast.js';
import { PromqlError } from './types.js';
import { TOO_MANY_SAMPLES } from './query-context.js';
import type { Evaluator } from './evaluator.js';
import type { RangeVector, RawSeries } from './values.js';

/** A subquery `expr[range:step]`: expr evaluated at the steps (aligned to multiples of step) inside each window, as a range vector. */
export async function evalSubquery(ev: Evaluator, sq: SubqueryExpr): Promise<RangeVector> {
  const rangeMs = ev.duration(sq.range);
  const offsetMs = ev.duration(sq.offset);
  const at = ev.atTime(sq.at, sq.atMod);
  let step = sq.step ? ev.duration(sq.step) : ev.ctx.subqueryStep;
  if (step <= 0) step = ev.ctx.subqueryStep;
  const first = (at ?? ev.start) - offsetMs - rangeMs;
  const last = (at ?? ev.end) - offsetMs;
  let start = step * Math.trunc(first / step);
  if (start <= first) start += step;
  const series: RawSeries[] = [];
  // Each step of the subquery is at least one sample for any series it yields: more steps than the sample limit can
  // only end in Prometheus's too-many-samples error, so refuse before the step arrays are allocated ([1y:1ms]).
  if (start <= last && Math.floor((last - start) / step) + 1 > ev.ctx.maxSamples) throw new PromqlError('execution', TOO_MANY_SAMPLES);
  if (start <= last) {
    // A child evaluator over the subquery's steps: stats decoding (see statsDecoding) does not reach into subqueries.
    const sub = ev.child(start, last, step);
    const inner = await sub.evalVector(sq.expr);
    for (let si = 0; si < inner.length; si++) {
      const s = inner[si];
      if ((si & 63) === 0) await ev.pause();
      const n = s.count();
      if (n === 0) continue;
      const t = new Float64Array(n);
      const v = new Float64Array(n);
      const h = s.h ? new Array<FloatHistogram | undefined>(n) : undefined;
      let k = 0;
      let last: FloatHistogram | undefined;
      for (let i = 0; i < sub.steps; i++) {
        if (!s.has[i]) continue;
        t[k] = sub.times[i];
        if (h) {
          // Steps re-use samples and skip others: a repeated sample is no reset; a not_reset hint no longer holds.
          let x = s.h![i];
          const orig = x;
          if (x && x.hint !== 'gauge') {
            if (x === last) x = Object.assign(x.copy(), { hint: 'not_reset' as const });
            else if (x.hint === 'not_reset') x = Object.assign(x.copy(), { hint: 'unknown' as const });
          }
          last = orig;
          h[k] = x;
        }
        v[k++] = s.v[i];
      }
      series.push(h ? { labels: s.labels, t, v, dropName: s.dropName, h } : { labels: s.labels, t, v, dropName: s.dropName });
    }
  }
  return { series, rangeMs, offsetMs, atMs: at };
}
