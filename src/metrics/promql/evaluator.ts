import { FloatHistogram, HistogramOpError, mergeHints, trimHistogram, Labels, LabelsBuilder, histogramFractionNative, histogramQuantileNative, METRIC_NAME, Matcher as MatcherCtor, compileAnchored, expandTemplate, isStaleNaN, type Matcher, type Regex } from '../../model/index.js';
import type { Querier, SelectHints } from '../storage-api/index.js';
import { COMPARISON_OPS, type AggregateExpr, type BinaryExpr, type BinaryOp, type Call, type DurationExpr, type Expr, type MatrixSelector, type SubqueryExpr, type VectorMatching, type VectorSelector } from './ast.js';
import { KEEPS_METRIC_NAME } from './functions.js';
import { bucketFraction, bucketQuantile, formatFloatF, goParseFloat, kahanInc, linearRegression, quantileOf, compareValuesNaNFirst, type Bucket } from './math.js';
import { isValidUtf8LabelName, lineCol } from './parser.js';
import { goQuote } from '../../lib/go-string.js';
import { xxhash64 } from './xxhash64.js';
import { PromqlError } from './types.js';
import { StepSeries, type RangeVector, type RawSeries, type Value } from './values.js';

/** The labels Prometheus 3 treats as metric metadata and drops together with the name (`__type__`, `__unit__` with type-and-unit labels). */
export const METADATA_LABELS = [METRIC_NAME, '__type__', '__unit__'];

export const TOO_MANY_SAMPLES = 'query processing would load too many samples into memory in query execution';

/** State shared by the evaluators of one query (the top level and its subqueries). */
export interface QueryContext {
  querier: Querier;
  query: string;
  /** Start and end of the whole query, for `@ start()` / `@ end()`. */
  queryStart: number;
  queryEnd: number;
  lookbackDelta: number;
  maxSamples: number;
  deadline: number;
  signal?: AbortSignal;
  subqueryStep: number;
  warnings: Set<string>;
  infos: Set<string>;
  currentSamples: number;
  peakSamples: number;
  samplesLoaded: number;
  /** True when the top-level query is a range query (for the sort warning). */
  isRange: boolean;
}

const kc = new Float64Array(1);

export class Evaluator {
  readonly steps: number;
  readonly times: Float64Array;
  private checkCounter = 0;

  constructor(
    readonly ctx: QueryContext,
    readonly start: number,
    readonly end: number,
    readonly interval: number,
  ) {
    this.steps = Math.floor((end - start) / interval) + 1;
    this.times = new Float64Array(this.steps);
    for (let i = 0; i < this.steps; i++) this.times[i] = start + i * interval;
  }

  // ---- limits and annotations ----

  checkTime(): void {
    if ((++this.checkCounter & 63) !== 0) return;
    this.checkNow();
  }

  checkNow(): void {
    if (this.ctx.signal?.aborted) throw new PromqlError('canceled', 'query was canceled in expression evaluation');
    if (Date.now() > this.ctx.deadline) throw new PromqlError('timeout', 'query timed out in expression evaluation');
  }

  addSamples(n: number): void {
    this.ctx.currentSamples += n;
    this.ctx.samplesLoaded += n;
    if (this.ctx.currentSamples > this.ctx.peakSamples) this.ctx.peakSamples = this.ctx.currentSamples;
    if (this.ctx.currentSamples > this.ctx.maxSamples) throw new PromqlError('execution', TOO_MANY_SAMPLES);
  }

  private pos(e: Expr): string {
    return lineCol(this.ctx.query, e.pos.start);
  }

  warn(msg: string, e: Expr): void {
    this.ctx.warnings.add(`PromQL warning: ${msg} (${this.pos(e)})`);
  }

  info(msg: string, e: Expr): void {
    this.ctx.infos.add(`PromQL info: ${msg} (${this.pos(e)})`);
  }

  fail(msg: string): never {
    throw new PromqlError('execution', msg);
  }

  // ---- durations ----

  duration(d: DurationExpr | null): number {
    if (!d) return 0;
    switch (d.kind) {
      case 'num':
        return d.ms;
      case 'step':
        return this.ctx.isRange ? this.interval : 0;
      case 'range':
        return this.ctx.queryEnd - this.ctx.queryStart;
      case 'paren':
        return this.duration(d.expr);
      case 'unary':
        return d.op === '-' ? -this.duration(d.expr) : this.duration(d.expr);
      case 'minmax': {
        const a = this.duration(d.lhs);
        const b = this.duration(d.rhs);
        return d.op === 'min_of' ? Math.min(a, b) : Math.max(a, b);
      }
      case 'binary': {
        const a = this.duration(d.lhs) / 1000;
        const b = this.duration(d.rhs) / 1000;
        let r: number;
        switch (d.op) {
          case '+':
            r = a + b;
            break;
          case '-':
            r = a - b;
            break;
          case '*':
            r = a * b;
            break;
          case '/':
            if (b === 0) this.fail('division by zero');
            r = a / b;
            break;
          case '%':
            if (b === 0) this.fail('modulo by zero');
            r = a % b;
            break;
          case '^':
            r = goPow(a, b);
            break;
        }
        return Math.round(r * 1000);
      }
    }
  }

  private atTime(at: number | null, atMod: 'start' | 'end' | null): number | null {
    if (atMod === 'start') return this.ctx.queryStart;
    if (atMod === 'end') return this.ctx.queryEnd;
    return at;
  }

  /** The [mint, maxt] (ms, inclusive) the selectors of `e` read when evaluated over this evaluator's steps. */
  timeBounds(e: Expr, start = this.start, end = this.end): [number, number] {
    let mint = Infinity;
    let maxt = -Infinity;
    const visit = (x: Expr, lo: number, hi: number): void => {
      switch (x.kind) {
        case 'vector': {
          const at = this.atTime(x.at, x.atMod);
          const off = this.duration(x.offset);
          const a = (at ?? lo) - off;
          const b = (at ?? hi) - off;
          mint = Math.min(mint, a - this.ctx.lookbackDelta + 1);
          maxt = Math.max(maxt, b);
          return;
        }
        case 'matrix': {
          const at = this.atTime(x.vs.at, x.vs.atMod);
          const off = this.duration(x.vs.offset);
          const a = (at ?? lo) - off;
          const b = (at ?? hi) - off;
          mint = Math.min(mint, a - this.duration(x.range) + 1);
          maxt = Math.max(maxt, b);
          return;
        }
        case 'subquery': {
          const at = this.atTime(x.at, x.atMod);
          const off = this.duration(x.offset);
          visit(x.expr, (at ?? lo) - off - this.duration(x.range), (at ?? hi) - off);
          return;
        }
        case 'paren':
        case 'unary':
          visit(x.expr, lo, hi);
          return;
        case 'call':
          for (const a of x.args) visit(a, lo, hi);
          if (x.name === 'info') {
            mint = Math.min(mint, lo - this.ctx.lookbackDelta + 1);
            maxt = Math.max(maxt, hi);
          }
          return;
        case 'aggregate':
          if (x.param) visit(x.param, lo, hi);
          visit(x.expr, lo, hi);
          return;
        case 'binary':
          visit(x.lhs, lo, hi);
          visit(x.rhs, lo, hi);
          return;
        default:
          return;
      }
    };
    visit(e, start, end);
    if (mint === Infinity) return [start, end];
    return [mint, maxt];
  }

  // ---- evaluation ----

  async eval(e: Expr): Promise<Value> {
    this.checkNow();
    switch (e.kind) {
      case 'number':
        return { type: 'scalar', v: new Float64Array(this.steps).fill(e.val) };
      case 'string':
        return { type: 'string', v: e.val };
      case 'paren':
        return this.eval(e.expr);
      case 'unary': {
        const v = await this.eval(e.expr);
        if (e.op === '+') return v;
        if (v.type === 'scalar') {
          for (let i = 0; i < v.v.length; i++) v.v[i] = -v.v[i];
          return v;
        }
        if (v.type === 'vector') {
          for (const s of v.series) {
            for (let i = 0; i < this.steps; i++) {
              s.v[i] = -s.v[i];
              const h = s.h?.[i];
              if (h) s.h![i] = Object.assign(h.copy().mul(-1), { hint: 'gauge' as const });
            }
            s.dropName = true;
          }
          return v;
        }
        return v;
      }
      case 'vector':
        return { type: 'vector', series: await this.evalVectorSelector(e) };
      case 'matrix':
        return { type: 'matrix', m: await this.loadMatrix(e) };
      case 'subquery':
        return { type: 'matrix', m: await this.evalSubquery(e) };
      case 'call':
        return this.evalCall(e);
      case 'aggregate':
        return this.evalAggregate(e);
      case 'binary':
        return this.evalBinary(e);
    }
  }

  async evalVector(e: Expr): Promise<StepSeries[]> {
    const v = await this.eval(e);
    if (v.type !== 'vector') throw new PromqlError('internal', `expected vector, got ${v.type}`);
    return v.series;
  }

  async evalScalar(e: Expr): Promise<Float64Array> {
    const v = await this.eval(e);
    if (v.type !== 'scalar') throw new PromqlError('internal', `expected scalar, got ${v.type}`);
    return v.v;
  }

  private async select(vs: VectorSelector, mint: number, maxt: number, hints: Partial<SelectHints>): Promise<{ labels: Labels; t: Float64Array; v: Float64Array; n: number; h?: readonly (FloatHistogram | undefined)[] }[]> {
    const series = await this.ctx.querier.select(vs.matchers as Matcher[], { start: mint, end: maxt, step: this.ctx.isRange ? this.interval : 0, ...hints }, true);
    const out: { labels: Labels; t: Float64Array; v: Float64Array; n: number; h?: readonly (FloatHistogram | undefined)[] }[] = [];
    for (const s of series) {
      this.checkTime();
      const b = s.samples(mint, maxt);
      if (b.length === 0) continue;
      out.push({ labels: s.labels, t: b.t, v: b.v, n: b.length, h: b.h });
    }
    return out;
  }

  /** Evaluation time of each step for a selector: the step time or the `@` time, minus the offset. */
  private selectorTimes(at: number | null, offsetMs: number): Float64Array {
    const ts = new Float64Array(this.steps);
    for (let i = 0; i < this.steps; i++) ts[i] = (at ?? this.times[i]) - offsetMs;
    return ts;
  }

