import { Labels, compareStrings, type Matcher, type SampleBatch } from '../../model/index.js';
import type { Querier, SelectHints, Series } from '../storage-api/interface.js';
import type { Block } from './block.js';
import type { ChunkRef, Head } from './head.js';
import { postingsForMatchersSliced } from './postings.js';
import { isOutOfOrderBlock } from './ooo-ingest.js';
import { dropDeleted } from './tombstones.js';
import { decodeXorChunk } from './xor-chunk.js';
import { SampleSlab } from './sample-slab.js';
import { samplesWithHistograms } from './histogram-samples.js';
import { DEFAULT_INGEST_SLICE_MS, QUERY_LANE, TimeSlicer } from '../../lib/time-slice.js';
import { sortSliced } from '../../lib/sliced-sort.js';

type ChunkSource = (mint: number, maxt: number) => ChunkRef[];

const EMPTY = new Float64Array(0);
const NO_CHUNKS: readonly ChunkRef[] = [];

const slab = new SampleSlab();

function markOutOfOrder(src: ChunkSource): ChunkSource {
  return (lo, hi) => src(lo, hi).map((c) => ({ ...c, ooo: true }));
}

/** Not labels.key(): that caches the key string on the (long-lived) head series' labels. */
function seriesKey(labels: Labels): string {
  return labels.flat.join('\xff');
}

/**
 * A series seen through the head and any number of blocks. Samples are decoded from the chunks on demand into
 * columnar Float64Arrays; overlapping sources are merged by time with duplicates removed.
 */
export class MergedSeries implements Series {
  constructor(
    readonly labels: Labels,
    /** Block sources, asked per call. */
    private readonly sources: ChunkSource[],
    /** The head's chunks, snapshotted when the querier selected the series. */
    private readonly headChunks: readonly ChunkRef[] = NO_CHUNKS,
  ) {}

  /** The chunks overlapping [mint, maxt], in decoding order. */
  private chunksIn(mint: number, maxt: number): ChunkRef[] {
    const head = this.headChunks;
    let chunks: ChunkRef[];
    if (this.sources.length === 0 && head.length === 1 && head[0].maxT >= mint && head[0].minT <= maxt) {
      chunks = head as ChunkRef[]; // one open head chunk: the common case of a recent-data query
    } else {
      chunks = [];
      for (const src of this.sources) for (const c of src(mint, maxt)) chunks.push(c);
      for (const c of head) if (c.maxT >= mint && c.minT <= maxt) chunks.push(c);
    }
    // Out-of-order head chunks before the in-order ones: the first sample decoded wins a timestamp tie, and as in
    // Prometheus 2.42 the out-of-order sample is the one a query returns.
    if (chunks.length > 1) chunks.sort((a, b) => (b.ooo ? 1 : 0) - (a.ooo ? 1 : 0) || a.minT - b.minT);
    return chunks;
  }

