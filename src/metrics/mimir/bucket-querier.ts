import { Labels, compareStrings, type Matcher } from '../model/index.js';
import type { Querier, SelectHints, Series } from '../storage/interface.js';
import { MergedSeries, postingsForMatchers, type Block } from '../tsdb/index.js';

/**
 * A querier over bucket blocks (their cached local copies). Series present in several blocks (overlapping blocks
 * not yet compacted, or a block and its not-yet-deleted compaction sources) are merged with duplicates dropped.
 * The blocks are acquired by the caller; `close()` releases them.
 */
export class BucketBlocksQuerier implements Querier {
  private closed = false;

  constructor(
    private readonly blocks: Block[],
    readonly mint: number,
    readonly maxt: number,
  ) {}

  async select(matchers: readonly Matcher[], hints: SelectHints, sorted?: boolean): Promise<Series[]> {
    const { mint, maxt } = this;
    const bySeries = new Map<string, { labels: Labels; sources: ((lo: number, hi: number) => ReturnType<Block['chunksIn']>)[] }>();
    for (const block of this.blocks) {
      const ids = postingsForMatchers(block, matchers);
      if (ids.length === 0) continue;
      for (const bs of block.readSeries(ids)) {
        const c = bs.chunks;
        let overlaps = false;
        for (let i = 0; i < c.length && !overlaps; i += 4) overlaps = c[i + 1] >= mint && c[i] <= maxt;
        if (!overlaps) continue;
        const src = (lo: number, hi: number) => block.chunksIn(bs, Math.max(lo, mint), Math.min(hi, maxt));
        const k = bs.labels.key();
        const e = bySeries.get(k);
        if (e) e.sources.push(src);
        else bySeries.set(k, { labels: bs.labels, sources: [src] });
      }
    }
    let out: Series[] = [];
    for (const e of bySeries.values()) out.push(new MergedSeries(e.labels, e.sources));
    if (sorted || (hints.limit && hints.limit > 0)) out.sort((a, b) => Labels.compare(a.labels, b.labels));
    if (hints.limit && hints.limit > 0 && out.length > hints.limit) out = out.slice(0, hints.limit);
    return out;
  }

  async labelNames(matchers: readonly Matcher[], limit?: number): Promise<string[]> {
    const names = new Set<string>();
    if (matchers.length === 0) for (const b of this.blocks) for (const n of b.labelNames()) names.add(n);
    else for (const s of await this.select(matchers, { start: this.mint, end: this.maxt, func: 'series' })) s.labels.forEach((n) => names.add(n));
    const out = [...names].sort(compareStrings);
    return limit && limit > 0 ? out.slice(0, limit) : out;
  }

  async labelValues(name: string, matchers: readonly Matcher[], limit?: number): Promise<string[]> {
    const values = new Set<string>();
    if (matchers.length === 0) for (const b of this.blocks) for (const v of b.labelValuesFor(name)) values.add(v);
    else {
      for (const s of await this.select(matchers, { start: this.mint, end: this.maxt, func: 'series' })) {
        const v = s.labels.get(name);
        if (v !== '') values.add(v);
      }
    }
    const out = [...values].sort(compareStrings);
    return limit && limit > 0 ? out.slice(0, limit) : out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const b of this.blocks) b.releaseReader();
  }
}