  async evalVectorSelector(vs: VectorSelector, withTimestamps = false, extraHints: Partial<SelectHints> = {}): Promise<StepSeries[]> {
    const at = this.atTime(vs.at, vs.atMod);
    const ts = this.selectorTimes(at, this.duration(vs.offset));
    const lb = this.ctx.lookbackDelta;
    const mint = ts[0] - lb + 1;
    const maxt = ts[ts.length - 1];
    const lo = Math.min(mint, ts[ts.length - 1] - lb + 1);
    const hi = Math.max(maxt, ts[0]) + (vs.smoothed ? lb : 0);
    if (vs.smoothed) return this.smoothedSelector(vs, ts, lo, hi);
    const series = await this.ctx.querier.select(vs.matchers as Matcher[], { start: lo, end: hi, step: this.ctx.isRange ? this.interval : 0, ...extraHints }, true);
    const out: StepSeries[] = [];
    const steps = this.steps;
    for (let si = 0; si < series.length; si++) {
      if ((si & 63) === 0) this.checkNow();
      const b = series[si].samples(lo, hi);
      const n = b.length;
      if (n === 0) continue;
      const rt = b.t;
      const rv = b.v;
      let s: StepSeries | undefined;
      let j = 0;
      let any = 0;
      for (let i = 0; i < steps; i++) {
        const t = ts[i];
        if (at !== null) j = 0;
        while (j < n && rt[j] <= t) j++;
        const k = j - 1;
        if (k < 0 || rt[k] <= t - lb) continue;
        const v = rv[k];
        if (v !== v && isStaleNaN(v)) continue;
        if (!s) s = StepSeries.empty(series[si].labels, steps);
        s.v[i] = withTimestamps ? rt[k] / 1000 : v;
        s.has[i] = 1;
        if (b.h && !withTimestamps) s.setHist(i, this.readHint(b.h[k]));
        any++;
      }
      if (s) {
        this.addSamples(any);
        out.push(s);
      }
    }
    return out;
  }

  /** `x smoothed`: the value at each step interpolated between the samples around it (within the lookback delta). */
  private async smoothedSelector(vs: VectorSelector, ts: Float64Array, lo: number, hi: number): Promise<StepSeries[]> {
    const lb = this.ctx.lookbackDelta;
    const series = await this.ctx.querier.select(vs.matchers as Matcher[], { start: lo, end: hi, step: this.ctx.isRange ? this.interval : 0 }, true);
    const out: StepSeries[] = [];
    for (const ser of series) {
      const b = ser.samples(lo, hi);
      const t: number[] = [];
      const v: number[] = [];
      const hs: (FloatHistogram | undefined)[] = [];
      for (let k = 0; k < b.length; k++) {
        const hk = b.h?.[k];
        if (!hk && isStaleNaN(b.v[k])) continue;
        t.push(b.t[k]);
        v.push(b.v[k]);
        hs.push(hk);
      }
      const anyHist = hs.some((x) => x !== undefined);
      const s = StepSeries.empty(ser.labels, this.steps);
      for (let i = 0; i < this.steps; i++) {
        const d = ts[i];
        // Samples in (d - lb, d + lb].
        let a = 0;
        while (a < t.length && t[a] <= d - lb) a++;
        let e = a;
        while (e < t.length && t[e] <= d + lb) e++;
        if (e === a) continue;
        let k = a;
        while (k < e && t[k] < d) k++;
        if (anyHist) {
          // Histograms: the sample at d, else interpolated between its neighbours (both histograms), else carried.
          const metric = JSON.stringify(ser.labels.get(METRIC_NAME));
          let nh = 0;
          for (let x = a; x < e; x++) if (hs[x]) nh++;
          if (nh !== e - a) {
            this.warn(`encountered a mix of histograms and floats for metric name ${metric}`, vs);
            continue;
          }
          let hv: FloatHistogram | undefined;
          if (k < e && t[k] === d) hv = hs[k];
          else if (k > a && k < e) {
            const h1 = hs[k - 1]!;
            const h2 = hs[k]!;
            const f = (d - t[k - 1]) / (t[k] - t[k - 1]);
            try {
              if (h1.usesCustomBuckets() !== h2.usesCustomBuckets()) throw new HistogramOpError('mixed');
              // A counter restarting between the two samples is interpolated from zero.
              if (h2.hint !== 'gauge' && h2.detectReset(h1)) hv = h2.copy().mul(f);
              else hv = h2.copy().sub(h1).mul(f).add(h1);
              hv.hint = h1.hint === 'gauge' ? 'gauge' : 'unknown';
            } catch (err) {
              if (!(err instanceof HistogramOpError)) throw err;
              this.warn(`vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${metric}`, vs);
            }
          } else if (k > a) hv = hs[k - 1];
          if (!hv) continue;
          s.setHist(i, hv);
          s.has[i] = 1;
          continue;
        }
        if (k < e && t[k] === d) s.v[i] = v[k];
        else if (k > a && k < e) s.v[i] = v[k - 1] + ((v[k] - v[k - 1]) * (d - t[k - 1])) / (t[k] - t[k - 1]);
        else if (k > a) s.v[i] = v[k - 1];
        else continue;
        s.has[i] = 1;
      }
      if (s.count()) out.push(s);
    }
    return out;
  }

  async loadMatrix(ms: MatrixSelector, func?: string): Promise<RangeVector> {
    const vs = ms.vs;
    const rangeMs = this.duration(ms.range);
    if (rangeMs <= 0) this.fail(`range must be greater than 0`);
    const offsetMs = this.duration(vs.offset);
    const at = this.atTime(vs.at, vs.atMod);
    const first = (at ?? this.start) - offsetMs;
    const last = (at ?? this.end) - offsetMs;
    const ext = vs.anchored || vs.smoothed ? this.ctx.lookbackDelta : 0;
    const raw = await this.select(vs, first - rangeMs - ext + 1, last + (vs.smoothed ? ext : 0), { range: rangeMs, func });
    const series: RawSeries[] = [];
    for (const r of raw) {
      let n = 0;
      for (let i = 0; i < r.n; i++) if (!isStaleNaN(r.v[i]) || r.h?.[i]) n++;
      let t = r.t;
      let v = r.v;
      let h = r.h ? r.h.slice(0, r.n).map((x) => this.readHint(x)) : undefined;
      if (n !== r.n || r.t.length !== r.n) {
        t = new Float64Array(n);
        v = new Float64Array(n);
        const hh: (FloatHistogram | undefined)[] | undefined = r.h ? new Array<FloatHistogram | undefined>(n) : undefined;
        let k = 0;
        for (let i = 0; i < r.n; i++) {
          if (isStaleNaN(r.v[i]) && !r.h?.[i]) continue;
          t[k] = r.t[i];
          if (hh) hh[k] = this.readHint(r.h![i]);
          v[k++] = r.v[i];
        }
        h = hh;
      }
      if (n === 0) continue;
      series.push(h ? { labels: r.labels, t, v, dropName: false, h } : { labels: r.labels, t, v, dropName: false });
    }
    return { series, rangeMs, offsetMs, atMs: at, anchored: vs.anchored, smoothed: vs.smoothed };
  }

  async evalSubquery(sq: SubqueryExpr): Promise<RangeVector> {
    const rangeMs = this.duration(sq.range);
    const offsetMs = this.duration(sq.offset);
    const at = this.atTime(sq.at, sq.atMod);
    let step = sq.step ? this.duration(sq.step) : this.ctx.subqueryStep;
    if (step <= 0) step = this.ctx.subqueryStep;
    const first = (at ?? this.start) - offsetMs - rangeMs;
    const last = (at ?? this.end) - offsetMs;
    let start = step * Math.trunc(first / step);
    if (start <= first) start += step;
    const series: RawSeries[] = [];
    if (start <= last) {
      // A new evaluator: stats decoding (see statsDecoding) does not reach into subqueries.
      const sub = new Evaluator(this.ctx, start, last, step);
      const inner = await sub.evalVector(sq.expr);
      for (const s of inner) {
        const n = s.count();
        if (n === 0) continue;
        const t = new Float64Array(n);
        const v = new Float64Array(n);
        const h = s.h ? new Array<FloatHistogram | undefined>(n) : undefined;
        let k = 0;
        let last: FloatHistogram | undefined;
        for (let i = 0; i < sub.steps; i++) {
          if (!s.has[i]) continue;
          t[k] = sub.times[i];
          if (h) {
            // Steps re-use samples and skip others: a repeated sample is no reset; a not_reset hint no longer holds.
            let x = s.h![i];
            const orig = x;
            if (x && x.hint !== 'gauge') {
              if (x === last) x = Object.assign(x.copy(), { hint: 'not_reset' as const });
              else if (x.hint === 'not_reset') x = Object.assign(x.copy(), { hint: 'unknown' as const });
            }
            last = orig;
            h[k] = x;
          }
          v[k++] = s.v[i];
        }
        series.push(h ? { labels: s.labels, t, v, dropName: s.dropName, h } : { labels: s.labels, t, v, dropName: s.dropName });
      }
    }
    return { series, rangeMs, offsetMs, atMs: at };
  }

  /** The samples of a range vector at one evaluation time, as [lo, hi) indexes per series (for instant matrix results). */
  windowAt(rv: RangeVector, stepTime: number, s: RawSeries): [number, number] {
    const end = (rv.atMs ?? stepTime) - rv.offsetMs;
    const start = end - rv.rangeMs;
    let lo = lowerBound(s.t, start + 1e-9);
    if (lo < 0) lo = 0;
    const hi = lowerBound(s.t, end + 0.5);
    return [lo, hi];
  }

  // ---- functions ----

