import { METRIC_NAME, histogramFractionNative, histogramQuantileNative, type FloatHistogram, type Labels } from '../../../model/index.js';
import type { Call, Expr } from '../ast.js';
import type { Evaluator } from '../evaluator.js';
import { formatG } from '../go-format.js';
import { type Bucket, bucketFraction, bucketQuantile, goParseFloat, kahanInc } from '../math.js';
import { formatOpenMetricsFloat } from '../go-format.js';
import { mergeByLabels } from '../series-merge.js';
import { StepSeries, type Value } from '../values.js';
import type { FunctionCall } from './function-call.js';

/** Kahan compensation scratch (one value, reused). */
const kc = new Float64Array(1);

/** Native histogram samples of a vector mapped to floats (float samples dropped); name dropped. */
function mapHistograms(ev: Evaluator, vec: StepSeries[], f: (h: FloatHistogram, i: number, labels: Labels) => number): StepSeries[] {
  const out: StepSeries[] = [];
  for (const s of vec) {
    if (!s.h) continue;
    const o = StepSeries.empty(s.labels, ev.steps, true);
    for (let i = 0; i < ev.steps; i++) {
      const h = s.has[i] ? s.h[i] : undefined;
      if (!h) continue;
      o.v[i] = f(h, i, s.labels);
      o.has[i] = 1;
    }
    if (o.count()) out.push(o);
  }
  return out;
}

/** Split off the histogram samples of a vector: returns [native results, classic (float-only) input]. */
function splitNative(ev: Evaluator, vec: StepSeries[], f: (h: FloatHistogram, i: number, labels: Labels) => number, arg: Expr): [StepSeries[], StepSeries[]] {
  const native = mapHistograms(ev, vec, f);
  const floats: StepSeries[] = [];
  for (const s of vec) {
    if (!s.h) {
      floats.push(s);
      continue;
    }
    const c = new StepSeries(s.labels, s.v, s.has.slice(), s.dropName);
    for (let i = 0; i < ev.steps; i++) if (s.h[i]) c.has[i] = 0;
    if (c.count()) floats.push(c);
  }
  if (native.length && floats.length) {
    // A classic and a native histogram with the same labels: Prometheus returns neither, with a warning.
    const nk = new Set(native.map((s) => s.labels.key()));
    const conflict = new Set<string>();
    for (const c of floats) {
      const k = c.labels.without('le').key();
      if (!nk.has(k)) continue;
      conflict.add(k);
      ev.warn(`vector contains a mix of classic and native histograms for metric name ${JSON.stringify(c.labels.get(METRIC_NAME))}`, arg);
    }
    if (conflict.size) {
      return [native.filter((s) => !conflict.has(s.labels.key())), floats.filter((c) => !conflict.has(c.labels.without('le').key()))];
    }
  }
  return [native, floats];
}

async function histogramQuantile(ev: Evaluator, e: Call, qArg: Expr, vArg: Expr): Promise<Value> {
  const q = await ev.evalScalar(qArg);
  const [native, vec] = splitNative(ev, 
    await ev.evalVector(vArg),
    (h, i, l) => {
      const r = histogramQuantileNative(q[i], h);
      if (h.sum !== h.sum && h.count > 0 && q[i] === q[i]) ev.info(`input to histogram_quantile has NaN observations, result is ${r !== r ? 'NaN' : 'skewed higher'} for metric name ${JSON.stringify(l.get(METRIC_NAME))}`, vArg);
      return r;
    },
    vArg,
  );
  if (native.length) {
    for (let i = 0; i < ev.steps; i++) {
      if (q[i] !== q[i] || q[i] < 0 || q[i] > 1) {
        ev.warn(`quantile value should be between 0 and 1, got ${formatG(q[i])}`, qArg);
        break;
      }
    }
  }
  for (let i = 0; i < ev.steps; i++) {
    if (q[i] !== q[i] || q[i] < 0 || q[i] > 1) {
      ev.warn(`quantile value should be between 0 and 1, got ${formatG(q[i])}`, qArg);
      break;
    }
  }
  const groups = bucketGroups(ev, vec, e, vArg);
  const out: StepSeries[] = native;
  for (const g of groups.values()) {
    const s = StepSeries.empty(g.labels, ev.steps, true);
    for (let i = 0; i < ev.steps; i++) {
      const buckets: Bucket[] = [];
      for (let k = 0; k < g.members.length; k++) {
        const m = g.members[k];
        if (m.has[i]) buckets.push({ upper: g.uppers[k], count: m.v[i] });
      }
      if (buckets.length === 0) continue;
      const r = bucketQuantile(q[i], buckets);
      if (r.forcedMonotonic) ev.info(`input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name ${JSON.stringify(g.name)}`, vArg);
      s.v[i] = r.value;
      s.has[i] = 1;
    }
    if (s.count()) out.push(s);
  }
  return { type: 'vector', series: out };
}

