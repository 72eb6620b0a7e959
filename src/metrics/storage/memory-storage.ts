import { AppendError, type Appendable, type Appender, type Querier, type Queryable, type Series, type SelectHints, type SeriesRef } from './interface.js';
import { Labels, compareStrings, type Exemplar, type Matcher, type MetricMetadata, type SampleBatch } from '../model/index.js';

/**
 * A simple in-memory storage with no durability: growable typed arrays per series, a linear scan for selection.
 * For tests that need data without a TSDB (the promqltest runner, API tests); the TSDB is the real store.
 */
class MemSeries implements Series {
  t = new Float64Array(16);
  v = new Float64Array(16);
  n = 0;

  constructor(readonly labels: Labels) {}

  push(t: number, v: number): void {
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
    return { t: this.t.subarray(lo, hi), v: this.v.subarray(lo, hi), length: hi - lo };
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
    const pending: { s: MemSeries; t: number; v: number }[] = [];
    const getSeries = (ref: SeriesRef, labels: Labels): [MemSeries, SeriesRef] => {
      if (ref > 0 && this.byRef[ref - 1]) return [this.byRef[ref - 1], ref];
      let s = this.series.get(labels.key());
      if (!s) {
        s = new MemSeries(labels);
        this.series.set(labels.key(), s);
        this.byRef.push(s);
      }
      return [s, this.byRef.indexOf(s) + 1];
    };
    return {
      append: (ref, labels, t, v) => {
        const [s, r] = getSeries(ref, labels);
        const last = s.n > 0 ? s.t[s.n - 1] : -Infinity;
        const lastPending = pending.filter((p) => p.s === s).at(-1)?.t ?? -Infinity;
        if (t < Math.max(last, lastPending)) throw new AppendError('out_of_order', 'out of order sample');
        pending.push({ s, t, v });
        return r;
      },
      appendExemplar: (ref: SeriesRef, labels: Labels, _e: Exemplar) => getSeries(ref, labels)[1],
      updateMetadata: (ref: SeriesRef, labels: Labels, _m: MetricMetadata) => getSeries(ref, labels)[1],
      commit: async () => {
        for (const p of pending) {
          if (p.s.n > 0 && p.s.t[p.s.n - 1] === p.t) p.s.v[p.s.n - 1] = p.v;
          else p.s.push(p.t, p.v);
        }
        pending.length = 0;
      },
      rollback: () => {
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