  private async evalCall(e: Call): Promise<Value> {
    const name = e.name;
    const args = e.args;
    switch (name) {
      case 'time':
        return { type: 'scalar', v: this.times.map((t) => t / 1000) };
      case 'pi':
        return { type: 'scalar', v: new Float64Array(this.steps).fill(Math.PI) };
      case 'step':
        return { type: 'scalar', v: new Float64Array(this.steps).fill(this.ctx.isRange ? this.interval / 1000 : 0) };
      case 'range':
        return { type: 'scalar', v: new Float64Array(this.steps).fill((this.ctx.queryEnd - this.ctx.queryStart) / 1000) };
      case 'start':
        return { type: 'scalar', v: new Float64Array(this.steps).fill(this.ctx.queryStart / 1000) };
      case 'end':
        return { type: 'scalar', v: new Float64Array(this.steps).fill(this.ctx.queryEnd / 1000) };
      case 'min_of':
      case 'max_of': {
        const a = await this.evalScalar(args[0]);
        const b = await this.evalScalar(args[1]);
        return { type: 'scalar', v: a.map((x, i) => (x !== x || b[i] !== b[i] ? NaN : name === 'min_of' ? Math.min(x, b[i]) : Math.max(x, b[i]))) };
      }
      case 'vector': {
        const v = await this.evalScalar(args[0]);
        const s = StepSeries.empty(Labels.EMPTY, this.steps);
        s.v.set(v);
        s.has.fill(1);
        return { type: 'vector', series: [s] };
      }
      case 'scalar': {
        const vec = await this.evalVector(args[0]);
        const out = new Float64Array(this.steps).fill(NaN);
        for (let i = 0; i < this.steps; i++) {
          let n = 0;
          let val = NaN;
          for (const s of vec) {
            if (s.has[i] && !s.h?.[i]) {
              n++;
              val = s.v[i];
            }
          }
          if (n === 1) out[i] = val;
        }
        return { type: 'scalar', v: out };
      }
      case 'timestamp': {
        let a = args[0];
        while (a.kind === 'paren') a = a.expr;
        if (a.kind === 'vector') {
          const series = await this.evalVectorSelector(a, true);
          for (const s of series) s.dropName = true;
          return { type: 'vector', series };
        }
        const vec = await this.evalVector(args[0]);
        for (const s of vec) {
          for (let i = 0; i < this.steps; i++) s.v[i] = this.times[i] / 1000;
          s.dropName = true;
        }
        return { type: 'vector', series: vec };
      }
      case 'absent': {
        const vec = await this.evalVector(args[0]);
        const s = StepSeries.empty(absentLabels(args[0]), this.steps);
        for (let i = 0; i < this.steps; i++) {
          if (!vec.some((x) => x.has[i])) {
            s.v[i] = 1;
            s.has[i] = 1;
          }
        }
        return { type: 'vector', series: s.count() ? [s] : [] };
      }
      case 'label_replace':
        return { type: 'vector', series: await this.labelReplace(e) };
      case 'label_join':
        return { type: 'vector', series: await this.labelJoin(e) };
      case 'sort':
      case 'sort_desc':
      case 'sort_by_label':
      case 'sort_by_label_desc': {
        const vec = await this.evalVector(args[0]);
        if (this.ctx.isRange) {
          this.warn('sort is ineffective for range queries since results are always ordered by labels', e);
          return { type: 'vector', series: vec };
        }
        if (name === 'sort' || name === 'sort_desc') {
          // sort and sort_desc order floats only; histogram samples are dropped.
          const floats = vec.filter((s) => !s.h?.[0]);
          floats.sort(name === 'sort' ? (a, b) => sortAsc(a.v[0], b.v[0]) : (a, b) => sortDesc(a.v[0], b.v[0]));
          return { type: 'vector', series: floats };
        }
        else {
          const lbls = (await Promise.all(args.slice(1).map((a) => this.eval(a)))).map((v) => (v.type === 'string' ? v.v : ''));
          const desc = name === 'sort_by_label_desc';
          vec.sort((a, b) => {
            for (const l of lbls) {
              const c = natCompare(a.labels.get(l), b.labels.get(l));
              if (c !== 0) return desc ? -c : c;
            }
            const c = Labels.compare(a.labels, b.labels);
            return desc ? -c : c;
          });
        }
        return { type: 'vector', series: vec };
      }
      case 'histogram_quantile':
        return this.histogramQuantile(e, e.args[0], e.args[1]);
      case 'histogram_quantiles': {
        const label = ((await this.eval(args[1])) as { v: string }).v;
        const all: StepSeries[] = [];
        for (const qa of args.slice(2)) {
          const q = await this.evalScalar(qa);
          const res = await this.histogramQuantile(e, qa, args[0]);
          if (res.type !== 'vector') continue;
          for (const s of res.series) {
            s.labels = s.labels.builder().set(label, formatOpenMetricsFloat(q[0])).labels();
            all.push(s);
          }
        }
        return { type: 'vector', series: mergeByLabels(all, this.steps) };
      }
      case 'histogram_fraction':
        return this.histogramFraction(e);
      case 'histogram_count':
      case 'histogram_sum':
      case 'histogram_avg':
      case 'histogram_stddev':
      case 'histogram_stdvar': {
        const saved = this.statsDecoding;
        this.statsDecoding = name === 'histogram_count' || name === 'histogram_sum' || name === 'histogram_avg';
        let vec: StepSeries[];
        try {
          vec = await this.evalVector(args[0]);
        } finally {
          this.statsDecoding = saved;
        }
        return { type: 'vector', series: this.mapHistograms(vec, (h) => histogramStat(name, h)) };
      }
      case 'info':
        return { type: 'vector', series: await this.evalInfo(e) };
    }
    if (RANGE_FUNCS.has(name)) return this.evalRangeFunction(e);
    return this.evalInstantFunction(e);
  }

  private async evalInstantFunction(e: Call): Promise<Value> {
    const name = e.name;
    const args = e.args;
    const vec = args.length > 0 ? await this.evalVector(args[0]) : null;
    const scalars: Float64Array[] = [];
    for (let i = 1; i < args.length; i++) scalars.push(await this.evalScalar(args[i]));
    const steps = this.steps;
    if (!vec) {
      // Date functions without argument: vector(time()).
      const s = StepSeries.empty(Labels.EMPTY, steps);
      for (let i = 0; i < steps; i++) {
        s.v[i] = dateFunc(name, this.times[i] / 1000);
        s.has[i] = 1;
      }
      return { type: 'vector', series: [s] };
    }
    const f = SIMPLE_FUNCS[name];
    for (const s of vec) {
      const v = s.v;
      if (s.h) {
        // Float functions ignore histogram samples.
        for (let i = 0; i < steps; i++) if (s.h[i]) s.has[i] = 0;
        s.h = undefined;
      }
      if (f) for (let i = 0; i < steps; i++) v[i] = f(v[i]);
      else if (DATE_FUNCS.has(name)) for (let i = 0; i < steps; i++) v[i] = dateFunc(name, v[i]);
      else
        switch (name) {
          case 'clamp':
            for (let i = 0; i < steps; i++) {
              const lo = scalars[0][i];
              const hi = scalars[1][i];
              if (hi < lo) s.has[i] = 0;
              else v[i] = Math.max(lo, Math.min(hi, v[i]));
              if (lo !== lo || hi !== hi) v[i] = NaN;
            }
            break;
          case 'clamp_max':
            for (let i = 0; i < steps; i++) v[i] = goMin(v[i], scalars[0][i]);
            break;
          case 'clamp_min':
            for (let i = 0; i < steps; i++) v[i] = goMax(v[i], scalars[0][i]);
            break;
          case 'round':
            for (let i = 0; i < steps; i++) {
              const inv = 1 / (scalars.length ? scalars[0][i] : 1);
              v[i] = Math.floor(v[i] * inv + 0.5) / inv;
            }
            break;
          default:
            throw new PromqlError('internal', `function ${name} not implemented`);
        }
      s.dropName = true;
    }
    return { type: 'vector', series: vec.filter((s) => s.count() > 0) };
  }

