import { Labels } from '../../model/index.js';
import type { EntryBatch } from '../model/index.js';
import type { Grouping, MetricExpr, RangeOp } from './ast.js';
import { LogfmtKeyScanner } from './logfmt-bytes.js';

type RangeExpr = Extract<MetricExpr, { kind: 'range' }>;

/** Range aggregations that are a sum over the window of a value per line (1 or the line's bytes). */
const RAW_OPS: ReadonlySet<RangeOp> = new Set<RangeOp>(['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate']);

/**
 * Per-step contributions of the lines a series got as raw batches: difference arrays over the steps (entry `si`
 * of the prefix sum is what the window of step `si` holds), so a line costs O(1) and no per-line sample is kept.
 */
export interface StepAcc {
  count: Float64Array;
  sum: Float64Array;
}

/** What a series needs from the raw path: a place for its step accumulators. */
export interface RawSeries {
  acc?: StepAcc;
}

/**
 * The raw-batch path of a range aggregation: for `count_over_time`, `rate`, `bytes_over_time`, `bytes_rate` of a
 * selector without stages, or with only `| logfmt` under `by (...)`, lines are counted straight from the chunk's
 * bytes into per-step accumulators — no string, bigint or label map per line. Undefined when the query needs more.
 */
export class RawRangePlan<S extends RawSeries> {
  private readonly scanner?: LogfmtKeyScanner;
  private readonly bytesOp: boolean;
  private readonly n: number;
  private readonly step: number;
  private readonly first: number;
  /** Series per stream (no logfmt). */
  private readonly byStream = new Map<string, S>();

  private constructor(
    private readonly e: RangeExpr,
    private readonly steps: readonly number[],
    private readonly seriesOf: (labels: Labels) => S,
    private readonly group: (labels: Labels, g: Grouping) => Labels,
    private readonly byLabels?: readonly string[],
  ) {
    this.bytesOp = e.op === 'bytes_over_time' || e.op === 'bytes_rate';
    this.n = steps.length;
    this.first = steps[0];
    this.step = steps.length > 1 ? steps[1] - steps[0] : 1;
    if (byLabels) this.scanner = new LogfmtKeyScanner(byLabels);
  }

  static plan<S extends RawSeries>(e: RangeExpr, steps: readonly number[], seriesOf: (labels: Labels) => S, group: (labels: Labels, g: Grouping) => Labels): RawRangePlan<S> | undefined {
    if (!RAW_OPS.has(e.op) || e.unwrap || steps.length === 0) return undefined;
    const st = e.log.stages;
    if (st.length === 0) return new RawRangePlan(e, steps, seriesOf, group);
    const g = e.grouping;
    if (st.length !== 1 || st[0].kind !== 'logfmt' || !g || g.without || g.labels.length === 0 || g.labels.length > 30) return undefined;
    const p = st[0];
    if (p.strict || p.keepEmpty || p.exprs.length > 0 || g.labels.some((n) => n.endsWith('_extracted'))) return undefined;
    return new RawRangePlan(e, steps, seriesOf, group, [...new Set(g.labels)]);
  }

  /** Count a raw batch's lines; returns the line bytes read. */
  add(b: EntryBatch): number {
    const raw = b.raw!;
    const tsMs = b.tsMs!;
    const { data, offsets, lo, hi } = raw;
    if (!this.scanner) {
      const k = b.labels.key();
      let sr = this.byStream.get(k);
      if (!sr) this.byStream.set(k, (sr = this.seriesOf(this.e.grouping ? this.group(b.labels, this.e.grouping) : b.labels)));
      const acc = (sr.acc ??= this.newAcc());
      for (let i = lo; i < hi; i++) this.put(acc, tsMs[i - lo], this.bytesOp ? offsets[i + 1] - offsets[i] : 1);
      return offsets[hi] - offsets[lo];
    }
    const names = this.byLabels!;
    const scanner = this.scanner;
    // A grouping label that is a stream label keeps the stream's value (logfmt's key becomes `<name>_extracted`).
    const fromStream = names.map((n) => b.labels.has(n));
    // Series per grouping values as raw bytes, for this batch (stream values are fixed within it).
    const byValues = new Map<string, S>();
    let lastKey = '';
    let last: S | undefined;
    for (let i = lo; i < hi; i++) {
      const found = scanner.scan(data, offsets[i], offsets[i + 1]);
      let key = '';
      for (let q = 0; q < names.length; q++) {
        if (fromStream[q]) continue;
        // latin1 maps bytes one to one, and the separator U+0100 cannot occur in it
        if (found & (1 << q)) key += data.toString('latin1', scanner.start[q], scanner.end[q]);
        key += '\u0100';
      }
      let sr = key === lastKey ? last : byValues.get(key);
      if (!sr) {
        const obj: Record<string, string> = {};
        for (let q = 0; q < names.length; q++) obj[names[q]] = fromStream[q] ? b.labels.get(names[q]) : found & (1 << q) ? scanner.value(data, q) : '';
        sr = this.seriesOf(Labels.fromObject(obj));
        byValues.set(key, sr);
      }
      lastKey = key;
      last = sr;
      this.put((sr.acc ??= this.newAcc()), tsMs[i - lo], this.bytesOp ? offsets[i + 1] - offsets[i] : 1);
    }
    return offsets[hi] - offsets[lo];
  }

  private newAcc(): StepAcc {
    return { count: new Float64Array(this.n + 1), sum: new Float64Array(this.n + 1) };
  }

  /** Add a line at t (ms) to every step whose window (step - offset - range, step - offset] holds it. */
  private put(acc: StepAcc, t: number, v: number): void {
    const { steps, n, step, first } = this;
    const off = this.e.offsetMs;
    const range = this.e.rangeMs;
    let a = Math.max(0, Math.ceil((t + off - first) / step));
    while (a > 0 && steps[a - 1] - off >= t) a--;
    while (a < n && steps[a] - off < t) a++;
    let z = Math.min(n - 1, Math.ceil((t + off + range - first) / step) - 1);
    while (z + 1 < n && steps[z + 1] - off - range < t) z++;
    while (z >= 0 && steps[z] - off - range >= t) z--;
    if (a > z) return;
    acc.count[a] += 1;
    acc.count[z + 1] -= 1;
    acc.sum[a] += v;
    acc.sum[z + 1] -= v;
  }
}

/** The per-step totals of an accumulator (prefix sums of its difference arrays). */
export function stepTotals(acc: StepAcc, n: number): StepAcc {
  const count = new Float64Array(n);
  const sum = new Float64Array(n);
  let c = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    c += acc.count[i];
    s += acc.sum[i];
    count[i] = c;
    sum[i] = s;
  }
  return { count, sum };
}

/** What the accumulated lines add to a step's value of a linear range aggregation. */
export function accContribution(op: RangeOp, count: number, sum: number, rangeSec: number): number {
  return op === 'count_over_time' ? count : op === 'rate' || op === 'bytes_rate' ? sum / rangeSec : sum;
}
