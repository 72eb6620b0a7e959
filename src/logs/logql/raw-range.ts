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
    // Series per grouping values, found by a hash of their bytes (checked byte for byte): no string per line. The
    // table lives as long as the plan when no value comes from the stream's labels, else for this batch.
    const table = fromStream.includes(true) ? new GroupTable<S>() : (this.shared ??= new GroupTable<S>());
    const bytesOp = this.bytesOp;
    for (let i = lo; i < hi; i++) {
      const found = scanner.scan(data, offsets[i], offsets[i + 1]);
      let h = 0x811c9dc5;
      for (let q = 0; q < names.length; q++) {
        if (fromStream[q]) continue;
        if (found & (1 << q)) for (let k = scanner.start[q], e = scanner.end[q]; k < e; k++) h = Math.imul(h ^ data[k], 16777619);
        h = Math.imul(h ^ 0x100, 16777619);
      }
      let g = table.find(h, this, data, found, fromStream);
      if (!g) {
        const obj: Record<string, string> = {};
        const vals: (Buffer | undefined)[] = [];
        for (let q = 0; q < names.length; q++) {
          const has = !fromStream[q] && (found & (1 << q)) !== 0;
          vals.push(has ? Buffer.from(data.subarray(scanner.start[q], scanner.end[q])) : undefined);
          obj[names[q]] = fromStream[q] ? b.labels.get(names[q]) : has ? scanner.value(data, q) : '';
        }
        const sr = this.seriesOf(Labels.fromObject(obj));
        g = table.add({ hash: h, vals, acc: (sr.acc ??= this.newAcc()) });
      }
      this.put(g.acc, tsMs[i - lo], bytesOp ? offsets[i + 1] - offsets[i] : 1);
    }
    return offsets[hi] - offsets[lo];
  }

  /** The groups of batches without grouping values from stream labels (kept from batch to batch). */
  private shared?: GroupTable<S>;

  /** Whether the values the scanner found are the bytes `vals` holds (undefined = no value). */
  same(vals: readonly (Buffer | undefined)[], data: Buffer, found: number, fromStream: readonly boolean[]): boolean {
    const sc = this.scanner!;
    for (let q = 0; q < vals.length; q++) {
      if (fromStream[q]) continue;
      const v = vals[q];
      if (!(found & (1 << q))) {
        if (v !== undefined) return false;
        continue;
      }
      const s = sc.start[q];
      if (v === undefined || v.length !== sc.end[q] - s) return false;
      for (let k = 0; k < v.length; k++) if (v[k] !== data[s + k]) return false;
    }
    return true;
  }

  private newAcc(): StepAcc {
    return { count: new Float64Array(this.n + 1), sum: new Float64Array(this.n + 1) };
  }

  /** Step span [spanA, spanZ] of the last time put, valid for times in (spanLo, spanHi]. */
  private spanLo = Infinity;
  private spanHi = -Infinity;
  private spanA = 0;
  private spanZ = -1;

  /** Add a line at t (ms) to every step whose window (step - offset - range, step - offset] holds it. */
  private put(acc: StepAcc, t: number, v: number): void {
    if (!(t > this.spanLo && t <= this.spanHi)) this.span(t);
    const a = this.spanA;
    const z = this.spanZ;
    if (a > z) return;
    acc.count[a] += 1;
    acc.count[z + 1] -= 1;
    acc.sum[a] += v;
    acc.sum[z + 1] -= v;
  }

  /** The steps whose windows hold t, and the interval of times that have the same ones. */
  private span(t: number): void {
    const { steps, n, step, first } = this;
    const off = this.e.offsetMs;
    const range = this.e.rangeMs;
    let a = Math.max(0, Math.ceil((t + off - first) / step));
    while (a > 0 && steps[a - 1] - off >= t) a--;
    while (a < n && steps[a] - off < t) a++;
    let z = Math.min(n - 1, Math.ceil((t + off + range - first) / step) - 1);
    while (z + 1 < n && steps[z + 1] - off - range < t) z++;
    while (z >= 0 && steps[z] - off - range >= t) z--;
    this.spanA = a;
    this.spanZ = z;
    // a holds while steps[a-1] - off < t <= steps[a] - off; z while steps[z] - off - range < t <= steps[z+1] - off - range
    this.spanLo = Math.max(a > 0 ? steps[a - 1] - off : -Infinity, z >= 0 ? steps[z] - off - range : -Infinity);
    this.spanHi = Math.min(a < n ? steps[a] - off : Infinity, z + 1 < n ? steps[z + 1] - off - range : Infinity);
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

/** The grouping values of a series (bytes; undefined = no value), the hash of them, and the series' accumulator. */
interface Group {
  hash: number;
  vals: (Buffer | undefined)[];
  acc: StepAcc;
}

/**
 * The groups met so far, looked up by hash and bytes: the first few compared in turn (a query grouping by `level`
 * meets a handful), past that through a map by hash. No allocation per lookup.
 */
class GroupTable<S extends RawSeries> {
  private readonly list: Group[] = [];
  private readonly byHash = new Map<number, Group[]>();
  private static readonly LINEAR = 16;

  find(h: number, plan: RawRangePlan<S>, data: Buffer, found: number, fromStream: readonly boolean[]): Group | undefined {
    const list = this.list;
    if (list.length <= GroupTable.LINEAR) {
      for (let j = 0; j < list.length; j++) {
        const g = list[j];
        if (g.hash === h && plan.same(g.vals, data, found, fromStream)) return g;
      }
      return undefined;
    }
    const cands = this.byHash.get(h);
    if (cands) for (let j = 0; j < cands.length; j++) if (plan.same(cands[j].vals, data, found, fromStream)) return cands[j];
    return undefined;
  }

  add(g: Group): Group {
    this.list.push(g);
    const cands = this.byHash.get(g.hash);
    if (cands) cands.push(g);
    else this.byHash.set(g.hash, [g]);
    return g;
  }
}