  private async evalRangeFunction(e: Call): Promise<Value> {
    const name = e.name;
    const matIdx = e.args.findIndex((a) => unwrapParen(a).kind === 'matrix' || unwrapParen(a).kind === 'subquery');
    const scalars: Float64Array[] = [];
    for (let i = 0; i < e.args.length; i++) if (i !== matIdx) scalars.push(await this.evalScalar(e.args[i]));
    const matArg = unwrapParen(e.args[matIdx]);
    if (matArg.kind === 'matrix' && matArg.vs.anchored && !['changes', 'delta', 'increase', 'rate', 'resets'].includes(name)) {
      this.fail(`anchored modifier can only be used with: changes, delta, increase, rate, resets - not with ${name}`);
    }
    if (matArg.kind === 'matrix' && matArg.vs.smoothed && !['delta', 'increase', 'rate'].includes(name)) {
      this.fail(`smoothed modifier can only be used with: delta, increase, rate - not with ${name}`);
    }
    const rv = matArg.kind === 'matrix' ? await this.loadMatrix(matArg, name) : (await this.eval(matArg)).type === 'matrix' ? await this.evalSubquery(matArg as SubqueryExpr) : null;
    if (!rv) throw new PromqlError('internal', 'expected range vector');
    const steps = this.steps;
    const dropName = !KEEPS_METRIC_NAME.has(name);
    const out: StepSeries[] = [];
    const isCounterFunc = name === 'rate' || name === 'increase';
    if (name === 'quantile_over_time') {
      const q = scalars[0];
      for (let i = 0; i < steps; i++) {
        if (q[i] !== q[i] || q[i] < 0 || q[i] > 1) {
          this.warn(`quantile value should be between 0 and 1, got ${formatG(q[i])}`, e.args[0]);
          break;
        }
      }
    }
    if (name === 'double_exponential_smoothing') {
      for (let i = 0; i < steps; i++) {
        const sf = scalars[0][i];
        const tf = scalars[1][i];
        if (!(sf > 0 && sf < 1)) this.fail(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${sf.toFixed(6)}`);
        if (!(tf > 0 && tf < 1)) this.fail(`invalid trend factor. Expected: 0 < tf < 1, got: ${tf.toFixed(6)}`);
      }
    }
    if (name === 'absent_over_time') {
      const s = StepSeries.empty(absentLabels(e.args[0]), steps);
      for (let i = 0; i < steps; i++) {
        let found = false;
        for (const r of rv.series) {
          const [lo, hi] = this.windowAt(rv, this.times[i], r);
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
    }
    let maxWindow = 0;
    const fastRate = name === 'rate' || name === 'increase' || name === 'delta';
    for (const r of rv.series) {
      this.checkTime();
      if (r.h && r.h.some((x) => x !== undefined)) {
        const hs = this.histRangeSeries(name, r, rv, e, dropName, scalars);
        if (hs) {
          out.push(hs);
          this.addSamples(hs.count());
        }
        continue;
      }
      // Counter resets so far, per sample: windows without a reset skip the correction loop.
      let resets: Int32Array | undefined;
      if (name === 'rate' || name === 'increase' || name === 'delta') {
        resets = new Int32Array(r.v.length);
        for (let k = 1; k < r.v.length; k++) resets[k] = resets[k - 1] + (r.v[k] < r.v[k - 1] ? 1 : 0);
      }
      const s = StepSeries.empty(r.labels, steps, dropName || r.dropName);
      let any = 0;
      let lo = 0;
      let hi = 0;
      const rt = r.t;
      const rvals = r.v;
      const len = rt.length;
      const times = this.times;
      const fixedAt = rv.atMs;
      const offsetMs = rv.offsetMs;
      const rangeMs = rv.rangeMs;
      if (rv.anchored || rv.smoothed) {
        const lb = this.ctx.lookbackDelta;
        const fwd = rv.smoothed ? lb : 0;
        for (let i = 0; i < steps; i++) {
          const end = (fixedAt ?? times[i]) - offsetMs;
          const start = end - rangeMs;
          if (fixedAt !== null) {
            lo = 0;
            hi = 0;
          }
          while (lo < len && rt[lo] <= start - lb) lo++;
          if (hi < lo) hi = lo;
          while (hi < len && rt[hi] <= end + fwd) hi++;
          if (hi === lo) continue;
          if (hi - lo > maxWindow) maxWindow = hi - lo;
          const v = extendedRangeFunc(name, rt, rvals, lo, hi, start, end, rangeMs, !!rv.smoothed);
          if (v === undefined) continue;
          s.v[i] = v;
          s.has[i] = 1;
          any++;
        }
      } else if (fastRate && fixedAt === null) {
        // rate/increase/delta inlined: Prometheus's extrapolatedRate for each step's window.
        const isCounter = name !== 'delta';
        const isRate = name === 'rate';
        for (let i = 0; i < steps; i++) {
          const end = times[i] - offsetMs;
          const start = end - rangeMs;
          while (lo < len && rt[lo] <= start) lo++;
          if (hi < lo) hi = lo;
          while (hi < len && rt[hi] <= end) hi++;
          const n = hi - lo;
          if (n > maxWindow) maxWindow = n;
          if (n < 2) continue;
          let result = rvals[hi - 1] - rvals[lo];
          if (isCounter && resets![hi - 1] !== resets![lo]) {
            for (let k = lo + 1; k < hi; k++) if (rvals[k] < rvals[k - 1]) result += rvals[k - 1];
          }
          const firstT = rt[lo];
          const lastT = rt[hi - 1];
          let toStart = (firstT - start) / 1000;
          let toEnd = (end - lastT) / 1000;
          const sampled = (lastT - firstT) / 1000;
          const avg = sampled / (n - 1);
          const threshold = avg * 1.1;
          if (toStart >= threshold) toStart = avg / 2;
          if (isCounter) {
            let toZero = toStart;
            if (result > 0 && rvals[lo] >= 0) toZero = sampled * (rvals[lo] / result);
            if (toZero < toStart) toStart = toZero;
          }
          if (toEnd >= threshold) toEnd = avg / 2;
          let factor = sampled !== 0 ? (sampled + toStart + toEnd) / sampled : 1;
          if (isRate) factor /= rangeMs / 1000;
          s.v[i] = result * factor;
          s.has[i] = 1;
          any++;
        }
      } else
      for (let i = 0; i < steps; i++) {
        const end = (fixedAt ?? times[i]) - offsetMs;
        const start = end - rangeMs;
        if (fixedAt !== null) {
          lo = 0;
          hi = 0;
        }
        while (lo < len && rt[lo] <= start) lo++;
        if (hi < lo) hi = lo;
        while (hi < len && rt[hi] <= end) hi++;
        if (hi === lo) continue;
        if (hi - lo > maxWindow) maxWindow = hi - lo;
        const v = rangeFunc(name, rt, rvals, lo, hi, start, end, rangeMs, scalars, i, resets, times[i]);
        if (v === undefined) continue;
        s.v[i] = v;
        s.has[i] = 1;
        any++;
      }
      if (any > 0) {
        out.push(s);
        this.addSamples(any);
        if (isCounterFunc) {
          const mn = r.labels.get(METRIC_NAME);
          if (mn !== '' && !/_(total|sum|count|bucket)$/.test(mn)) this.info(`metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${JSON.stringify(mn)}`, e.args[0]);
        }
      }
    }
    if (maxWindow > 0) {
      this.addSamples(maxWindow);
      this.ctx.currentSamples -= maxWindow;
    }
    return { type: 'vector', series: out };
  }

  /** A range function over a series holding native histograms (possibly mixed with floats). */
  private histRangeSeries(name: string, r: RawSeries, rv: RangeVector, e: Call, dropName: boolean, scalars: Float64Array[]): StepSeries | undefined {
    const s = StepSeries.empty(r.labels, this.steps, dropName || r.dropName);
    const metric = JSON.stringify(r.labels.get(METRIC_NAME));
    const arg = e.args[0];
    const hs = r.h!;
    const extended = !!(rv.anchored || rv.smoothed);
    const lb = this.ctx.lookbackDelta;
    for (let i = 0; i < this.steps; i++) {
      const end = (rv.atMs ?? this.times[i]) - rv.offsetMs;
      const start = end - rv.rangeMs;
      if (extended) {
        // Anchored/smoothed: the window reaches back (and for smoothed forward) by the lookback delta.
        const xlo = lowerBound(r.t, start - lb + 0.5);
        const xhi = lowerBound(r.t, end + (rv.smoothed ? lb : 0) + 0.5);
        if (xhi <= xlo) continue;
        let res: number | FloatHistogram | undefined;
        try {
          res = this.extendedHistFunc(name, r, xlo, xhi, start, end, rv, metric, arg);
        } catch (err) {
          if (!(err instanceof HistogramOpError)) throw err;
          this.warn(`vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${metric}`, arg);
          continue;
        }
        if (res === undefined) continue;
        s.has[i] = 1;
        if (res instanceof FloatHistogram) s.setHist(i, res);
        else s.v[i] = res;
        continue;
      }
      const lo = lowerBound(r.t, start + 0.5);
      const hi = lowerBound(r.t, end + 0.5);
      if (hi <= lo) continue;
      const nh = hs.slice(lo, hi).filter((x) => x !== undefined).length;
      const nf = hi - lo - nh;
      const set = (v: number | FloatHistogram | undefined) => {
        if (v === undefined) return;
        s.has[i] = 1;
        if (v instanceof FloatHistogram) s.setHist(i, v);
        else s.v[i] = v;
      };
      switch (name) {
        case 'count_over_time':
          set(hi - lo);
          continue;
        case 'present_over_time':
          set(1);
          continue;
        case 'last_over_time':
          set(hs[hi - 1] ?? r.v[hi - 1]);
          continue;
        case 'first_over_time':
          set(hs[lo] ?? r.v[lo]);
          continue;
        case 'ts_of_last_over_time':
          set(r.t[hi - 1] / 1000);
          continue;
        case 'ts_of_first_over_time':
          set(r.t[lo] / 1000);
          continue;
      }
      if (nf > 0 && nh > 0) {
        if (['rate', 'increase', 'delta', 'sum_over_time', 'avg_over_time'].includes(name)) {
          this.warn(`encountered a mix of histograms and floats for metric name ${metric}`, arg);
          continue;
        }
      }
      if (nh === 0) {
        set(rangeFunc(name, r.t, r.v, lo, hi, start, end, rv.rangeMs, scalars, i, undefined));
        continue;
      }
      const win = hs.slice(lo, hi) as FloatHistogram[];
      try {
        switch (name) {
          case 'rate':
          case 'increase':
          case 'delta': {
            if (win.length < 2) continue;
            const isCounter = name !== 'delta';
            const h = this.histogramRate(win, isCounter, metric, arg);
            if (!h) continue;
            const firstT = r.t[lo];
            const lastT = r.t[hi - 1];
            let toStart = (firstT - start) / 1000;
            let toEnd = (end - lastT) / 1000;
            const sampled = (lastT - firstT) / 1000;
            const avg = sampled / (win.length - 1);
            const threshold = avg * 1.1;
            if (toStart >= threshold) toStart = avg / 2;
            if (isCounter && h.count > 0 && win[0].count >= 0) {
              const toZero = sampled * (win[0].count / h.count);
              if (toZero < toStart) toStart = toZero;
            }
            if (toEnd >= threshold) toEnd = avg / 2;
            let factor = (sampled + toStart + toEnd) / sampled;
            if (name === 'rate') factor /= rv.rangeMs / 1000;
            set(h.mul(factor).compact());
            continue;
          }
          case 'irate':
          case 'idelta': {
            if (hi - lo < 2) continue;
            const last = hs[hi - 1];
            const prev = hs[hi - 2];
            if (!last && !prev) {
              set(rangeFunc(name, r.t, r.v, lo, hi, start, end, rv.rangeMs, [], i, undefined));
              continue;
            }
            if (!last || !prev) {
              this.warn(`encountered a mix of histograms and floats for metric name ${metric}`, arg);
              continue;
            }
            if (name === 'irate' && (last.hint === 'gauge' || prev.hint === 'gauge')) this.warn(`this native histogram metric is not a counter: ${metric}`, arg);
            if (name === 'idelta' && (last.hint !== 'gauge' || prev.hint !== 'gauge')) this.warn(`this native histogram metric is not a gauge: ${metric}`, arg);
            const h = last.copy();
            if (name === 'irate' && last.detectReset(prev)) {
              // After a reset the last sample is the increase.
            } else h.sub(prev);
            if (name === 'irate') h.div((r.t[hi - 1] - r.t[hi - 2]) / 1000);
            h.hint = 'gauge';
            set(h.compact());
            continue;
          }
          case 'sum_over_time':
          case 'avg_over_time': {
            this.conflictingResets(win, arg);
            const fw = fieldwiseOverTime(name, win);
            if (fw) {
              set(fw);
              continue;
            }
            const h = win[0].copy();
            for (let k = 1; k < win.length; k++) h.add(win[k]);
            if (name === 'avg_over_time') h.div(win.length);
            set(h.compact());
            continue;
          }
          case 'resets':
          case 'changes': {
            let n = 0;
            for (let k = lo + 1; k < hi; k++) {
              const a = hs[k - 1];
              const b = hs[k];
              if (name === 'changes') {
                if (!a || !b) n += a !== b || (!a && !b && r.v[k] !== r.v[k - 1]) ? 1 : 0;
                else if (!a.equals(b)) n++;
              } else if (a && b ? b.detectReset(a) : !a && !b ? r.v[k] < r.v[k - 1] : true) n++;
            }
            set(n);
            continue;
          }
        }
      } catch (err) {
        if (!(err instanceof HistogramOpError)) throw err;
        this.warn(`vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${metric}`, arg);
        continue;
      } finally {
        this.reconcileInfo(name === 'sum_over_time' || name === 'avg_over_time' ? 'aggregation' : 'subtraction', arg);
      }
      // Float-only functions: histogram samples ignored (silently when the range holds only histograms).
      if (nf === 0) continue;
      const ft: number[] = [];
      const fv: number[] = [];
      for (let k = lo; k < hi; k++) {
        if (hs[k]) continue;
        ft.push(r.t[k]);
        fv.push(r.v[k]);
      }
      this.info(`ignored histograms in a range containing both floats and histograms for metric name ${metric}`, arg);
      set(rangeFunc(name, Float64Array.from(ft), Float64Array.from(fv), 0, ft.length, start, end, rv.rangeMs, scalars, i, undefined));
    }
    return s.count() ? s : undefined;
  }

  /** rate/increase/delta/changes/resets over an anchored or smoothed window holding histograms (Prometheus's extendedRate). */
  private extendedHistFunc(name: string, r: RawSeries, lo: number, hi: number, rangeStart: number, rangeEnd: number, rv: RangeVector, metric: string, arg: Expr): number | FloatHistogram | undefined {
    const t = r.t;
    const hs = r.h!;
    const smoothed = !!rv.smoothed;
    if (name === 'changes' || name === 'resets') {
      let le = lo - 1;
      for (let k = lo; k < hi && t[k] <= rangeStart; k++) le = k;
      if (le + 1 >= hi) return undefined;
      const first = le >= lo ? le : lo;
      let c = 0;
      for (let k = first + 1; k < hi; k++) {
        const a = hs[k - 1];
        const b = hs[k];
        if (!a !== !b) c++;
        else if (a && b) c += name === 'resets' ? (b.detectReset(a) ? 1 : 0) : a.equals(b) ? 0 : 1;
        else if (name === 'resets' ? r.v[k] < r.v[k - 1] : !(r.v[k] === r.v[k - 1] || (r.v[k] !== r.v[k] && r.v[k - 1] !== r.v[k - 1]))) c++;
      }
      return c;
    }
    if (name !== 'rate' && name !== 'increase' && name !== 'delta') return undefined;
    const isCounter = name !== 'delta';
    let last = hi - 1;
    let firstAfter = lo;
    while (firstAfter < last && t[firstAfter] <= rangeStart) firstAfter++;
    let first = Math.max(lo, firstAfter - 1);
    if (smoothed) {
      let k = lo;
      while (k < hi - 1 && t[k] < rangeEnd) k++;
      last = k;
    }
    if (t[last] <= rangeStart) return undefined;
    if (smoothed && t[first] > rangeEnd) return undefined;
    for (let k = first; k <= last; k++) {
      if (!hs[k]) {
        this.warn(`encountered a mix of histograms and floats for metric name ${metric}`, arg);
        return undefined;
      }
      if (isCounter && hs[k]!.hint === 'gauge') this.warn(`this native histogram metric is not a counter: ${metric}`, arg);
    }
    if (!isCounter && (hs[first]!.hint !== 'gauge' || hs[last]!.hint !== 'gauge')) this.warn(`this native histogram metric is not a gauge: ${metric}`, arg);
    // Resets are judged by value here (interpolated points carry no meaningful hint).
    const plain = new Map<number, FloatHistogram>();
    const H = (k: number): FloatHistogram => {
      const h = hs[k]!;
      if (h.hint !== 'reset') return h;
      let p = plain.get(k);
      if (!p) plain.set(k, (p = Object.assign(h.copy(), { hint: 'unknown' as const })));
      return p;
    };
    const interp = (a: number, b: number, at: number): FloatHistogram => {
      const y2 = H(b);
      const y1 = isCounter && y2.detectReset(H(a)) ? undefined : H(a);
      const f = (at - t[a]) / (t[b] - t[a]);
      if (!y1) return y2.copy().mul(f);
      return y2.copy().sub(y1).mul(f).add(y1);
    };
    const left = smoothed && t[first] < rangeStart ? interp(first, first + 1, rangeStart) : H(first);
    const right = smoothed && last > lo && t[last] > rangeEnd ? interp(last - 1, last, rangeEnd) : H(last);
    const result = right.copy().sub(left);
    if (isCounter) {
      if (t[first] <= rangeStart) first++;
      if (t[last] >= rangeEnd) last--;
      let prev = left;
      for (let k = first; k <= last; k++) {
        if (H(k).detectReset(prev)) result.add(prev);
        prev = H(k);
      }
      if (right.detectReset(prev)) result.add(prev);
    }
    if (name === 'rate') result.div(rv.rangeMs / 1000);
    result.hint = 'gauge';
    return result.compact();
  }

  /**
   * Prometheus's `histogramRate`: the increase from the first to the last sample with counter resets compensated
   * (for counters: last - first of the first reset-free segment plus the last sample of every later segment, so a
   * change between custom and exponential buckets, itself a reset, needs no subtraction across it); gauge hint.
   */
  private histogramRate(win: FloatHistogram[], isCounter: boolean, metric: string, arg: Expr): FloatHistogram | undefined {
    const first = win[0];
    const last = win[win.length - 1];
    let minSchema = Infinity;
    for (const h of win) {
      if (isCounter && h.hint === 'gauge') this.warn(`this native histogram metric is not a counter: ${metric}`, arg);
      if (!h.usesCustomBuckets() && h.schema < minSchema) minSchema = h.schema;
    }
    let h: FloatHistogram;
    if (isCounter) {
      let segEnd = 0;
      while (segEnd + 1 < win.length && !win[segEnd + 1].detectReset(win[segEnd])) segEnd++;
      h = win[segEnd].copy();
      if (segEnd > 0) h.sub(first);
      else h.mul(0);
      for (let k = segEnd + 1; k < win.length; k++) {
        if (k + 1 < win.length && !win[k + 1].detectReset(win[k])) continue;
        // win[k] ends a segment that began after a reset.
        if (h.usesCustomBuckets() !== win[k].usesCustomBuckets() && h.count === 0 && h.pos.every((x) => x === 0) && h.neg.every((x) => x === 0)) h = win[k].copy();
        else h.add(win[k]);
      }
    } else {
      if (first.usesCustomBuckets() !== last.usesCustomBuckets()) throw new HistogramOpError('mixed');
      h = last.copy().sub(first);
      if (first.hint !== 'gauge' || last.hint !== 'gauge') this.warn(`this native histogram metric is not a gauge: ${metric}`, arg);
    }
    if (!h.usesCustomBuckets() && minSchema < h.schema) h = h.copyToSchema(minSchema);
    h.hint = 'gauge';
    return h.compact();
  }

  /** Prometheus's experimental `info()`: add the data labels of info series (default `target_info`) joined on instance/job. */
  private async evalInfo(e: Call): Promise<StepSeries[]> {
    const base = await this.evalVector(e.args[0]);
    const steps = this.steps;
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
        offsetMs = this.duration(firstVs.offset);
        at = this.atTime(firstVs.at, firstVs.atMod);
        for (let k = path.length - 1; at === null && k >= 0; k--) {
          const p = path[k];
          if (p.kind === 'subquery') {
            offsetMs += this.duration(p.offset);
            at = this.atTime(p.at, p.atMod);
          }
        }
      }
      info = await this.evalVectorSelector(
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
          this.fail(`found duplicate series for info metric: existing ${goLabels(info[prev].labels)} @ ${info[prev].v[i] * 1000}, new ${goLabels(s.labels)} @ ${s.v[i] * 1000}`);
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
              if (cur !== undefined && cur !== lv) this.fail(`conflicting label: ${ln}`);
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
        if (o.has[i]) this.fail('vector cannot contain metrics with the same labelset');
        o.v[i] = b.v[i];
        o.has[i] = 1;
      });
    }
    return out;
  }

  private async labelReplace(e: Call): Promise<StepSeries[]> {
    const vec = await this.evalVector(e.args[0]);
    const [dst, repl, src, regex] = await Promise.all(e.args.slice(1).map(async (a) => ((await this.eval(a)) as { v: string }).v));
    let re: Regex;
    try {
      re = compileAnchored(regex);
    } catch {
      this.fail(`invalid regular expression in label_replace(): ${regex}`);
    }
    if (!isValidUtf8LabelName(dst)) this.fail(`invalid destination label name in label_replace(): ${dst}`);
    const out = vec.map((s) => {
      const m = re.exec(s.labels.get(src));
      if (!m) return s;
      const val = expandTemplate(repl, m);
      s.labels = s.labels.builder().set(dst, val).labels();
      if (dst === METRIC_NAME) s.dropName = false;
      return s;
    });
    return mergeByLabels(out, this.steps);
  }

  private async labelJoin(e: Call): Promise<StepSeries[]> {
    const vec = await this.evalVector(e.args[0]);
    const strs = await Promise.all(e.args.slice(1).map(async (a) => ((await this.eval(a)) as { v: string }).v));
    const [dst, sep, ...srcs] = strs;
    for (const s of vec) {
      const val = srcs.map((l) => s.labels.get(l)).join(sep);
      s.labels = s.labels.builder().set(dst, val).labels();
      if (dst === METRIC_NAME) s.dropName = false;
    }
    return mergeByLabels(vec, this.steps);
  }

  /** Native histogram samples of a vector mapped to floats (float samples dropped); name dropped. */
  private mapHistograms(vec: StepSeries[], f: (h: FloatHistogram, i: number, labels: Labels) => number): StepSeries[] {
    const out: StepSeries[] = [];
    for (const s of vec) {
      if (!s.h) continue;
      const o = StepSeries.empty(s.labels, this.steps, true);
      for (let i = 0; i < this.steps; i++) {
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
  private splitNative(vec: StepSeries[], f: (h: FloatHistogram, i: number, labels: Labels) => number, arg: Expr): [StepSeries[], StepSeries[]] {
    const native = this.mapHistograms(vec, f);
    const floats: StepSeries[] = [];
    for (const s of vec) {
      if (!s.h) {
        floats.push(s);
        continue;
      }
      const c = new StepSeries(s.labels, s.v, s.has.slice(), s.dropName);
      for (let i = 0; i < this.steps; i++) if (s.h[i]) c.has[i] = 0;
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
        this.warn(`vector contains a mix of classic and native histograms for metric name ${JSON.stringify(c.labels.get(METRIC_NAME))}`, arg);
      }
      if (conflict.size) {
        return [native.filter((s) => !conflict.has(s.labels.key())), floats.filter((c) => !conflict.has(c.labels.without('le').key()))];
      }
    }
    return [native, floats];
  }

  private async histogramQuantile(e: Call, qArg: Expr, vArg: Expr): Promise<Value> {
    const q = await this.evalScalar(qArg);
    const [native, vec] = this.splitNative(
      await this.evalVector(vArg),
      (h, i, l) => {
        const r = histogramQuantileNative(q[i], h);
        if (h.sum !== h.sum && h.count > 0 && q[i] === q[i]) this.info(`input to histogram_quantile has NaN observations, result is ${r !== r ? 'NaN' : 'skewed higher'} for metric name ${JSON.stringify(l.get(METRIC_NAME))}`, vArg);
        return r;
      },
      vArg,
    );
    if (native.length) {
      for (let i = 0; i < this.steps; i++) {
        if (q[i] !== q[i] || q[i] < 0 || q[i] > 1) {
          this.warn(`quantile value should be between 0 and 1, got ${formatG(q[i])}`, qArg);
          break;
        }
      }
    }
    for (let i = 0; i < this.steps; i++) {
      if (q[i] !== q[i] || q[i] < 0 || q[i] > 1) {
        this.warn(`quantile value should be between 0 and 1, got ${formatG(q[i])}`, qArg);
        break;
      }
    }
    const groups = this.bucketGroups(vec, e, vArg);
    const out: StepSeries[] = native;
    for (const g of groups.values()) {
      const s = StepSeries.empty(g.labels, this.steps, true);
      for (let i = 0; i < this.steps; i++) {
        const buckets: Bucket[] = [];
        for (let k = 0; k < g.members.length; k++) {
          const m = g.members[k];
          if (m.has[i]) buckets.push({ upper: g.uppers[k], count: m.v[i] });
        }
        if (buckets.length === 0) continue;
        const r = bucketQuantile(q[i], buckets);
        if (r.forcedMonotonic) this.info(`input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name ${JSON.stringify(g.name)}`, vArg);
        s.v[i] = r.value;
        s.has[i] = 1;
      }
      if (s.count()) out.push(s);
    }
    return { type: 'vector', series: out };
  }

  private async histogramFraction(e: Call): Promise<Value> {
    const lower = await this.evalScalar(e.args[0]);
    const upper = await this.evalScalar(e.args[1]);
    const [native, vec] = this.splitNative(
      await this.evalVector(e.args[2]),
      (h, i, l) => {
        if (h.sum !== h.sum && h.count > 0) this.info(`input to histogram_fraction has NaN observations, which are excluded from all fractions for metric name ${JSON.stringify(l.get(METRIC_NAME))}`, e.args[2]);
        return histogramFractionNative(lower[i], upper[i], h);
      },
      e.args[2],
    );
    const groups = this.bucketGroups(vec, e, e.args[2]);
    const out: StepSeries[] = native;
    for (const g of groups.values()) {
      const s = StepSeries.empty(g.labels, this.steps, true);
      for (let i = 0; i < this.steps; i++) {
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

  private bucketGroups(vec: StepSeries[], e: Call, arg: Expr = e.args[1]): Map<string, { labels: Labels; name: string; members: StepSeries[]; uppers: number[] }> {
    const groups = new Map<string, { labels: Labels; name: string; members: StepSeries[]; uppers: number[] }>();
    for (const s of vec) {
      const le = s.labels.get('le');
      const upper = goParseFloat(le);
      if (upper === undefined) {
        this.warn(`bucket label "le" is missing or has a malformed value of ${JSON.stringify(le)} for metric name ${JSON.stringify(s.labels.get(METRIC_NAME))}`, arg);
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

  // ---- aggregation ----

  private async evalAggregate(e: AggregateExpr): Promise<Value> {
    const steps = this.steps;
    let param: Float64Array | null = null;
    let strParam = '';
    if (e.param) {
      const p = await this.eval(e.param);
      if (p.type === 'scalar') param = p.v;
      else if (p.type === 'string') strParam = p.v;
    }
    // A selector directly under an aggregation gets the grouping as a hint (Prometheus's extractGroupsFromPath).
    const inner = e.expr.kind === 'vector' ? e.expr : null;
    const vec = inner ? await this.evalVectorSelector(inner, false, { grouping: e.grouping, by: !e.without, func: e.op }) : await this.evalVector(e.expr);
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
      if (!isValidUtf8LabelName(strParam)) this.fail(`invalid label name ${goQuote(strParam)}`);
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
        this.info(`ignored histogram in ${e.op} aggregation`, e);
      }
    }
    if (e.op === 'topk' || e.op === 'bottomk' || e.op === 'limitk' || e.op === 'limit_ratio') return this.aggregateK(e, vec, seriesGroup, nGroups, param!);

    if (e.op === 'quantile') {
      let warned = false;
      for (let i = 0; i < steps && !warned; i++) {
        const q = param![i];
        if (q !== q || q < 0 || q > 1) {
          this.warn(`quantile value should be between 0 and 1, got ${formatG(q)}`, e.param!);
          warned = true;
        }
      }
    }

    if (vec.some((s) => s.h)) {
      if (e.op === 'sum' || e.op === 'avg') return { type: 'vector', series: this.aggregateHistograms(e, vec, seriesGroup, groupLabelList) };
      if (e.op !== 'count' && e.op !== 'group') {
        for (const s of vec) {
          if (!s.h) continue;
          for (let i = 0; i < steps; i++) if (s.h[i]) s.has[i] = 0;
          s.h = undefined;
          this.info(`ignored histogram in ${e.op} aggregation`, e);
        }
      }
    }
    if (e.op !== 'quantile') return { type: 'vector', series: this.aggregateColumns(e.op, vec, seriesGroup, groupLabelList) };
    // quantile: the values of each group at each step.
    const out: StepSeries[] = groupLabelList.map((l) => StepSeries.empty(l, steps));
    const lists: number[][] = Array.from({ length: nGroups }, () => []);
    for (let i = 0; i < steps; i++) {
      if ((i & 15) === 0) this.checkTime();
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

  /** sum/avg over a vector with native histograms: floats and histograms aggregate separately; a mix in a group is dropped with a warning. */
  private aggregateHistograms(e: AggregateExpr, vec: StepSeries[], seriesGroup: Int32Array, groupLabels: Labels[]): StepSeries[] {
    const steps = this.steps;
    const floats = vec.map((s) => {
      if (!s.h) return s;
      const c = new StepSeries(s.labels, s.v, s.has.slice(), s.dropName);
      for (let i = 0; i < steps; i++) if (s.h[i]) c.has[i] = 0;
      return c;
    });
    const fl = this.aggregateColumns(e.op, floats, seriesGroup, groupLabels);
    const byKey = new Map(fl.map((s) => [s.labels.key(), s]));
    const out = [...fl];
    for (let g = 0; g < groupLabels.length; g++) {
      let o = byKey.get(groupLabels[g].key());
      for (let i = 0; i < steps; i++) {
        let acc: FloatHistogram | undefined;
        const list: FloatHistogram[] = [];
        let failed = false;
        for (let si = 0; si < vec.length; si++) {
          if (seriesGroup[si] !== g) continue;
          const h = vec[si].h?.[i];
          if (h && vec[si].has[i]) list.push(h);
        }
        const n = list.length;
        if (n === 0) continue;
        this.conflictingResets(list, e.expr);
        try {
          // Field by field with the float arithmetic (Kahan sum, overflow-safe mean); else the reconciling addition.
          acc = fieldwiseOverTime(e.op === 'sum' ? 'sum_over_time' : 'avg_over_time', list);
          if (!acc) {
            acc = list[0].copy();
            for (let k = 1; k < n; k++) acc.add(list[k]);
            if (e.op === 'avg') acc.div(n);
          }
        } catch (err) {
          if (!(err instanceof HistogramOpError)) throw err;
          this.warn(`vector contains a mix of histograms with exponential and custom buckets schemas for metric name ""`, e);
          failed = true;
        }
        if (o?.has[i] && !o.hist(i)) {
          // Floats and histograms in one group: no result.
          this.warn(`encountered a mix of histograms and floats for aggregation`, e);
          o.has[i] = 0;
          continue;
        }
        if (failed || !acc) continue;
        this.reconcileInfo('aggregation', e);
        acc.compact();
        if (!o) {
          o = StepSeries.empty(groupLabels[g], steps);
          out.push(o);
          byKey.set(groupLabels[g].key(), o);
        }
        o.has[i] = 1;
        o.setHist(i, acc);
      }
    }
    return out.filter((s) => s.count() > 0);
  }

  /**
   * sum, avg, count, min, max, group, stddev, stdvar: series by series over all steps (each input column is read
   * once, sequentially), accumulating into per-group columns. Same arithmetic and order as Prometheus per step.
   */
  private aggregateColumns(op: string, vec: StepSeries[], seriesGroup: Int32Array, groupLabels: Labels[]): StepSeries[] {
    const steps = this.steps;
    const out = groupLabels.map((l) => StepSeries.empty(l, steps));
    const n = groupLabels.length;
    const comp = new Float64Array(n * steps);
    const mean = op === 'avg' || op === 'stddev' || op === 'stdvar' ? new Float64Array(n * steps) : comp;
    const count = new Float64Array(n * steps);
    const incremental = op === 'avg' ? new Uint8Array(n * steps) : null;
    const c = new Float64Array(1);
    for (let si = 0; si < vec.length; si++) {
      if ((si & 255) === 0) this.checkTime();
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

  private aggregateK(e: AggregateExpr, vec: StepSeries[], seriesGroup: Int32Array, nGroups: number, param: Float64Array): Value {
    const steps = this.steps;
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
        if (r !== r) this.fail('Ratio value is NaN');
        if (!warned && (r > 1 || r < -1)) {
          this.warn(`ratio value should be between -1 and 1, got ${formatG(r)}, capping to ${r > 1 ? 1 : -1}`, e.param!);
          warned = true;
        }
      }
    } else {
      for (let i = 0; i < steps; i++) {
        if (param[i] !== param[i]) {
          this.fail('Parameter value is NaN');
        }
        if (param[i] >= 9.223372036854776e18) this.fail(`Scalar value ${formatG(param[i])} overflows int64`);
        if (param[i] <= -9.223372036854776e18) this.fail(`Scalar value ${formatG(param[i])} underflows int64`);
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
          if (this.steps === 1) order.push(si);
        }
      }
    }
    if (this.steps === 1) return { type: 'vector', series: order.map((si) => keep.get(si)!) };
    return { type: 'vector', series: [...keep.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s) };
  }

  // ---- binary operators ----

  /**
   * Inside histogram_count/histogram_sum/histogram_avg Prometheus reads histograms with its stats iterator, which
   * reports detected counter resets as `reset`; elsewhere a stored reset hint reads back as unknown
   * (prometheus/prometheus#15346).
   */
  private statsDecoding = false;

  private readHint(h: FloatHistogram | undefined): FloatHistogram | undefined {
    if (!h || h.hint !== 'reset' || this.statsDecoding) return h;
    return Object.assign(h.copy(), { hint: 'unknown' as const });
  }

  /** The warning Prometheus gives when an aggregation adds a `reset` and a `not_reset` histogram. */
  private conflictingResets(list: readonly FloatHistogram[], e: Expr): void {
    let reset = false;
    let notReset = false;
    for (const h of list) {
      if (h.hint === 'reset') reset = true;
      else if (h.hint === 'not_reset') notReset = true;
    }
    if (reset && notReset) this.warn('conflicting counter resets during histogram aggregation', e);
  }

  /** The binary expression being evaluated (position of its annotations). */
  private opExpr: Expr | null = null;

  /** The info Prometheus gives when differing custom bucket bounds were reconciled by the last operations. */
  private reconcileInfo(what: 'addition' | 'subtraction' | 'aggregation', e: Expr | null): void {
    if (!FloatHistogram.reconciled) return;
    FloatHistogram.reconciled = false;
    if (e) this.info(`mismatched custom buckets were reconciled during ${what}`, e);
  }

  private async evalBinary(e: BinaryExpr): Promise<Value> {
    const lhs = await this.eval(e.lhs);
    const rhs = await this.eval(e.rhs);
    const steps = this.steps;
    const op = e.op;
    this.opExpr = e;
    if (lhs.type === 'scalar' && rhs.type === 'scalar') {
      const out = new Float64Array(steps);
      for (let i = 0; i < steps; i++) {
        const r = scalarOp(op, lhs.v[i], rhs.v[i]);
        out[i] = COMPARISON_OPS.has(op) ? (r.keep ? 1 : 0) : r.v;
      }
      return { type: 'scalar', v: out };
    }
    if (lhs.type === 'vector' && rhs.type === 'scalar') return { type: 'vector', series: this.vectorScalar(op, lhs.series, rhs.v, false, e.bool) };
    if (lhs.type === 'scalar' && rhs.type === 'vector') return { type: 'vector', series: this.vectorScalar(op, rhs.series, lhs.v, true, e.bool) };
    if (lhs.type !== 'vector' || rhs.type !== 'vector') throw new PromqlError('internal', 'binary operands');
    const m = e.matching!;
    if (op === 'and' || op === 'or' || op === 'unless') return { type: 'vector', series: this.setOp(op, lhs.series, rhs.series, m) };
    return { type: 'vector', series: this.vectorVector(op, lhs.series, rhs.series, m, e.bool) };
  }

  private vectorScalar(op: BinaryOp, vec: StepSeries[], sc: Float64Array, swap: boolean, bool: boolean): StepSeries[] {
    const steps = this.steps;
    const isCmp = COMPARISON_OPS.has(op) || op === '</' || op === '>/';
    for (const s of vec) {
      for (let i = 0; i < steps; i++) {
        if (!s.has[i]) continue;
        const hh = s.h?.[i];
        if (hh) {
          const r = this.histOp(op, swap ? undefined : hh, swap ? sc[i] : 0, swap ? hh : undefined, swap ? 0 : sc[i], bool);
          if (!r) s.has[i] = 0;
          else {
            s.v[i] = r.v;
            s.h![i] = r.h;
          }
          continue;
        }
        const a = swap ? sc[i] : s.v[i];
        const b = swap ? s.v[i] : sc[i];
        const r = scalarOp(op, a, b);
        let v = r.v;
        let keep = r.keep;
        if (isCmp && swap) v = b;
        if (bool) {
          v = keep ? 1 : 0;
          keep = true;
        }
        if (keep) s.v[i] = v;
        else s.has[i] = 0;
      }
      if (!isCmp || bool) s.dropName = true;
    }
    return vec.filter((s) => s.count() > 0);
  }

  /** A binary operation with at least one histogram operand; undefined = no result (with an info where Prometheus gives one). */
  private histOp(op: BinaryOp, lh: FloatHistogram | undefined, lv: number, rh: FloatHistogram | undefined, rv: number, bool: boolean): { v: number; h?: FloatHistogram } | undefined {
    const kind = (h: FloatHistogram | undefined) => (h ? 'histogram' : 'float');
    const incompatible = () => {
      this.ctx.infos.add(`PromQL info: incompatible sample types encountered for binary operator ${JSON.stringify(op)}: ${kind(lh)} ${op} ${kind(rh)}`);
      return undefined;
    };
    try {
      if (lh && rh) {
        switch (op) {
          case '+': {
            const h = lh.copy().add(rh).compact();
            this.reconcileInfo('addition', this.opExpr);
            return { v: 0, h };
          }
          case '-': {
            const h = lh.copy().sub(rh).compact();
            this.reconcileInfo('subtraction', this.opExpr);
            h.hint = 'gauge';
            return { v: 0, h };
          }
          case '==':
          case '!=': {
            const eq = lh.equals(rh);
            const keep = op === '==' ? eq : !eq;
            if (bool) return { v: keep ? 1 : 0 };
            return keep ? { v: 0, h: lh } : undefined;
          }
          default:
            return incompatible();
        }
      }
      if (lh && (op === '</' || op === '>/')) return { v: 0, h: trimHistogram(lh, rv, op === '</') };
      if (lh) {
        if (op === '*') return { v: 0, h: lh.copy().mul(rv) };
        if (op === '/') return { v: 0, h: lh.copy().div(rv) };
        return incompatible();
      }
      if (op === '*') return { v: 0, h: rh!.copy().mul(lv) };
      return incompatible();
    } catch (err) {
      if (!(err instanceof HistogramOpError)) throw err;
      this.ctx.warnings.add(`PromQL warning: vector contains a mix of histograms with exponential and custom buckets schemas for metric name ""`);
      return undefined;
    }
  }

  private signatures(vec: StepSeries[], m: VectorMatching): string[] {
    return vec.map((s) => (m.on ? s.labels.withOnly(...m.labels).key() : s.labels.without(...m.labels, METRIC_NAME).key()));
  }

  private setOp(op: 'and' | 'or' | 'unless', lhs: StepSeries[], rhs: StepSeries[], m: VectorMatching): StepSeries[] {
    const steps = this.steps;
    const ls = this.signatures(lhs, m);
    const rs = this.signatures(rhs, m);
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

  private vectorVector(op: BinaryOp, lhsIn: StepSeries[], rhsIn: StepSeries[], m: VectorMatching, bool: boolean): StepSeries[] {
    const steps = this.steps;
    const swapped = m.card === 'one-to-many';
    const lhs = swapped ? rhsIn : lhsIn;
    const rhs = swapped ? lhsIn : rhsIn;
    const lsig = this.signatures(lhs, m);
    const rsig = this.signatures(rhs, m);
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
      if ((i & 15) === 0) this.checkTime();
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
            this.fail(
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
          const r = this.histOp(op, lh, fl, rh, fr, bool);
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
          if (matchedOne[o]) this.fail('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
          matchedOne[o] = 1;
        } else {
          let set = matchedMany.get(o);
          if (!set) matchedMany.set(o, (set = new Set()));
          const mk = metric.key();
          if (set.has(mk)) this.fail('multiple matches for labels: grouping labels must ensure unique matches');
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
        if (out.has[i]) this.fail('vector cannot contain metrics with the same labelset');
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
}

// ---- helpers ----

/** Go's labels.Labels.String(): `{a="b", c="d"}`. */
function goLabels(l: Labels): string {
  const parts: string[] = [];
  l.forEach((n, v) => parts.push(`${n}=${goQuote(v)}`));
  return `{${parts.join(', ')}}`;
}

const INFO_ID_LABELS = ['instance', 'job'];

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

function unwrapParen(e: Expr): Expr {
  while (e.kind === 'paren') e = e.expr;
  return e;
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

/** Merge series with the same labels (and dropName) whose steps do not overlap; overlapping ones are an error. */
export function mergeByLabels(vec: StepSeries[], steps: number, keepDropName = false): StepSeries[] {
  const byKey = new Map<string, StepSeries>();
  const out: StepSeries[] = [];
  for (const s of vec) {
    const k = s.labels.key();
    const prev = byKey.get(k);
    if (!prev) {
      byKey.set(k, s);
      out.push(s);
      continue;
    }
    for (let i = 0; i < steps; i++) {
      if (!s.has[i]) continue;
      if (prev.has[i]) throw new PromqlError('execution', 'vector cannot contain metrics with the same labelset');
      prev.has[i] = 1;
      prev.v[i] = s.v[i];
    }
    if (keepDropName && s.dropName) prev.dropName = true;
  }
  return out;
}

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

function scalarOp(op: BinaryOp, a: number, b: number): { v: number; keep: boolean } {
  switch (op) {
    case '+':
      return { v: a + b, keep: true };
    case '-':
      return { v: a - b, keep: true };
    case '*':
      return { v: a * b, keep: true };
    case '/':
      return { v: a / b, keep: true };
    case '^':
      return { v: goPow(a, b), keep: true };
    case '%':
      return { v: a % b, keep: true };
    case 'atan2':
      return { v: Math.atan2(a, b), keep: true };
    case '==':
      return { v: a, keep: a === b };
    case '!=':
      return { v: a, keep: a !== b };
    case '>':
      return { v: a, keep: a > b };
    case '<':
      return { v: a, keep: a < b };
    case '>=':
      return { v: a, keep: a >= b };
    case '<=':
      return { v: a, keep: a <= b };
    default:
      return { v: NaN, keep: false };
  }
}

/** Go's math.Pow special cases differ from JS `**` for a base of ±1 and NaN/Inf exponents. */
export function goPow(x: number, y: number): number {
  if (y === 0) return 1;
  if (x === 1) return 1;
  if ((x === -1) && (y === Infinity || y === -Infinity)) return 1;
  return x ** y;
}

function goMin(a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  return Math.min(a, b);
}
function goMax(a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  return Math.max(a, b);
}

function lowerBound(arr: Float64Array, x: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sortAsc(a: number, b: number): number {
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return a - b;
}
function sortDesc(a: number, b: number): number {
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return b - a;
}

function natCompare(a: string, b: string): number {
  const re = /(\d+|\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d < 0 ? -1 : 1;
      return x.length < y.length ? -1 : 1;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
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

/** Prometheus's FormatOpenMetricsFloat: integers get a `.0`. */
function formatOpenMetricsFloat(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  return Number.isInteger(v) && !/e/.test(s) ? `${s}.0` : s;
}

export function formatG(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const [m, ex] = v.toExponential().split('e');
    const n = Number(ex);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(v);
}

const SIMPLE_FUNCS: Record<string, (v: number) => number> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  sqrt: Math.sqrt,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sgn: (v) => (v < 0 ? -1 : v > 0 ? 1 : v),
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  deg: (v) => (v * 180) / Math.PI,
  rad: (v) => (v * Math.PI) / 180,
};

const DATE_FUNCS = new Set(['minute', 'hour', 'day_of_week', 'day_of_month', 'day_of_year', 'days_in_month', 'month', 'year']);

function dateFunc(name: string, secs: number): number {
  if (!Number.isFinite(secs)) return NaN;
  const d = new Date(Math.trunc(secs) * 1000);
  switch (name) {
    case 'minute':
      return d.getUTCMinutes();
    case 'hour':
      return d.getUTCHours();
    case 'day_of_week':
      return d.getUTCDay();
    case 'day_of_month':
      return d.getUTCDate();
    case 'day_of_year': {
      const start = Date.UTC(d.getUTCFullYear(), 0, 1);
      return Math.floor((d.getTime() - start) / 86400000) + 1;
    }
    case 'days_in_month':
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    case 'month':
      return d.getUTCMonth() + 1;
    case 'year':
      return d.getUTCFullYear();
  }
  return NaN;
}

const RANGE_FUNCS = new Set([
  'rate',
  'increase',
  'delta',
  'irate',
  'idelta',
  'deriv',
  'predict_linear',
  'avg_over_time',
  'sum_over_time',
  'count_over_time',
  'min_over_time',
  'max_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'quantile_over_time',
  'mad_over_time',
  'last_over_time',
  'first_over_time',
  'present_over_time',
  'absent_over_time',
  'changes',
  'resets',
  'double_exponential_smoothing',
  'ts_of_first_over_time',
  'ts_of_last_over_time',
  'ts_of_max_over_time',
  'ts_of_min_over_time',
]);

/** rate/increase/delta/changes/resets over an anchored or smoothed window (Prometheus's extendedRate). */
function extendedRangeFunc(name: string, t: Float64Array, v: Float64Array, lo: number, hi: number, rangeStart: number, rangeEnd: number, rangeMs: number, smoothed: boolean): number | undefined {
  if (name === 'changes' || name === 'resets') {
    // Anchored: start from the last sample at or before the range start.
    let le = lo - 1;
    for (let k = lo; k < hi && t[k] <= rangeStart; k++) le = k;
    if (le + 1 >= hi) return undefined;
    const first = le >= lo ? le : lo;
    let c = 0;
    for (let k = first + 1; k < hi; k++) {
      if (name === 'resets') {
        if (v[k] < v[k - 1]) c++;
      } else if (!(v[k] === v[k - 1] || (v[k] !== v[k] && v[k - 1] !== v[k - 1]))) c++;
    }
    return c;
  }
  const isCounter = name !== 'delta';
  let last = hi - 1;
  // first = (index of the first sample after rangeStart among [lo, last)) - 1, at least lo.
  let firstAfter = lo;
  while (firstAfter < last && t[firstAfter] <= rangeStart) firstAfter++;
  let first = Math.max(lo, firstAfter - 1);
  if (smoothed) {
    let k = lo;
    while (k < hi - 1 && t[k] < rangeEnd) k++;
    last = k;
  }
  if (t[last] <= rangeStart) return undefined;
  if (smoothed && t[first] > rangeEnd) return undefined;
  const interp = (a: number, b: number, at: number): number => {
    let y1 = v[a];
    const y2 = v[b];
    if (isCounter && y2 < y1) y1 = 0;
    return y1 + ((y2 - y1) * (at - t[a])) / (t[b] - t[a]);
  };
  const left = smoothed && t[first] < rangeStart ? interp(first, first + 1, rangeStart) : v[first];
  const right = smoothed && last > lo && t[last] > rangeEnd ? interp(last - 1, last, rangeEnd) : v[last];
  let result = right - left;
  if (isCounter) {
    if (t[first] <= rangeStart) first++;
    if (t[last] >= rangeEnd) last--;
    let corr = 0;
    let prev = left;
    for (let k = first; k <= last; k++) {
      if (v[k] < prev) corr += prev;
      prev = v[k];
    }
    if (right < prev) corr += prev;
    result += corr;
  }
  if (name === 'rate') result /= rangeMs / 1000;
  return result;
}

/** One range function over the window [lo, hi) of a series; undefined = no output at this step. */
function rangeFunc(
  name: string,
  t: Float64Array,
  v: Float64Array,
  lo: number,
  hi: number,
  rangeStart: number,
  rangeEnd: number,
  rangeMs: number,
  scalars: Float64Array[],
  step: number,
  resets?: Int32Array,
  /** The evaluation (step) time, where predict_linear anchors its line (not moved by `@` or offset). */
  evalTime = rangeEnd,
): number | undefined {
  const n = hi - lo;
  switch (name) {
    case 'rate':
    case 'increase':
    case 'delta': {
      if (n < 2) return undefined;
      const isCounter = name !== 'delta';
      let result = v[hi - 1] - v[lo];
      if (isCounter && (!resets || resets[hi - 1] !== resets[lo])) {
        for (let i = lo + 1; i < hi; i++) if (v[i] < v[i - 1]) result += v[i - 1];
      }
      const firstT = t[lo];
      const lastT = t[hi - 1];
      let durationToStart = (firstT - rangeStart) / 1000;
      let durationToEnd = (rangeEnd - lastT) / 1000;
      const sampledInterval = (lastT - firstT) / 1000;
      const avg = sampledInterval / (n - 1);
      const threshold = avg * 1.1;
      if (durationToStart >= threshold) durationToStart = avg / 2;
      if (isCounter) {
        let durationToZero = durationToStart;
        if (result > 0 && v[lo] >= 0) durationToZero = sampledInterval * (v[lo] / result);
        if (durationToZero < durationToStart) durationToStart = durationToZero;
      }
      if (durationToEnd >= threshold) durationToEnd = avg / 2;
      let factor = sampledInterval !== 0 ? (sampledInterval + durationToStart + durationToEnd) / sampledInterval : 1;
      if (name === 'rate') factor /= rangeMs / 1000;
      return result * factor;
    }
    case 'irate':
    case 'idelta': {
      if (n < 2) return undefined;
      const last = v[hi - 1];
      const prev = v[hi - 2];
      let r = name === 'irate' && last < prev ? last : last - prev;
      const dt = t[hi - 1] - t[hi - 2];
      if (dt === 0) return undefined;
      if (name === 'irate') r /= dt / 1000;
      return r;
    }
    case 'deriv': {
      if (n < 2) return undefined;
      return linearRegression(t, v, lo, hi, t[lo])[0];
    }
    case 'predict_linear': {
      if (n < 2) return undefined;
      const [slope, intercept] = linearRegression(t, v, lo, hi, evalTime);
      return slope * scalars[0][step] + intercept;
    }
    case 'sum_over_time': {
      let sum = 0;
      kc[0] = 0;
      for (let i = lo; i < hi; i++) sum = kahanInc(v[i], sum, kc);
      return sum + kc[0];
    }
    case 'avg_over_time': {
      let sum = 0;
      let mean = 0;
      let count = 0;
      let incremental = false;
      kc[0] = 0;
      for (let i = lo; i < hi; i++) {
        const f = v[i];
        count++;
        if (!incremental) {
          const saved = kc[0];
          const ns = kahanInc(f, sum, kc);
          if (count === 1 || Number.isFinite(ns) || ns !== ns) {
            sum = ns;
            continue;
          }
          kc[0] = saved;
          incremental = true;
          mean = sum / (count - 1);
          kc[0] /= count - 1;
        }
        const q = (count - 1) / count;
        kc[0] = q * kc[0];
        mean = kahanInc(f / count, q * mean, kc);
      }
      if (incremental) return mean + kc[0];
      return sum / count + kc[0] / count;
    }
    case 'count_over_time':
      return n;
    case 'present_over_time':
      return 1;
    case 'last_over_time':
      return v[hi - 1];
    case 'first_over_time':
      return v[lo];
    case 'ts_of_last_over_time':
      return t[hi - 1] / 1000;
    case 'ts_of_first_over_time':
      return t[lo] / 1000;
    case 'max_over_time':
    case 'ts_of_max_over_time': {
      let m = v[lo];
      let mt = t[lo];
      for (let i = lo; i < hi; i++) {
        if (v[i] > m || m !== m || (name === 'ts_of_max_over_time' && v[i] >= m)) {
          if (v[i] === v[i] || m !== m) {
            m = v[i];
            mt = t[i];
          }
        }
      }
      return name === 'max_over_time' ? m : mt / 1000;
    }
    case 'min_over_time':
    case 'ts_of_min_over_time': {
      let m = v[lo];
      let mt = t[lo];
      for (let i = lo; i < hi; i++) {
        if (v[i] < m || m !== m || (name === 'ts_of_min_over_time' && v[i] <= m)) {
          if (v[i] === v[i] || m !== m) {
            m = v[i];
            mt = t[i];
          }
        }
      }
      return name === 'min_over_time' ? m : mt / 1000;
    }
    case 'stddev_over_time':
    case 'stdvar_over_time': {
      let count = 0;
      let mean = 0;
      let aux = 0;
      const cm = new Float64Array(1);
      const ca = new Float64Array(1);
      for (let i = lo; i < hi; i++) {
        count++;
        const delta = v[i] - (mean + cm[0]);
        mean = kahanInc(delta / count, mean, cm);
        aux = kahanInc(delta * (v[i] - (mean + cm[0])), aux, ca);
      }
      const variance = (aux + ca[0]) / count;
      return name === 'stddev_over_time' ? Math.sqrt(variance) : variance;
    }
    case 'quantile_over_time':
      return quantileOf(scalars[0][step], Array.from(v.subarray(lo, hi)));
    case 'mad_over_time': {
      const vals = Array.from(v.subarray(lo, hi));
      if (vals.some((x) => x !== x)) return NaN;
      const median = quantileOf(0.5, vals);
      return quantileOf(
        0.5,
        vals.map((x) => Math.abs(x - median)),
      );
    }
    case 'changes': {
      let c = 0;
      for (let i = lo + 1; i < hi; i++) {
        const cur = v[i];
        const prev = v[i - 1];
        if (!(cur === prev || (cur !== cur && prev !== prev))) c++;
      }
      return c;
    }
    case 'resets': {
      let c = 0;
      for (let i = lo + 1; i < hi; i++) if (v[i] < v[i - 1]) c++;
      return c;
    }
    case 'double_exponential_smoothing': {
      if (n < 2) return undefined;
      const sf = scalars[0][step];
      const tf = scalars[1][step];
      let s0 = 0;
      let s1 = v[lo];
      let b = v[lo + 1] - v[lo];
      for (let i = 1; i < n; i++) {
        const x = sf * v[lo + i];
        if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
        const y = (1 - sf) * (s1 + b);
        s0 = s1;
        s1 = x + y;
      }
      return s1;
    }
  }
  void compareValuesNaNFirst;
  return undefined;
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

/** Go's `FloatHistogram.String()`: `{count:20, sum:10, [-2,-1):2, [-0.001,0.001]:2, (0.5,1]:1}` (non-empty buckets). */
function histogramString(h: FloatHistogram): string {
  let out = `{count:${formatG(h.count)}, sum:${formatG(h.sum)}`;
  for (const b of h.buckets()) {
    if (b.count === 0) continue;
    const neg = !b.zero && b.upper <= 0 && !h.usesCustomBuckets();
    const open = b.zero || neg ? '[' : '(';
    const close = b.zero ? ']' : neg ? ')' : ']';
    out += `, ${open}${formatG(b.lower)},${formatG(b.upper)}${close}:${formatG(b.count)}`;
  }
  return out + '}';
}

/**
 * sum_over_time/avg_over_time of histograms field by field (count, sum, zero bucket, every bucket) with the float
 * functions' arithmetic (Kahan summation, incremental mean on overflow), after bringing all to one schema.
 * Undefined when the custom bounds differ (the reconciling addition handles those).
 */
function fieldwiseOverTime(name: string, win: FloatHistogram[]): FloatHistogram | undefined {
  const custom = win[0].usesCustomBuckets();
  if (win.some((h) => h.usesCustomBuckets() !== custom)) throw new HistogramOpError('mixed');
  if (custom) {
    const cv = win[0].customValues!;
    if (win.some((h) => h.customValues!.length !== cv.length || h.customValues!.some((x, i) => x !== cv[i]))) return undefined;
  }
  const minSchema = Math.min(...win.map((h) => h.schema));
  let hs = custom ? win : win.map((h) => h.copyToSchema(minSchema));
  const zt = Math.max(...hs.map((h) => h.zeroThreshold));
  if (hs.some((h) => h.zeroThreshold !== zt)) {
    hs = hs.map((h) => {
      const c = h.copy();
      c.widenZero(zt);
      return c;
    });
    if (hs.some((h) => h.zeroThreshold !== hs[0].zeroThreshold)) return undefined;
  }
  const n = hs.length;
  const t = new Float64Array(n);
  const vals = new Float64Array(n);
  const f = (get: (h: FloatHistogram) => number): number => {
    for (let k = 0; k < n; k++) vals[k] = get(hs[k]);
    return rangeFunc(name, t, vals, 0, n, 0, 0, 0, [], 0, undefined) ?? NaN;
  };
  const side = (off: (h: FloatHistogram) => number, arr: (h: FloatHistogram) => number[]): [number, number[]] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const h of hs) {
      if (arr(h).length === 0) continue;
      lo = Math.min(lo, off(h));
      hi = Math.max(hi, off(h) + arr(h).length);
    }
    if (lo === Infinity) return [0, []];
    const out: number[] = [];
    for (let i = lo; i < hi; i++) out.push(f((h) => arr(h)[i - off(h)] ?? 0));
    return [lo, out];
  };
  const r = hs[0].copy();
  r.count = f((h) => h.count);
  r.sum = f((h) => h.sum);
  r.zeroCount = f((h) => h.zeroCount);
  [r.pOff, r.pos] = side((h) => h.pOff, (h) => h.pos);
  [r.nOff, r.neg] = side((h) => h.nOff, (h) => h.neg);
  r.hint = hs.map((h) => h.hint).reduce(mergeHints);
  return r.compact();
}
