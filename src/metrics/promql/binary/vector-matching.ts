import type { Labels} from '../../../model/index.js';
import { type FloatHistogram, LabelsBuilder, METRIC_NAME } from '../../../model/index.js';
import { type BinaryOp, COMPARISON_OPS, type VectorMatching } from '../ast.js';
import { histOp } from './histogram-ops.js';
import { scalarOp } from './scalar-ops.js';
import type { Evaluator } from '../evaluator.js';
import { goLabels } from '../go-format.js';
import { mergeByLabels } from '../series-merge.js';
import { METADATA_LABELS, StepSeries } from '../values.js';

function signatures(vec: StepSeries[], m: VectorMatching): string[] {
  return vec.map((s) => (m.on ? s.labels.withOnly(...m.labels).key() : s.labels.without(...m.labels, METRIC_NAME).key()));
}

/** `and`, `or`, `unless` between vectors, matched by signature (the `on`/`ignoring` labels) at each step. */
export function setOp(ev: Evaluator, op: 'and' | 'or' | 'unless', lhs: StepSeries[], rhs: StepSeries[], m: VectorMatching): StepSeries[] {
  const steps = ev.steps;
  const ls = signatures(lhs, m);
  const rs = signatures(rhs, m);
  if (op === 'or') {
    const lsSet = new Map<string, number[]>();
    ls.forEach((k, i) => {
      const a = lsSet.get(k);
      if (a) a.push(i);
      else lsSet.set(k, [i]);
    });
    for (let ri = 0; ri < rhs.length; ri++) {
      const others = lsSet.get(rs[ri]);
      if (!others) continue;
      const r = rhs[ri];
      for (let i = 0; i < steps; i++) {
        if (!r.has[i]) continue;
        for (const li of others) {
          if (lhs[li].has[i]) {
            r.has[i] = 0;
            break;
          }
        }
      }
    }
    return mergeByLabels([...lhs, ...rhs.filter((r) => r.count() > 0)], steps, true);
  }
  const rsMap = new Map<string, number[]>();
  rs.forEach((k, i) => {
    const a = rsMap.get(k);
    if (a) a.push(i);
    else rsMap.set(k, [i]);
  });
  for (let li = 0; li < lhs.length; li++) {
    const l = lhs[li];
    const others = rsMap.get(ls[li]);
    for (let i = 0; i < steps; i++) {
      if (!l.has[i]) continue;
      let found = false;
      if (others) for (const ri of others) if (rhs[ri].has[i]) found = true;
      if ((op === 'and') !== found) l.has[i] = 0;
    }
  }
  return lhs.filter((s) => s.count() > 0);
}

