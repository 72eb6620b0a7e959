import { FloatHistogram } from '../../model/index.js';
import { aggregate } from './aggregation/aggregate.js';
import type { DurationExpr, Expr } from './ast.js';
import { evalBinary } from './binary/binary.js';
import { goPow } from './binary/scalar-ops.js';
import { callFunction } from './functions/function-calls.js';
import { loadMatrix } from './matrix-selector.js';
import { lineCol } from './parser.js';
import { TOO_MANY_SAMPLES, type QueryContext } from './query-context.js';
import { evalSubquery } from './subquery.js';
import { PromqlError } from './types.js';
import type { StepSeries, Value } from './values.js';
import { evalVectorSelector } from './vector-selector.js';

export { TOO_MANY_SAMPLES, type QueryContext } from './query-context.js';

/**
 * The evaluator of one query over its steps (or of one subquery over its own steps): limits and annotations,
 * durations, and the dispatch of each expression kind to its part (selectors, subqueries, functions,
 * aggregations, binary operators). The parts are functions of the evaluator in their own files.
 */
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

  /** An evaluator over other steps sharing this query's context (a subquery's); stats decoding does not carry over. */
  child(start: number, end: number, interval: number): Evaluator {
    return new Evaluator(this.ctx, start, end, interval);
  }

  // ---- limits and annotations ----

  checkTime(): void {
    if ((++this.checkCounter & 63) !== 0) return;
    this.checkNow();
  }

  checkNow(): void {
    if (this.ctx.signal?.aborted) {
      // The API aborts with 'timeout' when the query's deadline passes, with anything else when its client went away.
      if (this.ctx.signal.reason === 'timeout') throw new PromqlError('timeout', 'query timed out in expression evaluation');
      throw new PromqlError('canceled', 'query was canceled in expression evaluation');
    }
    if (Date.now() > this.ctx.deadline) throw new PromqlError('timeout', 'query timed out in expression evaluation');
  }

  /** Yield to the event loop once this query has held it for its time slice; then check deadline and cancellation. */
  async pause(): Promise<void> {
    const slice = this.ctx.slice;
    if (!slice?.due()) return;
    await slice.yieldNow();
    this.checkNow();
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

  atTime(at: number | null, atMod: 'start' | 'end' | null): number | null {
    if (atMod === 'start') return this.ctx.queryStart;
    if (atMod === 'end') return this.ctx.queryEnd;
    return at;
  }


  /**
   * Inside histogram_count/histogram_sum/histogram_avg Prometheus reads histograms with its stats iterator, which
   * reports detected counter resets as `reset`; elsewhere a stored reset hint reads back as unknown
   * (prometheus/prometheus#15346).
   */
  statsDecoding = false;

  readHint(h: FloatHistogram | undefined): FloatHistogram | undefined {
    if (!h || h.hint !== 'reset' || this.statsDecoding) return h;
    return Object.assign(h.copy(), { hint: 'unknown' as const });
  }

  /** The warning Prometheus gives when an aggregation adds a `reset` and a `not_reset` histogram. */
  conflictingResets(list: readonly FloatHistogram[], e: Expr): void {
    let reset = false;
    let notReset = false;
    for (const h of list) {
      if (h.hint === 'reset') reset = true;
      else if (h.hint === 'not_reset') notReset = true;
    }
    if (reset && notReset) this.warn('conflicting counter resets during histogram aggregation', e);
  }

  /** The binary expression being evaluated (position of its annotations). */
  opExpr: Expr | null = null;

  /** The info Prometheus gives when differing custom bucket bounds were reconciled by the last operations. */
  reconcileInfo(what: 'addition' | 'subtraction' | 'aggregation', e: Expr | null): void {
    if (!FloatHistogram.reconciled) return;
    FloatHistogram.reconciled = false;
    if (e) this.info(`mismatched custom buckets were reconciled during ${what}`, e);
  }

  // ---- evaluation ----

  async eval(e: Expr): Promise<Value> {
    this.checkNow();
    await this.pause();
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
        return { type: 'vector', series: await evalVectorSelector(this, e) };
      case 'matrix':
        return { type: 'matrix', m: await loadMatrix(this, e) };
      case 'subquery':
        return { type: 'matrix', m: await evalSubquery(this, e) };
      case 'call':
        return callFunction(this, e);
      case 'aggregate':
        return aggregate(this, e);
      case 'binary':
        return evalBinary(this, e);
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
}
