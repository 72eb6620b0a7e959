import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Labels, type Matcher } from '../../model/index.js';
import { WriteAheadLog, type ObjectStore } from '../../storage/index.js';
import { parseStreamLabels } from '../push/parse-labels.js';
import { CHUNK_ENCODINGS, chunkTs, decodeChunk, encodeChunk, type ChunkEncodingName, type DecodedChunk } from './chunk-codec.js';
import type { EntryBatch, IndexStats, LineFilterPushdown, LogQueryable, SelectRequest } from './interface.js';
import { labelsString } from './labels-string.js';
import { MemBlock } from './mem-block.js';
import { StreamIndex } from './stream-index.js';
import { decodeWalRecord, encodeWalRecord, type WalStream } from './wal-codec.js';

export interface LogStoreOptions {
  walDir: string;
  objects: ObjectStore;
  /** Key prefix in the object store (the bucket name in the seed, `loki-data`). */
  prefix: string;
  chunkTargetSize: number;
  fsyncIntervalMs: number;
  indexPeriodMs: number;
  /** Entries older than the newest of their stream by more than this are refused (too_far_behind). */
  outOfOrderWindowNs: bigint;
  logger?: Logger;
  /** A block is cut when an entry is further than this from its first entry (Loki's max_chunk_age; default 2h). */
  maxChunkAgeNs?: bigint;
  /** Flushed streams without entries newer than this leave the head (Loki's chunk_idle_period; default 30m). */
  streamIdleNs?: bigint;
  /** Chunks decompressed ahead of the one being scanned (default 2). */
  prefetchChunks?: number;
  /** Chunk compression (default deflate). */
  chunkEncoding?: ChunkEncodingName;
  /** Decoded chunks kept in memory for queries (bytes of line data). */
  chunkCacheBytes?: number;
}

/** A stream in the in-memory head. */
export interface HeadStream {
  readonly key: string;
  readonly labels: Labels;
  readonly labelsStr: string;
  newest: bigint;
  lastLine: string;
  block: MemBlock;
  /** Cut blocks waiting to be flushed to the object store. */
  sealed: MemBlock[];
}

export interface ChunkRef {
  key: string;
  minT: bigint;
  maxT: bigint;
  entries: number;
  bytes: number;
  size: number;
}

interface StoredStream {
  labels: Labels;
  chunks: ChunkRef[];
}

interface PeriodFiles {
  files: string[];
  chunks: Array<{ stream: string; ref: ChunkRef }>;
}

interface TenantState {
  head: StreamIndex<HeadStream>;
  stored: StreamIndex<StoredStream>;
  periods: Map<number, PeriodFiles>;
  /** Per period: WAL segments below this (of this WAL, `walId`) are already in flushed chunks. */
  flushedBefore: Map<number, number>;
}

/** Accepted entries of one stream, ready to be written. */
export interface StreamWrite {
  stream: HeadStream;
  ts: bigint[];
  lines: string[];
  metadata?: (Array<[string, string]> | undefined)[];
}

export type AppendListener = (tenant: string, stream: HeadStream, w: StreamWrite) => void;

interface IndexFileJson {
  /** The WAL this flush trimmed and the first segment it did not cover (absent in files written before this). */
  wal?: { id: string; before: number };
  streams: Array<{ labels: Record<string, string>; chunks: Array<{ key: string; minT: string; maxT: string; entries: number; bytes: number; size: number }> }>;
}

/**
 * The log store: WAL → in-memory head (per-tenant streams, open blocks cut at the target size) → immutable
 * compressed chunks and per-period index files in the object store. Implements `LogQueryable` over both.
 */
export class LogStore implements LogQueryable {
  private readonly tenants = new Map<string, TenantState>();
  private wal!: WriteAheadLog;
  private flushing: Promise<void> | undefined;
  private readonly listeners = new Set<AppendListener>();
  private readonly cache = new Map<string, DecodedChunk>();
  private readonly loading = new Map<string, Promise<DecodedChunk>>();
  private cacheBytes = 0;

