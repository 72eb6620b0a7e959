import { Labels, compareStrings, type Matcher, type SampleBatch } from '../../model/index.js';
import type { Querier, SelectHints, Series } from '../storage-api/interface.js';

/** Two sorted sample batches merged by time; on equal timestamps the first batch (the ingester's) wins. */
export function mergeSampleBatches(a: SampleBatch, b: SampleBatch): SampleBatch {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const t = new Float64Array(a.length + b.length);
  const v = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a.t[i] <= b.t[j])) {
      if (j < b.length && a.t[i] === b.t[j]) j++;
      t[n] = a.t[i];
      v[n++] = a.v[i++];
    } else {
      t[n] = b.t[j];
      v[n++] = b.v[j++];
    }
  }
  return { t: t.subarray(0, n), v: v.subarray(0, n), length: n };
}

class PairSeries implements Series {
  constructor(
    readonly labels: Labels,
    private readonly a: Series,
    private readonly b: Series,
  ) {}

  samples(mint: number, maxt: number): SampleBatch {
    return mergeSampleBatches(this.a.samples(mint, maxt), this.b.samples(mint, maxt));
  }
}

/**
 * The querier's view of a tenant: the ingester (head + local blocks) merged with the bucket blocks, series matched
 * by labels, overlapping samples deduplicated (what was shipped and is still local is returned once).
 */
export class MergeQuerier implements Querier {
  constructor(
    private readonly primary: Querier,
    private readonly secondary: Querier,
  ) {}

  async select(matchers: readonly Matcher[], hints: SelectHints, sorted?: boolean): Promise<Series[]> {
    const inner: SelectHints = { ...hints, limit: 0 };
    const [a, b] = await Promise.all([this.primary.select(matchers, inner, false), this.secondary.select(matchers, inner, false)]);
    const byKey = new Map<string, Series>();
    for (const s of a) byKey.set(s.labels.flat.join('\xff'), s);
    for (const s of b) {
      const k = s.labels.flat.join('\xff');
      const e = byKey.get(k);
      byKey.set(k, e ? new PairSeries(e.labels, e, s) : s);
    }
    let out = [...byKey.values()];
    if (sorted || (hints.limit && hints.limit > 0)) out.sort((x, y) => Labels.compare(x.labels, y.labels));
    if (hints.limit && hints.limit > 0 && out.length > hints.limit) out = out.slice(0, hints.limit);
    return out;
  }

  async labelNames(matchers: readonly Matcher[], limit?: number): Promise<string[]> {
    const [a, b] = await Promise.all([this.primary.labelNames(matchers), this.secondary.labelNames(matchers)]);
    return mergeStrings(a, b, limit);
  }

  async labelValues(name: string, matchers: readonly Matcher[], limit?: number): Promise<string[]> {
    const [a, b] = await Promise.all([this.primary.labelValues(name, matchers), this.secondary.labelValues(name, matchers)]);
    return mergeStrings(a, b, limit);
  }

  close(): void {
    this.primary.close();
    this.secondary.close();
  }
}

function mergeStrings(a: string[], b: string[], limit?: number): string[] {
  const out = [...new Set([...a, ...b])].sort(compareStrings);
  return limit && limit > 0 ? out.slice(0, limit) : out;
}