async function histogramFraction(ev: Evaluator, e: Call): Promise<Value> {
  const lower = await ev.evalScalar(e.args[0]);
  const upper = await ev.evalScalar(e.args[1]);
  const [native, vec] = splitNative(ev, 
    await ev.evalVector(e.args[2]),
    (h, i, l) => {
      if (h.sum !== h.sum && h.count > 0) ev.info(`input to histogram_fraction has NaN observations, which are excluded from all fractions for metric name ${JSON.stringify(l.get(METRIC_NAME))}`, e.args[2]);
      return histogramFractionNative(lower[i], upper[i], h);
    },
    e.args[2],
  );
  const groups = bucketGroups(ev, vec, e, e.args[2]);
  const out: StepSeries[] = native;
  for (const g of groups.values()) {
    const s = StepSeries.empty(g.labels, ev.steps, true);
    for (let i = 0; i < ev.steps; i++) {
      const buckets: Bucket[] = [];
      for (let k = 0; k < g.members.length; k++) {
        const m = g.members[k];
        if (m.has[i]) buckets.push({ upper: g.uppers[k], count: m.v[i] });
      }
      if (buckets.length === 0) continue;
      s.v[i] = bucketFraction(lower[i], upper[i], buckets);
      s.has[i] = 1;
    }
    if (s.count()) out.push(s);
  }
  return { type: 'vector', series: out };
}

function bucketGroups(ev: Evaluator, vec: StepSeries[], e: Call, arg: Expr = e.args[1]): Map<string, { labels: Labels; name: string; members: StepSeries[]; uppers: number[] }> {
  const groups = new Map<string, { labels: Labels; name: string; members: StepSeries[]; uppers: number[] }>();
  for (const s of vec) {
    const le = s.labels.get('le');
    const upper = goParseFloat(le);
    if (upper === undefined) {
      ev.warn(`bucket label "le" is missing or has a malformed value of ${JSON.stringify(le)} for metric name ${JSON.stringify(s.labels.get(METRIC_NAME))}`, arg);
      continue;
    }
    const key = s.labels.without('le').key();
    let g = groups.get(key);
    if (!g) {
      g = { labels: s.labels.without('le', METRIC_NAME), name: s.labels.get(METRIC_NAME), members: [], uppers: [] };
      groups.set(key, g);
    }
    g.members.push(s);
    g.uppers.push(upper);
  }
  // Different metric names that end up with the same labels collide.
  const seen = new Map<string, boolean>();
  for (const g of groups.values()) {
    const k = g.labels.key();
    if (seen.has(k)) {
      // Same label set from different names: Prometheus reports the duplicate at the end; keep both here.
    }
    seen.set(k, true);
  }
  return groups;
}

/** histogram_count/sum/avg/stddev/stdvar of one native histogram. */
function histogramStat(name: string, h: FloatHistogram): number {
  switch (name) {
    case 'histogram_count':
      return h.count;
    case 'histogram_sum':
      return h.sum;
    case 'histogram_avg':
      return h.sum / h.count;
  }
  const mean = h.sum / h.count;
  let variance = 0;
  kc[0] = 0;
  const custom = h.usesCustomBuckets();
  for (const b of h.buckets()) {
    if (b.count === 0) continue;
    let val: number;
    if (custom) {
      const lower = b.lower === -Infinity && b.upper > 0 ? 0 : b.lower;
      val = (b.upper + lower) / 2;
    } else if (b.lower <= 0 && b.upper >= 0) val = 0;
    else {
      val = Math.sqrt(b.upper * b.lower);
      if (b.upper < 0) val = -val;
    }
    const d = val - mean;
    variance = kahanInc(b.count * d * d, variance, kc);
  }
  variance = (variance + kc[0]) / h.count;
  return name === 'histogram_stddev' ? Math.sqrt(variance) : variance;
}

/** histogram_count/sum/avg/stddev/stdvar of native histograms (count, sum and avg read with stats decoding). */
function histogramStatFunction(name: string): FunctionCall {
  return async (ev, e) => {
    const saved = ev.statsDecoding;
    ev.statsDecoding = name === 'histogram_count' || name === 'histogram_sum' || name === 'histogram_avg';
    let vec: StepSeries[];
    try {
      vec = await ev.evalVector(e.args[0]);
    } finally {
      ev.statsDecoding = saved;
    }
    return { type: 'vector', series: mapHistograms(ev, vec, (h) => histogramStat(name, h)) };
  };
}

/** histogram_quantiles(v, label, q...): one histogram_quantile per quantile, told apart by the label. */
const histogramQuantiles: FunctionCall = async (ev, e) => {
  const args = e.args;
  const label = ((await ev.eval(args[1])) as { v: string }).v;
  const all: StepSeries[] = [];
  for (const qa of args.slice(2)) {
    const q = await ev.evalScalar(qa);
    const res = await histogramQuantile(ev, e, qa, args[0]);
    if (res.type !== 'vector') continue;
    for (const s of res.series) {
      s.labels = s.labels.builder().set(label, formatOpenMetricsFloat(q[0])).labels();
      all.push(s);
    }
  }
  return { type: 'vector', series: mergeByLabels(all, ev.steps) };
};

export const HISTOGRAM_FUNCTIONS: Record<string, FunctionCall> = {
  histogram_quantile: (ev, e) => histogramQuantile(ev, e, e.args[0], e.args[1]),
  histogram_quantiles: histogramQuantiles,
  histogram_fraction: histogramFraction,
  ...Object.fromEntries(['histogram_count', 'histogram_sum', 'histogram_avg', 'histogram_stddev', 'histogram_stdvar'].map((n) => [n, histogramStatFunction(n)])),
};
