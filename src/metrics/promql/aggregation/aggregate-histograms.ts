import { type FloatHistogram, HistogramOpError, type Labels } from '../../../model/index.js';
import { aggregateColumns } from './aggregate-columns.js';
import type { AggregateExpr } from '../ast.js';
import type { Evaluator } from '../evaluator.js';
import { fieldwiseOverTime } from '../functions/histogram-range-functions.js';
import { StepSeries } from '../values.js';

/** sum/avg over a vector with native histograms: floats and histograms aggregate separately; a mix in a group is dropped with a warning. */
export function aggregateHistograms(ev: Evaluator, e: AggregateExpr, vec: StepSeries[], seriesGroup: Int32Array, groupLabels: Labels[]): StepSeries[] {
  const steps = ev.steps;
  const floats = vec.map((s) => {
    if (!s.h) return s;
    const c = new StepSeries(s.labels, s.v, s.has.slice(), s.dropName);
    for (let i = 0; i < steps; i++) if (s.h[i]) c.has[i] = 0;
    return c;
  });
  const fl = aggregateColumns(ev, e.op, floats, seriesGroup, groupLabels);
  const byKey = new Map(fl.map((s) => [s.labels.key(), s]));
  const out = [...fl];
  for (let g = 0; g < groupLabels.length; g++) {
    let o = byKey.get(groupLabels[g].key());
    for (let i = 0; i < steps; i++) {
      let acc: FloatHistogram | undefined;
      const list: FloatHistogram[] = [];
      let failed = false;
      for (let si = 0; si < vec.length; si++) {
        if (seriesGroup[si] !== g) continue;
        const h = vec[si].h?.[i];
        if (h && vec[si].has[i]) list.push(h);
      }
      const n = list.length;
      if (n === 0) continue;
      ev.conflictingResets(list, e.expr);
      try {
        // Field by field with the float arithmetic (Kahan sum, overflow-safe mean); else the reconciling addition.
        acc = fieldwiseOverTime(e.op === 'sum' ? 'sum_over_time' : 'avg_over_time', list);
        if (!acc) {
          acc = list[0].copy();
          for (let k = 1; k < n; k++) acc.add(list[k]);
          if (e.op === 'avg') acc.div(n);
        }
      } catch (err) {
        if (!(err instanceof HistogramOpError)) throw err;
        ev.warn(`vector contains a mix of histograms with exponential and custom buckets schemas for metric name ""`, e);
        failed = true;
      }
      if (o?.has[i] && !o.hist(i)) {
        // Floats and histograms in one group: no result.
        ev.warn(`encountered a mix of histograms and floats for aggregation`, e);
        o.has[i] = 0;
        continue;
      }
      if (failed || !acc) continue;
      ev.reconcileInfo('aggregation', e);
      acc.compact();
      if (!o) {
        o = StepSeries.empty(groupLabels[g], steps);
        out.push(o);
        byKey.set(groupLabels[g].key(), o);
      }
      o.has[i] = 1;
      o.setHist(i, acc);
    }
  }
  return out.filter((s) => s.count() > 0);
}