  private constructor(private readonly opts: LogStoreOptions) {}

  get outOfOrderWindowNs(): bigint {
    return this.opts.outOfOrderWindowNs;
  }

  /** Identity of the WAL directory: segment numbers restart when it is lost, so flush marks name the WAL they mean. */
  private walId = '';

  static async open(opts: LogStoreOptions): Promise<LogStore> {
    const s = new LogStore(opts);
    s.walId = walIdentity(opts.walDir);
    await s.loadIndex();
    const { wal, stats } = WriteAheadLog.open({ dir: opts.walDir, fsyncIntervalMs: opts.fsyncIntervalMs }, (p, seg) => s.replayRecord(p, seg));
    s.wal = wal;
    opts.logger?.info({ component: 'logs', segments: stats.segments, records: stats.records, repaired: stats.repaired }, 'logs WAL replayed');
    return s;
  }

  private tenant(t: string): TenantState {
    let st = this.tenants.get(t);
    if (!st) this.tenants.set(t, (st = { head: new StreamIndex(), stored: new StreamIndex(), periods: new Map(), flushedBefore: new Map() }));
    return st;
  }

  tenantIds(): string[] {
    return [...this.tenants.keys()];
  }

  // ---- write path ----

  /** The head stream for a label set, created if new (second value true when created). */
  stream(tenant: string, labels: Labels): [HeadStream, boolean] {
    const st = this.tenant(tenant);
    const key = labels.key();
    let s = st.head.get(key);
    if (s) return [s, false];
    s = { key, labels, labelsStr: labelsString(labels), newest: -(2n ** 63n), lastLine: '', block: new MemBlock(), sealed: [] };
    st.head.add(key, s);
    return [s, true];
  }

  /** The head stream for a label set, if it exists. */
  findStream(tenant: string, labels: Labels): HeadStream | undefined {
    return this.tenants.get(tenant)?.head.get(labels.key());
  }

  /** Active (in-memory) streams of a tenant. */
  activeStreams(tenant: string): number {
    return this.tenants.get(tenant)?.head.size ?? 0;
  }

  /** How an entry relates to its stream: accepted, a duplicate of the newest (dropped silently, as Loki), or too old. */
  checkOrder(s: HeadStream, ts: bigint, line: string): 'ok' | 'duplicate' | 'too_far_behind' {
    if (ts === s.newest && line === s.lastLine) return 'duplicate';
    if (ts < s.newest - this.opts.outOfOrderWindowNs) return 'too_far_behind';
    return 'ok';
  }

  /** Oldest timestamp a stream currently accepts. */
  oldestAcceptable(s: HeadStream): bigint {
    return s.newest - this.opts.outOfOrderWindowNs;
  }

  /** Make the writes durable in the WAL (one write), then apply them to the head. Throws before the head changes. */
  write(tenant: string, writes: readonly StreamWrite[]): void {
    if (writes.length === 0) return;
    const rec: WalStream[] = writes.map((w) => ({ labels: w.stream.labelsStr, ts: w.ts, lines: w.lines, metadata: w.metadata }));
    this.wal.append(encodeWalRecord(tenant, rec));
    this.wal.flush();
    const st = this.tenant(tenant);
    for (const w of writes) {
      // A handle may outlive the stream's stay in the head (idle streams leave it after a flush): re-attach.
      let target = st.head.get(w.stream.key);
      if (!target) st.head.add(w.stream.key, (target = w.stream));
      this.applyToHead(target, w.ts, w.lines, w.metadata);
      for (const l of this.listeners) l(tenant, target, w);
    }
  }

