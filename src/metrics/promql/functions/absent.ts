import { Labels, LabelsBuilder, METRIC_NAME, type Matcher } from '../../../model/index.js';
import type { Expr } from '../ast.js';
import { StepSeries } from '../values.js';
import type { FunctionCall } from './function-call.js';
import { windowAt } from '../matrix-selector.js';
import { loadRangeArgument } from './range-functions.js';

/** The labels of absent()'s result: the equality matchers of a selector argument (none when a label is matched twice). */
function absentLabels(e: Expr): Labels {
  let ms: readonly Matcher[] | null = null;
  if (e.kind === 'vector') ms = e.matchers;
  else if (e.kind === 'matrix') ms = e.vs.matchers;
  if (!ms) return Labels.EMPTY;
  const b = new LabelsBuilder(Labels.EMPTY);
  const has = new Set<string>();
  for (const m of ms) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !has.has(m.name)) {
      b.set(m.name, m.value);
      has.add(m.name);
    } else b.del(m.name);
  }
  return b.labels();
}

/** absent(v): 1 at the steps where v has no sample. */
const absent: FunctionCall = async (ev, e) => {
  const vec = await ev.evalVector(e.args[0]);
  const s = StepSeries.empty(absentLabels(e.args[0]), ev.steps);
  for (let i = 0; i < ev.steps; i++) {
    if (!vec.some((x) => x.has[i])) {
      s.v[i] = 1;
      s.has[i] = 1;
    }
  }
  return { type: 'vector', series: s.count() ? [s] : [] };
};

/** absent_over_time(v[d]): 1 at the steps where no series of v has a sample in its window. */
const absentOverTime: FunctionCall = async (ev, e) => {
  const { rv } = await loadRangeArgument(ev, e);
  const s = StepSeries.empty(absentLabels(e.args[0]), ev.steps);
  for (let i = 0; i < ev.steps; i++) {
    let found = false;
    for (const r of rv.series) {
      const [lo, hi] = windowAt(rv, ev.times[i], r);
      if (hi > lo) {
        found = true;
        break;
      }
    }
    if (!found) {
      s.v[i] = 1;
      s.has[i] = 1;
    }
  }
  return { type: 'vector', series: s.count() ? [s] : [] };
};

export const ABSENT_FUNCTIONS: Record<string, FunctionCall> = { absent, absent_over_time: absentOverTime };
