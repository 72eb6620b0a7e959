import { Labels, compareStrings, type Matcher, type SampleBatch } from '../../model/index.js';
import type { Querier, SelectHints, Series } from '../storage-api/interface.js';
import type { Block } from './block.js';
import type { ChunkRef, Head } from './head.js';
import { postingsForMatchers } from './postings.js';
import { dropDeleted } from './tombstones.js';
import { decodeXorChunk } from './xor-chunk.js';

type ChunkSource = (mint: number, maxt: number) => ChunkRef[];

const EMPTY = new Float64Array(0);
const SLAB = 1 << 16;

/**
 * Decoded samples of many series share large backing buffers: a query touching 100k series would otherwise allocate
 * 200k small ArrayBuffers. A slab lives as long as any batch cut from it.
 */
class SampleSlab {
  private t = new Float64Array(SLAB);
  private v = new Float64Array(SLAB);
  private used = 0;

  take(n: number): [Float64Array, Float64Array] {
    if (n > SLAB >> 2) return [new Float64Array(n), new Float64Array(n)];
    if (this.used + n > SLAB) {
      this.t = new Float64Array(SLAB);
      this.v = new Float64Array(SLAB);
      this.used = 0;
    }
    const a = this.used;
    this.used += n;
    return [this.t.subarray(a, a + n), this.v.subarray(a, a + n)];
  }
}

const slab = new SampleSlab();

/**
 * A series seen through the head and any number of blocks. Samples are decoded from the chunks on demand into
 * columnar Float64Arrays; overlapping sources are merged by time with duplicates removed.
 */
export class MergedSeries implements Series {
  constructor(
    readonly labels: Labels,
    private readonly sources: ChunkSource[],
  ) {}

  samples(mint: number, maxt: number): SampleBatch {
    const chunks: ChunkRef[] = [];
    for (const src of this.sources) for (const c of src(mint, maxt)) chunks.push(c);
    if (chunks.length === 0) return { t: EMPTY, v: EMPTY, length: 0 };
    if (chunks.length > 1) chunks.sort((a, b) => a.minT - b.minT);
    let total = 0;
    let overlapping = false;
    for (let i = 0; i < chunks.length; i++) {
      total += chunks[i].n;
      if (i > 0 && chunks[i].minT <= chunks[i - 1].maxT) overlapping = true;
    }
    let [t, v] = slab.take(total);
    let off = 0;
    for (const c of chunks) {
      const k = decodeXorChunk(c.data, t, v, off, c.n);
      off = c.deleted ? dropDeleted(t, v, off, k, c.deleted) : off + k;
    }
    let n = off;
    if (overlapping) {
      const order = new Uint32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      const tt = t;
      const sortedIdx = Array.from(order).sort((a, b) => tt[a] - tt[b] || a - b);
      const t2 = new Float64Array(n);
      const v2 = new Float64Array(n);
      let m = 0;
      for (const i of sortedIdx) {
        if (m > 0 && t2[m - 1] === t[i]) continue;
        t2[m] = t[i];
        v2[m] = v[i];
        m++;
      }
      t = t2;
      v = v2;
      n = m;
    }
    // first index with t >= mint
    let a = 0;
    let b = n;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (t[mid] < mint) a = mid + 1;
      else b = mid;
    }
    const lo = a;
    a = lo;
    b = n;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (t[mid] <= maxt) a = mid + 1;
      else b = mid;
    }
    const hi = a;
    return { t: t.subarray(lo, hi), v: v.subarray(lo, hi), length: hi - lo };
  }
}

/**
 * Queries the head (when given) and the blocks overlapping [mint, maxt] as one store. Blocks are acquired here
 * unless the caller already holds them (`acquireBlocks` false); `close()` releases them either way.
 */
export class TsdbQuerier implements Querier {
  private closed = false;

  constructor(
    private readonly head: Head | undefined,
    private readonly blocks: Block[],
    readonly mint: number,
    readonly maxt: number,
    acquireBlocks = true,
  ) {
    if (acquireBlocks) for (const b of blocks) b.acquire();
  }

  async select(matchers: readonly Matcher[], hints: SelectHints, sorted?: boolean): Promise<Series[]> {
    const mint = this.mint;
    const maxt = this.maxt;
    const bySeries = new Map<string, { labels: Labels; sources: ChunkSource[] }>();
    const add = (labels: Labels, src: ChunkSource) => {
      // Not labels.key(): that caches the key string on the (long-lived) head series' labels.
      const k = labels.flat.join('\xff');
      const e = bySeries.get(k);
      if (e) e.sources.push(src);
      else bySeries.set(k, { labels, sources: [src] });
    };
    for (const block of this.blocks) {
      const ids = postingsForMatchers(block, matchers);
      if (ids.length === 0) continue;
      for (const bs of block.readSeries(ids)) {
        if (!block.hasVisibleChunk(bs, mint, maxt)) continue;
        add(bs.labels, (lo, hi) => block.chunksIn(bs, Math.max(lo, mint), Math.min(hi, maxt)));
      }
    }
    const head = this.head;
    const refs = head ? postingsForMatchers(head, matchers) : [];
    for (let i = 0; i < refs.length; i++) {
      const s = head!.get(refs[i]);
      if (s === undefined || s.minT > maxt || s.maxT < mint) continue;
      // Snapshot the chunk list now: a later head truncation moves data to a block this querier does not see.
      const snap = s.chunksIn(mint, maxt);
      if (snap.length === 0) continue;
      add(s.labels, (lo, hi) => snap.filter((c) => c.maxT >= lo && c.minT <= hi));
    }
    let out: MergedSeries[] = [];
    for (const e of bySeries.values()) out.push(new MergedSeries(e.labels, e.sources));
    if (sorted || (hints.limit && hints.limit > 0)) out.sort((a, b) => Labels.compare(a.labels, b.labels));
    if (hints.limit && hints.limit > 0 && out.length > hints.limit) out = out.slice(0, hints.limit);
    return out;
  }

  async labelNames(matchers: readonly Matcher[], limit?: number): Promise<string[]> {
    const names = new Set<string>();
    if (matchers.length === 0) {
      if (this.head) for (const n of this.head.labelNames()) names.add(n);
      for (const b of this.blocks) for (const n of b.labelNames()) names.add(n);
    } else {
      for (const s of await this.select(matchers, { start: this.mint, end: this.maxt, func: 'series' })) s.labels.forEach((n) => names.add(n));
    }
    const out = [...names].sort(compareStrings);
    return limit && limit > 0 ? out.slice(0, limit) : out;
  }

  async labelValues(name: string, matchers: readonly Matcher[], limit?: number): Promise<string[]> {
    const values = new Set<string>();
    if (matchers.length === 0) {
      if (this.head) for (const v of this.head.labelValuesFor(name)) values.add(v);
      for (const b of this.blocks) for (const v of b.labelValuesFor(name)) values.add(v);
    } else {
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