  private applyToHead(s: HeadStream, ts: readonly bigint[], lines: readonly string[], meta?: readonly (Array<[string, string]> | undefined)[]): void {
    const maxAge = this.opts.maxChunkAgeNs ?? 7_200_000_000_000n;
    for (let i = 0; i < lines.length; i++) {
      const b = s.block;
      if (b.n > 0) {
        const d = ts[i] - b.minT;
        if (d > maxAge || -d > maxAge || this.periodOf(ts[i]) !== this.periodOf(b.minT)) {
          b.sort();
          s.sealed.push(b);
          s.block = new MemBlock();
        }
      }
      s.block.append(ts[i], lines[i], meta?.[i]);
      if (ts[i] >= s.newest) {
        s.newest = ts[i];
        s.lastLine = lines[i];
      }
      if (s.block.bytes >= this.opts.chunkTargetSize) {
        s.block.sort();
        s.sealed.push(s.block);
        s.block = new MemBlock();
      }
    }
  }

  /**
   * Replay one WAL record into the head, skipping entries a flush already wrote to chunks: a crash between writing a
   * flush's index files and trimming the WAL leaves those segments behind, and replaying them would show every entry
   * twice. Each index file records the first segment its flush did not cover; entries of that tenant and period in
   * earlier segments are skipped.
   */
  private replayRecord(p: Buffer, segment: number): void {
    const { tenant, streams } = decodeWalRecord(p);
    const fb = this.tenants.get(tenant)?.flushedBefore;
    for (const ws of streams) {
      let { ts, lines, metadata } = ws;
      if (fb && fb.size > 0) {
        const keep: number[] = [];
        for (let i = 0; i < ts.length; i++) if (!(segment < (fb.get(this.periodOf(ts[i])) ?? -1))) keep.push(i);
        if (keep.length === 0) continue;
        if (keep.length < ts.length) {
          ts = keep.map((i) => ws.ts[i]);
          lines = keep.map((i) => ws.lines[i]);
          metadata = ws.metadata ? keep.map((i) => ws.metadata![i]) : undefined;
        }
      }
      const [s] = this.stream(tenant, parseStreamLabels(ws.labels).labels);
      this.applyToHead(s, ts, lines, metadata);
    }
  }

