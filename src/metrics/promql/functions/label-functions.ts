import { METRIC_NAME, compileAnchored, expandTemplate, type Regex } from '../../../model/index.js';
import type { Call } from '../ast.js';
import type { Evaluator } from '../evaluator.js';
import { isValidUtf8LabelName } from '../parser.js';
import { mergeByLabels } from '../series-merge.js';
import type { StepSeries } from '../values.js';
import type { FunctionCall } from './function-call.js';

async function labelReplace(ev: Evaluator, e: Call): Promise<StepSeries[]> {
  const vec = await ev.evalVector(e.args[0]);
  const [dst, repl, src, regex] = await Promise.all(e.args.slice(1).map(async (a) => ((await ev.eval(a)) as { v: string }).v));
  let re: Regex;
  try {
    re = compileAnchored(regex);
  } catch {
    ev.fail(`invalid regular expression in label_replace(): ${regex}`);
  }
  if (!isValidUtf8LabelName(dst)) ev.fail(`invalid destination label name in label_replace(): ${dst}`);
  const out = vec.map((s) => {
    const m = re.exec(s.labels.get(src));
    if (!m) return s;
    const val = expandTemplate(repl, m);
    s.labels = s.labels.builder().set(dst, val).labels();
    if (dst === METRIC_NAME) s.dropName = false;
    return s;
  });
  return mergeByLabels(out, ev.steps);
}

async function labelJoin(ev: Evaluator, e: Call): Promise<StepSeries[]> {
  const vec = await ev.evalVector(e.args[0]);
  const strs = await Promise.all(e.args.slice(1).map(async (a) => ((await ev.eval(a)) as { v: string }).v));
  const [dst, sep, ...srcs] = strs;
  for (const s of vec) {
    const val = srcs.map((l) => s.labels.get(l)).join(sep);
    s.labels = s.labels.builder().set(dst, val).labels();
    if (dst === METRIC_NAME) s.dropName = false;
  }
  return mergeByLabels(vec, ev.steps);
}

export const LABEL_FUNCTIONS: Record<string, FunctionCall> = {
  label_replace: async (ev, e) => ({ type: 'vector', series: await labelReplace(ev, e) }),
  label_join: async (ev, e) => ({ type: 'vector', series: await labelJoin(ev, e) }),
};