  xorChunks(mint: number, maxt: number): readonly ChunkRef[] | undefined {
    const chunks = this.chunksIn(mint, maxt);
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i];
      if (c.encoding !== undefined || c.deleted || c.ooo || (i > 0 && c.minT <= chunks[i - 1].maxT)) return undefined;
    }
    return chunks;
  }

  samples(mint: number, maxt: number): SampleBatch {
    const chunks = this.chunksIn(mint, maxt);
    if (chunks.length === 0) return { t: EMPTY, v: EMPTY, length: 0 };
    for (const c of chunks) if (c.encoding !== undefined) return samplesWithHistograms(chunks, mint, maxt);
    let total = 0;
    let overlapping = false;
    for (let i = 0; i < chunks.length; i++) {
      total += chunks[i].n;
      if (i > 0 && chunks[i].minT <= chunks[i - 1].maxT) overlapping = true;
    }
    const base = slab.reserve(total);
    let t = slab.t;
    let v = slab.v;
    let off = base;
    for (const c of chunks) {
      const k = decodeXorChunk(c.data, t, v, off, c.n);
      off = c.deleted ? dropDeleted(t, v, off, k, c.deleted) : off + k;
    }
    let lo0 = base;
    let n = off;
    if (overlapping) {
      const order: number[] = [];
      for (let i = base; i < n; i++) order.push(i);
      const tt = t;
      order.sort((a, b) => tt[a] - tt[b] || a - b);
      const t2 = new Float64Array(order.length);
      const v2 = new Float64Array(order.length);
      let m = 0;
      for (const i of order) {
        if (m > 0 && t2[m - 1] === t[i]) continue;
        t2[m] = t[i];
        v2[m] = v[i];
        m++;
      }
      t = t2;
      v = v2;
      lo0 = 0;
      n = m;
    }
    // first index with t >= mint
    let a = lo0;
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

  /**
   * The series matching `matchers` with data in the querier's range. A selection of many series (federation of
   * everything, a `{__name__=~".+"}` query) takes turns with ingest and other requests: it yields on the query lane
   * every slice, between series and in its sort. Each series' chunks are snapshotted when it is visited, so appends
   * committed during a yield are seen in the series visited after it, as samples appended while a query reads its
   * series already were.
   */
  async select(matchers: readonly Matcher[], hints: SelectHints, sorted?: boolean): Promise<Series[]> {
    // The head is not truncated until this selection has snapshotted every series' chunks (see `pendingReaders`).
    if (this.head) this.head.pendingReaders++;
    try {
      return await this.selectSliced(matchers, hints, sorted);
    } finally {
      if (this.head) this.head.pendingReaders--;
    }
  }

  private async selectSliced(matchers: readonly Matcher[], hints: SelectHints, sorted?: boolean): Promise<Series[]> {
    const mint = this.mint;
    const maxt = this.maxt;
    const slicer = new TimeSlicer(DEFAULT_INGEST_SLICE_MS, 64, QUERY_LANE);
    // Series from blocks (and the head, when blocks contributed) are merged by their label set; a head-only query
    // (the common case: recent data) has unique series and skips the keyed map.
    const bySeries = new Map<string, { labels: Labels; sources: ChunkSource[]; head: readonly ChunkRef[] }>();
    for (const block of this.blocks) {
      const ids = await postingsForMatchersSliced(block, matchers, slicer);
      if (ids.length === 0) continue;
      for (const bs of block.readSeries(ids)) {
        if (slicer.due()) await slicer.yieldNow();
        if (!block.hasVisibleChunk(bs, mint, maxt)) continue;
        let src: ChunkSource = (lo, hi) => block.chunksIn(bs, Math.max(lo, mint), Math.min(hi, maxt));
        // A block cut from the out-of-order head: its chunks win a timestamp tie, as the out-of-order head's do.
        if (isOutOfOrderBlock(block.meta)) src = markOutOfOrder(src);
        const k = seriesKey(bs.labels);
        const e = bySeries.get(k);
        if (e) e.sources.push(src);
        else bySeries.set(k, { labels: bs.labels, sources: [src], head: NO_CHUNKS });
      }
    }
    // A head-only query (recent data, the common case) has unique series: no keyed merge needed.
    let out: MergedSeries[] = [];
    const fromBlocks = bySeries.size > 0;
    const head = this.head;
    const refs = head ? await postingsForMatchersSliced(head, matchers, slicer) : [];
    for (let i = 0; i < refs.length; i++) {
      if (slicer.due()) await slicer.yieldNow();
      const s = head!.get(refs[i]);
      if (s === undefined || ((s.minT > maxt || s.maxT < mint) && s.ooo === null)) continue;
      // Snapshot the chunk list now: a later head truncation moves data to a block this querier does not see.
      const snap = s.chunksIn(mint, maxt);
      s.ooo?.chunksIn(mint, maxt, snap);
      if (snap.length === 0) continue;
      const e = fromBlocks ? bySeries.get(seriesKey(s.labels)) : undefined;
      if (e) e.head = snap;
      else out.push(new MergedSeries(s.labels, [], snap));
    }
    for (const e of bySeries.values()) out.push(new MergedSeries(e.labels, e.sources, e.head));
    if (sorted || (hints.limit && hints.limit > 0)) out = await sortSliced(out, (a, b) => Labels.compare(a.labels, b.labels), slicer);
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
