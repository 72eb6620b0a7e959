import { Labels, METRIC_NAME } from '../../../model/index.js';
import { aggregateColumns } from './aggregate-columns.js';
import { aggregateHistograms } from './aggregate-histograms.js';
import { aggregateK } from './aggregate-k.js';
import type { AggregateExpr } from '../ast.js';
import type { Evaluator } from '../evaluator.js';
import { formatG, histogramString } from '../go-format.js';
import { formatFloatF, quantileOf } from '../math.js';
import { goQuote } from '../../../lib/go-string.js';
import { isValidUtf8LabelName } from '../parser.js';
import { StepSeries, type Value } from '../values.js';
import { evalVectorSelector } from '../vector-selector.js';

/** An aggregation `op [by|without (...)] (expr)`: groups the input series once, then hands the columns to the operator: count_values, topk/bottomk/limitk/limit_ratio, quantile, sum/avg over histograms, or the float columns. */
export async function aggregate(ev: Evaluator, e: AggregateExpr): Promise<Value> {
  const steps = ev.steps;
  let param: Float64Array | null = null;
  let strParam = '';
  if (e.param) {
    const p = await ev.eval(e.param);
    if (p.type === 'scalar') param = p.v;
    else if (p.type === 'string') strParam = p.v;
  }
  // A selector directly under an aggregation gets the grouping as a hint (Prometheus's extractGroupsFromPath).
  const inner = e.expr.kind === 'vector' ? e.expr : null;
  const vec = inner ? await evalVectorSelector(ev, inner, false, { grouping: e.grouping, by: !e.without, func: e.op }) : await ev.evalVector(e.expr);
  const grouping = e.grouping;
  const withoutSet = new Set([...grouping, METRIC_NAME]);
  const byNames = [...new Set(grouping)].sort();
  // Group keys straight from the flat label array, without building label sets per series.
  const groupKey = (l: Labels): string => {
    const f = l.flat;
    let k = '';
    if (e.without) {
      for (let j = 0; j < f.length; j += 2) if (!withoutSet.has(f[j])) k += f[j] + '\xff' + f[j + 1] + '\xff';
    } else for (const n of byNames) k += l.get(n) + '\xff';
    return k;
  };
  const groupLabels = (l: Labels): Labels => (e.without ? l.without(...grouping, METRIC_NAME) : grouping.length ? l.withOnly(...grouping) : Labels.EMPTY);

  if (e.op === 'count_values') {
    if (!isValidUtf8LabelName(strParam)) ev.fail(`invalid label name ${goQuote(strParam)}`);
    const out = new Map<string, StepSeries>();
    for (let i = 0; i < steps; i++) {
      for (const s of vec) {
        if (!s.has[i]) continue;
        const hh = s.h?.[i];
        const l = s.labels.builder().set(strParam, hh ? histogramString(hh) : formatFloatF(s.v[i])).labels();
        const gl = e.without ? l.without(...grouping, METRIC_NAME) : l.withOnly(...grouping, strParam);
        const k = gl.key();
        let o = out.get(k);
        if (!o) {
          o = StepSeries.empty(gl, steps);
          out.set(k, o);
        }
        if (!o.has[i]) {
          o.has[i] = 1;
          o.v[i] = 0;
        }
        o.v[i]++;
      }
    }
    return { type: 'vector', series: [...out.values()] };
  }

  // Group membership is fixed across steps.
  const keyToGroup = new Map<string, number>();
  const seriesGroup = new Int32Array(vec.length);
  const groupLabelList: Labels[] = [];
  for (let si = 0; si < vec.length; si++) {
    const k = groupKey(vec[si].labels);
    let g = keyToGroup.get(k);
    if (g === undefined) {
      g = groupLabelList.length;
      keyToGroup.set(k, g);
      groupLabelList.push(groupLabels(vec[si].labels));
    }
    seriesGroup[si] = g;
  }
  const nGroups = groupLabelList.length;

  if (e.op === 'topk' || e.op === 'bottomk' || e.op === 'quantile') {
    for (const s of vec) {
      if (!s.h) continue;
      for (let i = 0; i < steps; i++) if (s.h[i]) s.has[i] = 0;
      s.h = undefined;
      ev.info(`ignored histogram in ${e.op} aggregation`, e);
    }
  }
  if (e.op === 'topk' || e.op === 'bottomk' || e.op === 'limitk' || e.op === 'limit_ratio') return aggregateK(ev, e, vec, seriesGroup, nGroups, param!);

  if (e.op === 'quantile') {
    let warned = false;
    for (let i = 0; i < steps && !warned; i++) {
      const q = param![i];
      if (q !== q || q < 0 || q > 1) {
        ev.warn(`quantile value should be between 0 and 1, got ${formatG(q)}`, e.param!);
        warned = true;
      }
    }
  }

  if (vec.some((s) => s.h)) {
    if (e.op === 'sum' || e.op === 'avg') return { type: 'vector', series: aggregateHistograms(ev, e, vec, seriesGroup, groupLabelList) };
    if (e.op !== 'count' && e.op !== 'group') {
      for (const s of vec) {
        if (!s.h) continue;
        for (let i = 0; i < steps; i++) if (s.h[i]) s.has[i] = 0;
        s.h = undefined;
        ev.info(`ignored histogram in ${e.op} aggregation`, e);
      }
    }
  }
  if (e.op !== 'quantile') return { type: 'vector', series: aggregateColumns(ev, e.op, vec, seriesGroup, groupLabelList) };
  // quantile: the values of each group at each step.
  const out: StepSeries[] = groupLabelList.map((l) => StepSeries.empty(l, steps));
  const lists: number[][] = Array.from({ length: nGroups }, () => []);
  for (let i = 0; i < steps; i++) {
    if ((i & 15) === 0) ev.checkTime();
    for (const l of lists) l.length = 0;
    for (let si = 0; si < vec.length; si++) {
      const s = vec[si];
      if (!s.has[i]) continue;
      const g = seriesGroup[si];
      if (s.dropName) out[g].dropName = true;
      lists[g].push(s.v[i]);
    }
    for (let g = 0; g < nGroups; g++) {
      if (lists[g].length === 0) continue;
      out[g].v[i] = quantileOf(param![i], lists[g]);
      out[g].has[i] = 1;
    }
  }
  return { type: 'vector', series: out.filter((s) => s.count() > 0) };
}
