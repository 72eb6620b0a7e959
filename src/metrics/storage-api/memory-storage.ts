import { AppendError, type Appendable, type Appender, type Querier, type Queryable, type Series, type SelectHints, type SeriesRef } from './interface.js';
import { Labels, compareStrings, type Exemplar, type FloatHistogram, type Matcher, type MetricMetadata, type SampleBatch } from '../../model/index.js';

/**
 * A simple in-memory storage with no durability: growable typed arrays per series, a linear scan for selection.
 * For tests that need data without a TSDB (the promqltest runner, API tests); the TSDB is the real store.
 */
class MemSeries implements Series {
  t = new Float64Array(16);
  v = new Float64Array(16);
  n = 0;
  /** Native histogram samples parallel to t/v; allocated on the first histogram. */
  h: (FloatHistogram | undefined)[] | undefined;
  /** Time of the last sample appended (committed or pending), for the out-of-order check. */
  lastT = -Infinity;
  ref = 0;

  constructor(readonly labels: Labels) {}

  push(t: number, v: number, h?: FloatHistogram): void {
    if (h && !this.h) this.h = new Array<FloatHistogram | undefined>(this.n).fill(undefined);
    if (this.h) this.h[this.n] = h;
    if (this.n === this.t.length) {
      const t2 = new Float64Array(this.n * 2);
      const v2 = new Float64Array(this.n * 2);
      t2.set(this.t);
      v2.set(this.v);
      this.t = t2;
      this.v = v2;
    }
    this.t[this.n] = t;
    this.v[this.n] = v;
    this.n++;
  }

  samples(mint: number, maxt: number): SampleBatch {
    let lo = 0;
    while (lo < this.n && this.t[lo] < mint) lo++;
    let hi = lo;
    while (hi < this.n && this.t[hi] <= maxt) hi++;
    return { t: this.t.subarray(lo, hi), v: this.v.subarray(lo, hi), length: hi - lo, h: this.h?.slice(lo, hi) };
  }
}

export class MemoryStorage implements Queryable, Appendable {
  private readonly series = new Map<string, MemSeries>();
  private readonly byRef: MemSeries[] = [];

  clear(): void {
    this.series.clear();
    this.byRef.length = 0;
  }

  appender(): Appender {
    const pending: { s: MemSeries; t: number; v: number; h?: FloatHistogram }[] = [];
    const touched = new Set<MemSeries>();
    const getSeries = (ref: SeriesRef, labels: Labels): [MemSeries, SeriesRef] => {
      if (ref > 0 && this.byRef[ref - 1]) return [this.byRef[ref - 1], ref];
      let s = this.series.get(labels.key());
      if (!s) {
        s = new MemSeries(labels);
        this.series.set(labels.key(), s);
        this.byRef.push(s);
        s.ref = this.byRef.length;
      }
      return [s, s.ref];
    };
    return {
      append: (ref, labels, t, v) => {
        const [s, r] = getSeries(ref, labels);
        if (t < s.lastT) throw new AppendError('out_of_order', 'out of order sample');
        s.lastT = t;
        touched.add(s);
        pending.push({ s, t, v });
        return r;
      },
      appendHistogram: (ref, labels, t, h) => {
        const [s, r] = getSeries(ref, labels);
        if (t < s.lastT) throw new AppendError('out_of_order', 'out of order sample');
        s.lastT = t;
        touched.add(s);
        pending.push({ s, t, v: 0, h });
        return r;
      },
      appendExemplar: (ref: SeriesRef, labels: Labels, _e: Exemplar) => getSeries(ref, labels)[1],
      updateMetadata: (ref: SeriesRef, labels: Labels, _m: MetricMetadata) => getSeries(ref, labels)[1],
      commit: async () => {
        for (const p of pending) {
          if (p.s.n > 0 && p.s.t[p.s.n - 1] === p.t) {
            p.s.v[p.s.n - 1] = p.v;
            if (p.h && !p.s.h) p.s.h = new Array<FloatHistogram | undefined>(p.s.n).fill(undefined);
            if (p.s.h) p.s.h[p.s.n - 1] = p.h;
          } else {
            let h = p.h;
            if (h && h.hint !== 'gauge') {
              // As the TSDB's chunks mark them: a histogram following a histogram without a counter reset is
              // not_reset; one after a detected reset is reset (engines may read that back as unknown); the first unknown.
              const prev = p.s.n > 0 ? p.s.h?.[p.s.n - 1] : undefined;
              const hint = !prev || prev.hint === 'gauge' ? 'unknown' : h.detectReset(prev) ? 'reset' : 'not_reset';
              if (hint !== h.hint) {
                h = h.copy();
                h.hint = hint;
              }
            }
            p.s.push(p.t, p.v, h);
          }
        }
        pending.length = 0;
        touched.clear();
      },
      rollback: () => {
        for (const s of touched) s.lastT = s.n > 0 ? s.t[s.n - 1] : -Infinity;
        touched.clear();
        pending.length = 0;
      },
    };
  }

  async querier(mint: number, maxt: number): Promise<Querier> {
    const all = [...this.series.values()];
    const inRange = (s: MemSeries) => s.n > 0 && s.t[0] <= maxt && s.t[s.n - 1] >= mint;
    const matching = (ms: readonly Matcher[]) => all.filter((s) => inRange(s) && ms.every((m) => m.matches(s.labels.get(m.name))));
    return {
      select: async (ms: readonly Matcher[], _hints: SelectHints, sorted?: boolean) => {
        const out: Series[] = matching(ms);
        if (sorted) out.sort((a, b) => Labels.compare(a.labels, b.labels));
        return out;
      },
      labelNames: async (ms: readonly Matcher[]) => {
        const names = new Set<string>();
        for (const s of matching(ms)) s.labels.forEach((n) => names.add(n));
        return [...names].sort(compareStrings);
      },
      labelValues: async (name: string, ms: readonly Matcher[]) => {
        const values = new Set<string>();
        for (const s of matching(ms)) {
          const v = s.labels.get(name);
          if (v !== '') values.add(v);
        }
        return [...values].sort(compareStrings);
      },
      close: () => {},
    };
  }
}