/** Arithmetic and comparison between two vectors: one-to-one, or many-to-one/one-to-many with group_left/group_right, with fill values. */
export function vectorVector(ev: Evaluator, op: BinaryOp, lhsIn: StepSeries[], rhsIn: StepSeries[], m: VectorMatching, bool: boolean): StepSeries[] {
  const steps = ev.steps;
  const swapped = m.card === 'one-to-many';
  const lhs = swapped ? rhsIn : lhsIn;
  const rhs = swapped ? lhsIn : rhsIn;
  const lsig = signatures(lhs, m);
  const rsig = signatures(rhs, m);
  const sigIndex = new Map<string, number>();
  const lOrd = lsig.map((k) => {
    let o = sigIndex.get(k);
    if (o === undefined) sigIndex.set(k, (o = sigIndex.size));
    return o;
  });
  const rOrd = rsig.map((k) => {
    let o = sigIndex.get(k);
    if (o === undefined) sigIndex.set(k, (o = sigIndex.size));
    return o;
  });
  const rhsByOrd = new Map<number, number[]>();
  rOrd.forEach((o, ri) => {
    const a = rhsByOrd.get(o);
    if (a) a.push(ri);
    else rhsByOrd.set(o, [ri]);
  });
  const isCmp = COMPARISON_OPS.has(op);
  const outByKey = new Map<string, StepSeries>();
  const outOrder: StepSeries[] = [];
  const metricCache = new Map<string, Labels>();
  const matchedOne = new Int32Array(sigIndex.size);
  const matchedMany = new Map<number, Set<string>>();
  for (let i = 0; i < steps; i++) {
    if ((i & 15) === 0) ev.checkTime();
    // Right side: one sample per signature.
    const rightAt = new Map<number, number>();
    for (const [o, ris] of rhsByOrd) {
      let found = -1;
      for (const ri of ris) {
        if (!rhs[ri].has[i]) continue;
        if (found >= 0) {
          const side = swapped ? 'left' : 'right';
          const a = rhs[ri].labels;
          const b = rhs[found].labels;
          let d1 = goLabels(a);
          let d2 = goLabels(b);
          if (d1 > d2) [d1, d2] = [d2, d1];
          const ml = m.on ? a.withOnly(...m.labels) : a.without(...m.labels);
          ev.fail(
            `found duplicate series for the match group ${goLabels(ml)} on the ${side} hand-side of the operation: [${d1}, ${d2}];many-to-many matching not allowed: matching labels must be unique on one side`,
          );
        }
        found = ri;
      }
      if (found >= 0) rightAt.set(o, found);
    }
    matchedOne.fill(0);
    matchedMany.clear();
    const doOp = (ll: Labels, lv: number, lDrop: boolean, rl: Labels, rv: number, o: number, ck: string, lh?: FloatHistogram, rh?: FloatHistogram): void => {
      let fl = lv;
      let fr = rv;
      if (swapped) {
        [fl, fr] = [fr, fl];
        [lh, rh] = [rh, lh];
      }
      let res: { v: number; keep: boolean };
      let resH: FloatHistogram | undefined;
      let v: number;
      if (lh || rh) {
        const r = histOp(ev, op, lh, fl, rh, fr, bool);
        if (!r) return;
        res = { v: r.v, keep: true };
        resH = r.h;
        v = r.v;
      } else {
        res = scalarOp(op, fl, fr);
        v = res.v;
        if (bool) v = res.keep ? 1 : 0;
      }
      let metric = metricCache.get(ck);
      if (!metric) {
        metric = resultMetric(ll, rl, op, m, isCmp);
        metricCache.set(ck, metric);
      }
      if (m.card === 'one-to-one') {
        if (matchedOne[o]) ev.fail('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
        matchedOne[o] = 1;
      } else {
        let set = matchedMany.get(o);
        if (!set) matchedMany.set(o, (set = new Set()));
        const mk = metric.key();
        if (set.has(mk)) ev.fail('multiple matches for labels: grouping labels must ensure unique matches');
        set.add(mk);
      }
      if (!res.keep && !bool) return;
      const key = metric.key();
      let out = outByKey.get(key);
      if (!out) {
        out = StepSeries.empty(metric, steps, false);
        outByKey.set(key, out);
        outOrder.push(out);
      }
      if (out.has[i]) ev.fail('vector cannot contain metrics with the same labelset');
      out.v[i] = v;
      out.has[i] = 1;
      if (resH) out.setHist(i, resH);
      if (bool) out.dropName = true;
      if (isCmp && !bool && lDrop) out.dropName = true;
    };
    const fill = m.fill;
    for (let li = 0; li < lhs.length; li++) {
      const l = lhs[li];
      if (!l.has[i]) continue;
      const ri = rightAt.get(lOrd[li]);
      if (ri === undefined) {
        if (fill?.rhs === undefined) continue;
        doOp(l.labels, l.v[i], l.dropName, matchLabels(l.labels, m), fill.rhs, lOrd[li], `${li}\u0000f`, l.h?.[i]);
        continue;
      }
      doOp(l.labels, l.v[i], l.dropName, rhs[ri].labels, rhs[ri].v[i], lOrd[li], `${li}\u0000${ri}`, l.h?.[i], rhs[ri].h?.[i]);
    }
    if (fill?.lhs !== undefined) {
      for (const [o, ri] of rightAt) {
        if (m.card === 'one-to-one' ? matchedOne[o] : (matchedMany.get(o)?.size ?? 0) > 0) continue;
        const r = rhs[ri];
        doOp(matchLabels(r.labels, m), fill.lhs, false, r.labels, r.v[i], o, `f\u0000${ri}`, undefined, r.h?.[i]);
      }
    }
  }
  return outOrder;
}

/** Go's Labels.MatchLabels: the labels used for matching (`on` keeps them, `ignoring` drops them and the name). */
function matchLabels(l: Labels, m: VectorMatching): Labels {
  return m.on ? l.withOnly(...m.labels) : l.without(...m.labels, METRIC_NAME);
}

function resultMetric(lhs: Labels, rhs: Labels, op: BinaryOp, m: VectorMatching, isCmp: boolean): Labels {
  const b = new LabelsBuilder(lhs);
  if (!isCmp) b.del(...METADATA_LABELS);
  if (m.card === 'one-to-one') {
    if (m.on) {
      const keep = new Set(m.labels);
      lhs.forEach((n) => {
        if (!keep.has(n)) b.del(n);
      });
    } else b.del(...m.labels);
  }
  for (const ln of m.include) b.set(ln, rhs.get(ln));
  void op;
  return b.labels();
}
