import type { Labels } from '../../../model/index.js';
import type { AggregateExpr } from '../ast.js';
import type { Evaluator } from '../evaluator.js';
import { formatG } from '../go-format.js';
import { StepSeries, type Value } from '../values.js';
import { xxhash64 } from '../xxhash64.js';

/** topk, bottomk (heaps per group and step, NaN last), limitk (first k) and limit_ratio (by label hash), keeping the selected input series. */
export function aggregateK(ev: Evaluator, e: AggregateExpr, vec: StepSeries[], seriesGroup: Int32Array, nGroups: number, param: Float64Array): Value {
  const steps = ev.steps;
  const op = e.op;
  let ratioHash: number[] | undefined;
  // Per output series (input index), has/value.
  // Output series are created only for inputs that get selected at some step.
  const keep = new Map<number, StepSeries>();
  const kept = (si: number): StepSeries => {
    let k = keep.get(si);
    if (!k) keep.set(si, (k = StepSeries.empty(vec[si].labels, steps, vec[si].dropName)));
    return k;
  };
  const order: number[] = [];
  if (op === 'limit_ratio') {
    let warned = false;
    for (let i = 0; i < steps; i++) {
      const r = param[i];
      if (r !== r) ev.fail('Ratio value is NaN');
      if (!warned && (r > 1 || r < -1)) {
        ev.warn(`ratio value should be between -1 and 1, got ${formatG(r)}, capping to ${r > 1 ? 1 : -1}`, e.param!);
        warned = true;
      }
    }
  } else {
    for (let i = 0; i < steps; i++) {
      if (param[i] !== param[i]) {
        ev.fail('Parameter value is NaN');
      }
      if (param[i] >= 9.223372036854776e18) ev.fail(`Scalar value ${formatG(param[i])} overflows int64`);
      if (param[i] <= -9.223372036854776e18) ev.fail(`Scalar value ${formatG(param[i])} underflows int64`);
    }
  }
  const heaps: number[][] = Array.from({ length: nGroups }, () => []);
  let curStep = 0;
  const topLess = (a: number, b: number): boolean => lessTop(vec[a].v[curStep], vec[b].v[curStep]);
  const bottomLess = (a: number, b: number): boolean => lessBottom(vec[a].v[curStep], vec[b].v[curStep]);
  for (let i = 0; i < steps; i++) {
    for (const h of heaps) h.length = 0;
    let present = 0;
    for (let si = 0; si < vec.length; si++) if (vec[si].has[i]) present++;
    if (op === 'limit_ratio') {
      let r = param[i];
      if (r === 0) continue;
      if (r > 1) r = 1;
      if (r < -1) r = -1;
      // The label hash of each series, computed once for all steps.
      if (!ratioHash) ratioHash = vec.map((x) => labelsHashUnit(x.labels));
      for (let si = 0; si < vec.length; si++) {
        if (!vec[si].has[i]) continue;
        const h = ratioHash[si];
        if (r >= 0 ? h < r : h >= 1 + r) heaps[seriesGroup[si]].push(si);
      }
    } else {
      const k = Math.min(Math.trunc(param[i]), vec.length);
      if (k < 1) continue;
      for (let si = 0; si < vec.length; si++) {
        const s = vec[si];
        if (!s.has[i]) continue;
        const h = heaps[seriesGroup[si]];
        if (op === 'limitk') {
          if (h.length < k) h.push(si);
          continue;
        }
        const f = s.v[i];
        curStep = i;
        const h0 = vec[h[0]]?.v[i];
        if (op === 'topk') {
          if (h.length < k) heapPush(h, si, topLess);
          else if (h0 < f || (h0 !== h0 && f === f)) {
            h[0] = si;
            if (k > 1) heapDown(h, 0, topLess);
          }
        } else {
          if (h.length < k) heapPush(h, si, bottomLess);
          else if (h0 > f || (h0 !== h0 && f === f)) {
            h[0] = si;
            if (k > 1) heapDown(h, 0, bottomLess);
          }
        }
      }
    }
    void present;
    for (const h of heaps) {
      if (op === 'topk') h.sort((a, b) => (lessTop(vec[b].v[i], vec[a].v[i]) ? -1 : lessTop(vec[a].v[i], vec[b].v[i]) ? 1 : 0));
      else if (op === 'bottomk') h.sort((a, b) => (lessBottom(vec[b].v[i], vec[a].v[i]) ? -1 : lessBottom(vec[a].v[i], vec[b].v[i]) ? 1 : 0));
      for (const si of h) {
        const k = kept(si);
        k.v[i] = vec[si].v[i];
        k.has[i] = 1;
        k.setHist(i, vec[si].h?.[i]);
        if (ev.steps === 1) order.push(si);
      }
    }
  }
  if (ev.steps === 1) return { type: 'vector', series: order.map((si) => keep.get(si)!) };
  return { type: 'vector', series: [...keep.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s) };
}

function lessTop(a: number, b: number): boolean {
  if (a !== a) return true;
  return a < b;
}

function lessBottom(a: number, b: number): boolean {
  if (a !== a) return true;
  return a > b;
}

function heapPush(h: number[], x: number, less: (a: number, b: number) => boolean): void {
  h.push(x);
  let j = h.length - 1;
  for (;;) {
    const i = (j - 1) >> 1;
    if (j <= 0 || i === j || !less(h[j], h[i])) break;
    [h[i], h[j]] = [h[j], h[i]];
    j = i;
  }
}

function heapDown(h: number[], i0: number, less: (a: number, b: number) => boolean): void {
  const n = h.length;
  let i = i0;
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n || j1 < 0) break;
    let j = j1;
    const j2 = j1 + 1;
    if (j2 < n && less(h[j2], h[j1])) j = j2;
    if (!less(h[j], h[i])) break;
    [h[i], h[j]] = [h[j], h[i]];
    i = j;
  }
}

/** limit_ratio's deterministic sampling: a series is kept when its label hash falls within the ratio. */
const utf8 = new TextEncoder();

/** Prometheus's `float64(labels.Hash()) / float64(math.MaxUint64)`: xxHash64 of `name 0xff value 0xff ...`. */
function labelsHashUnit(labels: Labels): number {
  const parts: Uint8Array[] = [];
  let n = 0;
  labels.forEach((name, value) => {
    for (const x of [name, value]) {
      const b = utf8.encode(x);
      parts.push(b);
      n += b.length + 1;
    }
  });
  const buf = new Uint8Array(n);
  let o = 0;
  for (const b of parts) {
    buf.set(b, o);
    o += b.length;
    buf[o++] = 0xff;
  }
  return Number(xxhash64(buf)) / 2 ** 64;
}