  onAppend(l: AppendListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  // ---- flush, index, retention ----

  /** Cut every head block, write chunks and an index file per tenant and period, then drop the WAL before the cut. */
  flush(): Promise<void> {
    this.flushing ??= this.doFlush().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async doFlush(): Promise<void> {
    const seg = this.wal.cut();
    const work: Array<{ tenant: string; stream: HeadStream; blocks: MemBlock[] }> = [];
    for (const [tenant, st] of this.tenants) {
      for (const s of st.head.streams.values()) {
        if (s.block.n > 0) {
          s.block.sort();
          s.sealed.push(s.block);
          s.block = new MemBlock();
        }
        if (s.sealed.length > 0) work.push({ tenant, stream: s, blocks: [...s.sealed] });
      }
    }
    const byTenantPeriod = new Map<string, Map<number, Array<{ stream: HeadStream; ref: ChunkRef; block: MemBlock }>>>();
    for (const w of work) {
      for (const b of w.blocks) {
        const data = await encodeChunk({ ts: b.ts.subarray(0, b.n), lines: b.lines, metadata: b.metadata }, CHUNK_ENCODINGS[this.opts.chunkEncoding ?? 'deflate']);
        const period = this.periodOf(b.minT);
        const key = `${this.opts.prefix}/chunks/${w.tenant}/${period}/${b.minT}-${b.maxT}-${randomBytes(6).toString('hex')}`;
        await this.opts.objects.put(key, data);
        const ref: ChunkRef = { key, minT: b.minT, maxT: b.maxT, entries: b.n, bytes: b.bytes, size: data.length };
        let tp = byTenantPeriod.get(w.tenant);
        if (!tp) byTenantPeriod.set(w.tenant, (tp = new Map()));
        let list = tp.get(period);
        if (!list) tp.set(period, (list = []));
        list.push({ stream: w.stream, ref, block: b });
      }
    }
    for (const [tenant, tp] of byTenantPeriod) {
      for (const [period, list] of tp) {
        const byStream = new Map<HeadStream, ChunkRef[]>();
        for (const { stream, ref } of list) {
          const arr = byStream.get(stream) ?? [];
          arr.push(ref);
          byStream.set(stream, arr);
        }
        const json: IndexFileJson = {
          wal: { id: this.walId, before: seg },
          streams: [...byStream].map(([s, refs]) => ({
            labels: s.labels.toObject(),
            chunks: refs.map((r) => ({ key: r.key, minT: String(r.minT), maxT: String(r.maxT), entries: r.entries, bytes: r.bytes, size: r.size })),
          })),
        };
        const file = `${this.opts.prefix}/index/${tenant}/${period}/${Date.now()}-${randomBytes(4).toString('hex')}.json`;
        await this.opts.objects.put(file, Buffer.from(JSON.stringify(json)));
        this.addIndexFile(tenant, period, file, json);
        // Indexed: these blocks leave the head now, so a later flush after a failure here cannot write them again.
        for (const [s, blocks] of blocksByStream(list)) {
          const done = new Set(blocks);
          s.sealed = s.sealed.filter((b) => !done.has(b));
        }
      }
    }
    this.wal.truncateBefore(seg);
    // Streams idle for longer than the idle period leave the head (they stay queryable from the object store).
    const idleBefore = BigInt(Date.now()) * 1_000_000n - (this.opts.streamIdleNs ?? 1_800_000_000_000n);
    for (const st of this.tenants.values()) {
      for (const s of [...st.head.streams.values()]) {
        if (s.block.n === 0 && s.sealed.length === 0 && s.newest < idleBefore) st.head.delete(s.key);
      }
    }
  }

  private periodOf(ns: bigint): number {
    return Math.floor(Number(ns / 1_000_000n) / this.opts.indexPeriodMs);
  }

  private addIndexFile(tenant: string, period: number, file: string, json: IndexFileJson): void {
    const st = this.tenant(tenant);
    let pf = st.periods.get(period);
    if (!pf) st.periods.set(period, (pf = { files: [], chunks: [] }));
    pf.files.push(file);
    if (json.wal && json.wal.id === this.walId && json.wal.before > (st.flushedBefore.get(period) ?? -1)) st.flushedBefore.set(period, json.wal.before);
    for (const s of json.streams) {
      const labels = Labels.fromObject(s.labels);
      const key = labels.key();
      let ss = st.stored.get(key);
      if (!ss) st.stored.add(key, (ss = { labels, chunks: [] }));
      for (const c of s.chunks) {
        const ref: ChunkRef = { key: c.key, minT: BigInt(c.minT), maxT: BigInt(c.maxT), entries: c.entries, bytes: c.bytes, size: c.size };
        ss.chunks.push(ref);
        pf.chunks.push({ stream: key, ref });
      }
    }
  }

  private async loadIndex(): Promise<void> {
    const files = await this.opts.objects.list(`${this.opts.prefix}/index/`);
    for (const f of files) {
      const m = /\/index\/([^/]+)\/(\d+)\/[^/]+\.json$/.exec(f);
      if (!m) continue;
      const json = JSON.parse((await this.opts.objects.get(f)).toString('utf8')) as IndexFileJson;
      this.addIndexFile(m[1], Number(m[2]), f, json);
    }
  }

  /** Delete whole index periods (and their chunks) whose every chunk ended before `now - retention(tenant)`. */
  async applyRetention(nowMs: number, retentionMs: (tenant: string) => number): Promise<number> {
    let deleted = 0;
    for (const [tenant, st] of this.tenants) {
      const ret = retentionMs(tenant);
      if (ret <= 0) continue;
      const cutoff = BigInt(nowMs - ret) * 1_000_000n;
      for (const [period, pf] of [...st.periods]) {
        if (!pf.chunks.every((c) => c.ref.maxT < cutoff)) continue;
        for (const c of pf.chunks) {
          await this.opts.objects.delete(c.ref.key).catch(() => {});
          const ss = st.stored.get(c.stream);
          if (ss) {
            ss.chunks = ss.chunks.filter((r) => r !== c.ref);
            if (ss.chunks.length === 0) st.stored.delete(c.stream);
          }
          this.dropCached(c.ref.key);
          deleted++;
        }
        for (const f of pf.files) await this.opts.objects.delete(f).catch(() => {});
        st.periods.delete(period);
      }
    }
    return deleted;
  }

  async close(): Promise<void> {
    await this.flushing;
    this.wal.close();
  }

  // ---- read path ----

  async *select(tenant: string, req: SelectRequest): AsyncIterable<EntryBatch> {
    const st = this.tenants.get(tenant);
    if (!st) return;
    const { start, end, filter } = req;
    type Cand = { labels: Labels; minT: bigint; maxT: bigint; ref?: ChunkRef; blk?: MemBlock };
    const cands: Cand[] = [];
    for (const ss of st.stored.select(req.matchers)) {
      for (const ref of ss.chunks) if (ref.maxT >= start && ref.minT < end) cands.push({ labels: ss.labels, minT: ref.minT, maxT: ref.maxT, ref });
    }
    for (const hs of st.head.select(req.matchers)) {
      for (const blk of [...hs.sealed, hs.block]) if (blk.n > 0 && blk.maxT >= start && blk.minT < end) cands.push({ labels: hs.labels, minT: blk.minT, maxT: blk.maxT, blk });
    }
    if (req.direction === 'backward') cands.sort((a, b) => (a.maxT > b.maxT ? -1 : a.maxT < b.maxT ? 1 : 0));
    else cands.sort((a, b) => (a.minT < b.minT ? -1 : a.minT > b.minT ? 1 : 0));
    // Decompression runs on the libuv pool: keep a few chunks in flight while the main thread scans.
    const inflight = new Map<number, Promise<DecodedChunk>>();
    const prefetch = (j: number) => {
      const r = cands[j]?.ref;
      if (!r || inflight.has(j)) return;
      const p = this.chunk(r.key);
      p.catch(() => {});
      inflight.set(j, p);
    };
    for (let j = 0; j < cands.length; j++) {
      const c = cands[j];
      for (let k = 1; k <= (this.opts.prefetchChunks ?? 2); k++) prefetch(j + k);
      let b: EntryBatch;
      if (c.ref) {
        prefetch(j);
        const d = await inflight.get(j)!;
        inflight.delete(j);
        b = filterDecoded(c.labels, d, start, end, filter);
      }
      else {
        c.blk!.sort();
        b = filterBlock(c.labels, c.blk!, start, end, filter);
      }
      b.minT = c.minT;
      b.maxT = c.maxT;
      yield b;
    }
  }

  private chunk(key: string): Promise<DecodedChunk> {
    let p = this.loading.get(key);
    if (!p) {
      p = this.loadChunk(key).finally(() => this.loading.delete(key));
      this.loading.set(key, p);
    }
    return p;
  }

  private async loadChunk(key: string): Promise<DecodedChunk> {
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const d = await decodeChunk(await this.opts.objects.get(key));
    this.cache.set(key, d);
    this.cacheBytes += d.data.length;
    const limit = this.opts.chunkCacheBytes ?? 256 * 1024 * 1024;
    for (const k of this.cache.keys()) {
      if (this.cacheBytes <= limit) break;
      this.dropCached(k);
    }
    return d;
  }

  private dropCached(key: string): void {
    const d = this.cache.get(key);
    if (!d) return;
    this.cacheBytes -= d.data.length;
    this.cache.delete(key);
  }

  private streamsWithData(tenant: string, matchers: readonly Matcher[], start: bigint, end: bigint): Map<string, Labels> {
    const out = new Map<string, Labels>();
    const st = this.tenants.get(tenant);
    if (!st) return out;
    for (const ss of st.stored.select(matchers)) {
      if (ss.chunks.some((r) => r.maxT >= start && r.minT < end)) out.set(ss.labels.key(), ss.labels);
    }
    for (const hs of st.head.select(matchers)) {
      if ([...hs.sealed, hs.block].some((b) => b.n > 0 && b.maxT >= start && b.minT < end)) out.set(hs.key, hs.labels);
    }
    return out;
  }

  async series(tenant: string, matchers: readonly Matcher[], start: bigint, end: bigint): Promise<Labels[]> {
    return [...this.streamsWithData(tenant, matchers, start, end).values()].sort(Labels.compare);
  }

  async labelNames(tenant: string, start: bigint, end: bigint, matchers: readonly Matcher[] = []): Promise<string[]> {
    const names = new Set<string>();
    for (const l of this.streamsWithData(tenant, matchers, start, end).values()) l.forEach((n) => names.add(n));
    return [...names].sort();
  }

  async labelValues(tenant: string, name: string, start: bigint, end: bigint, matchers: readonly Matcher[] = []): Promise<string[]> {
    const values = new Set<string>();
    for (const l of this.streamsWithData(tenant, matchers, start, end).values()) {
      const v = l.get(name);
      if (v !== '') values.add(v);
    }
    return [...values].sort();
  }

  async stats(tenant: string, matchers: readonly Matcher[], start: bigint, end: bigint): Promise<IndexStats> {
    const out: IndexStats = { streams: 0, chunks: 0, entries: 0, bytes: 0 };
    const st = this.tenants.get(tenant);
    if (!st) return out;
    const seen = new Set<string>();
    for (const ss of st.stored.select(matchers)) {
      for (const r of ss.chunks) {
        if (r.maxT < start || r.minT >= end) continue;
        seen.add(ss.labels.key());
        out.chunks++;
        out.entries += r.entries;
        out.bytes += r.bytes;
      }
    }
    for (const hs of st.head.select(matchers)) {
      for (const b of [...hs.sealed, hs.block]) {
        if (b.n === 0 || b.maxT < start || b.minT >= end) continue;
        seen.add(hs.key);
        out.chunks++;
        out.entries += b.n;
        out.bytes += b.bytes;
      }
    }
    out.streams = seen.size;
    return out;
  }

  async streamStats(tenant: string, matchers: readonly Matcher[], start: bigint, end: bigint): Promise<Array<{ labels: Labels; bytes: number; entries: number }>> {
    const acc = new Map<string, { labels: Labels; bytes: number; entries: number }>();
    const st = this.tenants.get(tenant);
    if (!st) return [];
    const add = (labels: Labels, bytes: number, entries: number) => {
      const k = labels.key();
      const e = acc.get(k);
      if (e) {
        e.bytes += bytes;
        e.entries += entries;
      } else acc.set(k, { labels, bytes, entries });
    };
    for (const ss of st.stored.select(matchers)) {
      for (const r of ss.chunks) if (r.maxT >= start && r.minT < end) add(ss.labels, r.bytes, r.entries);
    }
    for (const hs of st.head.select(matchers)) {
      for (const b of [...hs.sealed, hs.block]) if (b.n > 0 && b.maxT >= start && b.minT < end) add(hs.labels, b.bytes, b.n);
    }
    return [...acc.values()];
  }

  /** Number of streams in the head, over all tenants. */
  headStreams(): number {
    let n = 0;
    for (const st of this.tenants.values()) n += st.head.size;
    return n;
  }
}

function blocksByStream(list: ReadonlyArray<{ stream: HeadStream; block: MemBlock }>): Map<HeadStream, MemBlock[]> {
  const m = new Map<HeadStream, MemBlock[]>();
  for (const { stream, block } of list) {
    const a = m.get(stream);
    if (a) a.push(block);
    else m.set(stream, [block]);
  }
  return m;
}

/** The random identity of a WAL directory (created on first use). */
function walIdentity(dir: string): string {
  const f = join(dir, 'wal-id');
  try {
    return readFileSync(f, 'utf8').trim();
  } catch {
    mkdirSync(dir, { recursive: true });
    const id = randomBytes(8).toString('hex');
    writeFileSync(f, id);
    return id;
  }
}

function lowerBound(ts: ArrayLike<bigint>, n: number, t: bigint): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with base + off[i] >= base + rel. */
function lowerBoundOff(off: Float64Array, n: number, rel: bigint): number {
  if (rel <= 0n) return 0;
  if (rel > 2n ** 53n) return n;
  const r = Number(rel);
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (off[mid] < r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function filterBlock(labels: Labels, b: MemBlock, start: bigint, end: bigint, filter: LineFilterPushdown | undefined): EntryBatch {
  const lo = lowerBound(b.ts, b.n, start);
  const hi = lowerBound(b.ts, b.n, end);
  const ts: bigint[] = [];
  const lines: string[] = [];
  const meta = b.metadata ? ([] as (Array<[string, string]> | undefined)[]) : undefined;
  for (let i = lo; i < hi; i++) {
    const line = b.lines[i];
    if (filter && !filter.test(line)) continue;
    ts.push(b.ts[i]);
    lines.push(line);
    if (meta) meta.push(b.metadata![i]);
  }
  return { labels, ts, lines, metadata: meta };
}

function filterDecoded(labels: Labels, d: DecodedChunk, start: bigint, end: bigint, filter: LineFilterPushdown | undefined): EntryBatch {
  const lo = lowerBoundOff(d.off, d.n, start - d.base);
  const hi = lowerBoundOff(d.off, d.n, end - d.base);
  const ts: bigint[] = [];
  const lines: string[] = [];
  const meta = d.metadata ? ([] as (Array<[string, string]> | undefined)[]) : undefined;
  const { offsets, data } = d;
  // Milliseconds without a bigint per entry: whole ms of the base plus (its ns remainder + offset) / 1e6.
  const baseMs = Number(d.base / 1_000_000n);
  const baseRem = Number(d.base % 1_000_000n);
  let tsMs = new Float64Array(filter ? 16 : hi - lo);
  const take = (i: number, line: string) => {
    if (ts.length === tsMs.length) {
      const next = new Float64Array(tsMs.length * 2);
      next.set(tsMs);
      tsMs = next;
    }
    tsMs[ts.length] = baseMs + (baseRem + d.off[i]) / 1e6;
    ts.push(chunkTs(d, i));
    lines.push(line);
    if (meta) meta.push(d.metadata![i]);
  };
  if (filter && filter.required.length > 0) {
    // Search the contiguous line bytes for the rarest-looking literal; decode only lines that contain it.
    const needle = Buffer.from(filter.required.reduce((a, b) => (b.length > a.length ? b : a)), 'utf8');
    const endOff = offsets[hi];
    let pos = offsets[lo];
    while (pos < endOff) {
      const at = data.indexOf(needle, pos);
      if (at < 0 || at >= endOff) break;
      // line containing `at`: the last i with offsets[i] <= at
      let a = lo;
      let z = hi;
      while (a < z) {
        const mid = (a + z) >>> 1;
        if (offsets[mid + 1] <= at) a = mid + 1;
        else z = mid;
      }
      const i = a;
      if (at + needle.length <= offsets[i + 1]) {
        const line = data.toString('utf8', offsets[i], offsets[i + 1]);
        if (filter.test(line)) take(i, line);
        pos = offsets[i + 1];
      } else pos = at + 1; // the match straddles a line boundary: keep looking
    }
  } else {
    for (let i = lo; i < hi; i++) {
      const line = data.toString('utf8', offsets[i], offsets[i + 1]);
      if (filter && !filter.test(line)) continue;
      take(i, line);
    }
  }
  return { labels, ts, lines, tsMs: tsMs.subarray(0, ts.length), metadata: meta };
}
