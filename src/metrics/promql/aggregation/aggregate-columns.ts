import type { Labels } from '../../../model/index.js';
import type { Evaluator } from '../evaluator.js';
import { kahanInc } from '../math.js';
import { StepSeries } from '../values.js';

/**
 * sum, avg, count, min, max, group, stddev, stdvar: series by series over all steps (each input column is read
 * once, sequentially), accumulating into per-group columns. Same arithmetic and order as Prometheus per step.
 */
export function aggregateColumns(ev: Evaluator, op: string, vec: StepSeries[], seriesGroup: Int32Array, groupLabels: Labels[]): StepSeries[] {
  const steps = ev.steps;
  const out = groupLabels.map((l) => StepSeries.empty(l, steps));
  const n = groupLabels.length;
  const comp = new Float64Array(n * steps);
  const mean = op === 'avg' || op === 'stddev' || op === 'stdvar' ? new Float64Array(n * steps) : comp;
  const count = new Float64Array(n * steps);
  const incremental = op === 'avg' ? new Uint8Array(n * steps) : null;
  const c = new Float64Array(1);
  for (let si = 0; si < vec.length; si++) {
    if ((si & 255) === 0) ev.checkTime();
    const s = vec[si];
    const g = seriesGroup[si];
    const o = out[g];
    const val = o.v;
    const seen = o.has;
    const base = g * steps;
    const sv = s.v;
    const sh = s.has;
    if (s.dropName) o.dropName = true;
    for (let i = 0; i < steps; i++) {
      if (!sh[i]) continue;
      const f = sv[i];
      const k = base + i;
      if (!seen[i]) {
        seen[i] = 1;
        count[k] = 1;
        switch (op) {
          case 'stddev':
          case 'stdvar':
            val[i] = f !== f || !Number.isFinite(f) ? NaN : 0;
            mean[k] = f;
            break;
          case 'group':
            val[i] = 1;
            break;
          case 'avg':
            val[i] = f;
            mean[k] = f;
            break;
          default:
            val[i] = f;
        }
        continue;
      }
      switch (op) {
        case 'sum':
          c[0] = comp[k];
          val[i] = kahanInc(f, val[i], c);
          comp[k] = c[0];
          break;
        case 'avg': {
          const cnt = ++count[k];
          if (!incremental![k]) {
            c[0] = comp[k];
            const nv = kahanInc(f, val[i], c);
            if (Number.isFinite(nv) || nv !== nv) {
              val[i] = nv;
              comp[k] = c[0];
              break;
            }
            incremental![k] = 1;
            mean[k] = val[i] / (cnt - 1);
            comp[k] /= cnt - 1;
          }
          const q = (cnt - 1) / cnt;
          c[0] = q * comp[k];
          mean[k] = kahanInc(f / cnt, q * mean[k], c);
          comp[k] = c[0];
          break;
        }
        case 'max':
          if (val[i] < f || val[i] !== val[i]) val[i] = f;
          break;
        case 'min':
          if (val[i] > f || val[i] !== val[i]) val[i] = f;
          break;
        case 'count':
          count[k]++;
          break;
        case 'stddev':
        case 'stdvar': {
          const cnt = ++count[k];
          const delta = f - mean[k];
          mean[k] += delta / cnt;
          val[i] += delta * (f - mean[k]);
          break;
        }
      }
    }
  }
  for (let g = 0; g < n; g++) {
    const o = out[g];
    const base = g * steps;
    for (let i = 0; i < steps; i++) {
      if (!o.has[i]) continue;
      const k = base + i;
      switch (op) {
        case 'sum':
          o.v[i] += comp[k];
          break;
        case 'avg':
          o.v[i] = incremental![k] ? mean[k] + comp[k] : o.v[i] / count[k] + comp[k] / count[k];
          break;
        case 'count':
          o.v[i] = count[k];
          break;
        case 'stdvar':
          o.v[i] = o.v[i] / count[k];
          break;
        case 'stddev':
          o.v[i] = Math.sqrt(o.v[i] / count[k]);
          break;
      }
    }
  }
  return out.filter((x) => x.count() > 0);
}
