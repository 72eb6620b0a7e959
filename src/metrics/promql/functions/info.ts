import { type Labels, METRIC_NAME, type Matcher, Matcher as MatcherCtor } from '../../../model/index.js';
import type { Call, Expr, VectorSelector } from '../ast.js';
import type { Evaluator } from '../evaluator.js';
import { goLabels } from '../go-format.js';
import { StepSeries } from '../values.js';
import { evalVectorSelector } from '../vector-selector.js';
import type { FunctionCall } from './function-call.js';

const INFO_ID_LABELS = ['instance', 'job'];

/** Prometheus's experimental `info()`: add the data labels of info series (default `target_info`) joined on instance/job. */
async function evalInfo(ev: Evaluator, e: Call): Promise<StepSeries[]> {
  const base = await ev.evalVector(e.args[0]);
  const steps = ev.steps;
  const dataMatchers = new Map<string, Matcher[]>();
  let nameMatchers: Matcher[] = [];
  const sel = e.args[1];
  if (sel && sel.kind === 'vector') {
    for (const m of sel.matchers) {
      const list = dataMatchers.get(m.name) ?? [];
      list.push(m);
      dataMatchers.set(m.name, list);
      if (m.name === METRIC_NAME) nameMatchers.push(m);
    }
  } else nameMatchers = [new MatcherCtor('=', METRIC_NAME, 'target_info')];
  const effective = (ms: Matcher[]): Matcher[] => {
    if (ms.some((m) => m.type === '=' || m.type === '=~')) return ms;
    if (ms.length > 0) return [new MatcherCtor('=~', METRIC_NAME, '.+_info'), ...ms];
    return [new MatcherCtor('=', METRIC_NAME, 'target_info')];
  };
  const effNames = effective(nameMatchers);
  const ignored = base.map((s) => effNames.every((m) => m.matches(s.labels.get(METRIC_NAME))));
  const idValues = new Map<string, Set<string>>();
  base.forEach((s, i) => {
    if (ignored[i]) return;
    for (const l of INFO_ID_LABELS) {
      const v = s.labels.get(l);
      if (v === '') continue;
      const set = idValues.get(l) ?? new Set<string>();
      set.add(v);
      idValues.set(l, set);
    }
  });
  const dataNameMatchers = dataMatchers.get(METRIC_NAME) ?? [];
  dataMatchers.delete(METRIC_NAME);
  let info: StepSeries[] = [];
  if (idValues.size > 0) {
    const ms: Matcher[] = [];
    for (const [l, vals] of idValues) ms.push(new MatcherCtor('=~', l, [...vals].map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')));
    for (const list of dataMatchers.values()) ms.push(...list);
    ms.push(...effective(dataNameMatchers));
    // The info series are read at the time and offset of the first selector of the base expression, including the
    // offsets of enclosing subqueries up to the first one with an @ (Prometheus's infoSelectTimestampAndOffset).
    const path: Expr[] = [];
    const firstVs = findFirstSelector(e.args[0], path);
    let offsetMs = 0;
    let at: number | null = null;
    if (firstVs) {
      offsetMs = ev.duration(firstVs.offset);
      at = ev.atTime(firstVs.at, firstVs.atMod);
      for (let k = path.length - 1; at === null && k >= 0; k--) {
        const p = path[k];
        if (p.kind === 'subquery') {
          offsetMs += ev.duration(p.offset);
          at = ev.atTime(p.at, p.atMod);
        }
      }
    }
    info = await evalVectorSelector(ev, 
      { kind: 'vector', name: '', matchers: ms, offset: { kind: 'num', ms: offsetMs }, at, atMod: null, pos: e.pos },
      true,
    );
  }
  const infoNames = [...new Set(info.map((s) => s.labels.get(METRIC_NAME)))].sort();
  const sig = (name: string, l: Labels): string => name + '\u0000' + l.withOnly(...INFO_ID_LABELS).key();
  const infoSigs = info.map((s) => sig(s.labels.get(METRIC_NAME), s.labels));
  const baseSigs = base.map((s) => infoNames.map((n) => sig(n, s.labels)));
  const allMatchEmpty = [...dataMatchers.values()].every((list) => list.every((m) => m.matchesEmpty()));
  const out: StepSeries[] = [];
  const outByKey = new Map<string, StepSeries>();
  for (let i = 0; i < steps; i++) {
    const bySig = new Map<string, number>();
    info.forEach((s, k) => {
      if (!s.has[i]) return;
      const prev = bySig.get(infoSigs[k]);
      if (prev === undefined || info[prev].v[i] < s.v[i]) bySig.set(infoSigs[k], k);
      else if (info[prev].v[i] === s.v[i]) {
        ev.fail(`found duplicate series for info metric: existing ${goLabels(info[prev].labels)} @ ${info[prev].v[i] * 1000}, new ${goLabels(s.labels)} @ ${s.v[i] * 1000}`);
      }
    });
    base.forEach((b, bi) => {
      if (!b.has[i]) return;
      let labels = b.labels;
      if (!ignored[bi]) {
        const add = new Map<string, string>();
        let seen = 0;
        infoNames.forEach((_n, ni) => {
          const k = bySig.get(baseSigs[bi][ni]);
          if (k === undefined) return;
          info[k].labels.forEach((ln, lv) => {
            if (ln === METRIC_NAME) return;
            if (dataMatchers.size > 0 && !dataMatchers.has(ln)) return;
            const cur = add.get(ln);
            if (cur !== undefined && cur !== lv) ev.fail(`conflicting label: ${ln}`);
            if (b.labels.has(ln)) return;
            add.set(ln, lv);
          });
          seen++;
        });
        if (seen === 0 && !allMatchEmpty) return;
        if (add.size) {
          const bld = b.labels.builder();
          for (const [ln, lv] of add) bld.set(ln, lv);
          labels = bld.labels();
        }
      }
      const key = labels.key();
      let o = outByKey.get(key);
      if (!o) {
        o = StepSeries.empty(labels, steps, b.dropName);
        outByKey.set(key, o);
        out.push(o);
      }
      if (o.has[i]) ev.fail('vector cannot contain metrics with the same labelset');
      o.v[i] = b.v[i];
      o.has[i] = 1;
    });
  }
  return out;
}

/** The first vector selector in `e` (depth first), with the nodes above it pushed onto `path`. */
function findFirstSelector(e: Expr, path: Expr[]): VectorSelector | null {
  const visit = (x: Expr): VectorSelector | null => {
    if (x.kind === 'vector') return x;
    if (x.kind === 'matrix') return x.vs;
    path.push(x);
    let r: VectorSelector | null = null;
    switch (x.kind) {
      case 'subquery':
      case 'paren':
      case 'unary':
        r = visit(x.expr);
        break;
      case 'call':
        for (const a of x.args) if (!r) r = visit(a);
        break;
      case 'aggregate':
        r = (x.param && visit(x.param)) || visit(x.expr);
        break;
      case 'binary':
        r = visit(x.lhs) ?? visit(x.rhs);
        break;
      default:
        break;
    }
    if (!r) path.pop();
    return r;
  };
  return visit(e);
}

export const INFO_FUNCTIONS: Record<string, FunctionCall> = {
  info: async (ev, e) => ({ type: 'vector', series: await evalInfo(ev, e) }),
};
