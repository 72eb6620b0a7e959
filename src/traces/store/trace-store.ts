import { join } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { WriteAheadLog, type ObjectStore } from '../../storage/index.js';
import { HttpError } from '../../server/index.js';
import { bytesToHex, decodeTracesRequest, encodeTracesRequest, nanosBetween, nanosToMillis } from '../../otlp/index.js';
import { decodeSpanBytes, decodeTracesData, spanBytes } from '../../otlp/index.js';
import type { ExportTraceServiceRequest, InstrumentationScope, PushOutcome, Resource, ResourceSpans, TracesConsumer } from '../../otlp/index.js';
import { attrMap, entriesOf, type AttrValue, type SpanEntry } from '../model/span-row.js';
import { TenantTokenBuckets } from '../../lib/token-bucket.js';
import { anchoredRegex, compareValues, type SpanCondition } from './span-condition.js';
import { TraceBlock, writeBlock, type BlockMeta } from './trace-block.js';

export interface TraceStoreOptions {
  walDir: string;
  objectStore: ObjectStore;
  /** Object-store prefix (Tempo's bucket), e.g. `tempo-traces`. */
  bucket: string;
  logger: Logger;
  registry?: Registry;
  retentionMs: number;
  maxBlockDurationMs: number;
  maxBlockBytes: number;
  walFsyncIntervalMs?: number;
  ingestionRateBytes: number;
  ingestionBurstBytes: number;
  maxBytesPerTrace: number;
  now?: () => number;
  /** Memory budget for cached block search columns (default 512 MiB); least recently used blocks are evicted. */
  searchCacheBytes?: number;
  /** Compaction: blocks smaller than this are merged, into blocks of up to about this size (default 256 MiB of span data). */
  compactionMaxBlockBytes?: number;
  /** Compaction: at most this many blocks merged at once (default 8). */
  compactionMaxInputBlocks?: number;
  /** Called with the spans of every acknowledged push (after the WAL), e.g. by the metrics generator. */
  onAccepted?: (tenant: string, resourceSpans: ResourceSpans[]) => void;
}

/** Options of a scan over a tenant's traces. */
export interface ScanOptions {
  startMs: number;
  endMs: number;
  /** Pushed-down span conditions: blocks skip traces without a span satisfying all of them. */
  conditions: SpanCondition[];
}

/** The storage interface the TraceQL engine and the API use. */
export interface TraceQueryable {
  findTrace(tenant: string, traceIdHex: string): Promise<SpanEntry[] | undefined>;
  scan(tenant: string, opts: ScanOptions, visit: (traceId: string, entries: SpanEntry[]) => boolean | Promise<boolean>): Promise<{ inspectedTraces: number; inspectedBlocks: number }>;
  tagNames(tenant: string): Promise<{ span: string[]; resource: string[] }>;
  tagValues(tenant: string, scope: 'span' | 'resource' | 'any', key: string): Promise<AttrValue[]>;
  intrinsicValues(tenant: string, name: 'name' | 'service'): Promise<string[]>;
}

/**
 * A span in the head: its resource and scope (decoded, shared by the spans of a request) and the span's encoded
 * bytes. Spans are decoded again only when queried or written to a block, so the head costs about the wire size.
 */
interface HeadSpan {
  resource: Resource;
  scope: InstrumentationScope;
  raw: Uint8Array;
  /** Intrinsics kept decoded so searches can skip head traces without decoding their spans. */
  name: string;
  kind: number;
  status: number;
  durationNs: number;
}

interface HeadTrace {
  id: Buffer;
  spans: HeadSpan[];
  bytes: number;
  startMs: number;
  endMs: number;
}

interface Head {
  traces: Map<string, Map<string, HeadTrace>>;
  bytes: number;
  firstAppendMs: number;
}

interface Snapshot {
  head: Head;
  /** WAL segments [fromSeg, toSeg) hold this snapshot's records. */
  fromSeg: number;
  toSeg: number;
}

const newHead = (): Head => ({ traces: new Map(), bytes: 0, firstAppendMs: 0 });

function encodeRecord(tenant: string, payload: Uint8Array): Buffer {
  const t = Buffer.from(tenant);
  const out = Buffer.allocUnsafe(1 + t.length + payload.length);
  out[0] = t.length;
  t.copy(out, 1);
  out.set(payload, 1 + t.length);
  return out;
}

/**
 * The trace store (Tempo's distributor + ingester + blocks): spans are validated and rate-limited, appended to the
 * write-ahead log and flushed before the push is acknowledged, grouped per trace in the head, and cut into
 * immutable blocks in the object store (`<bucket>/<tenant>/<blockId>/`). Blocks past retention are deleted.
 */
export class TraceStore implements TracesConsumer, TraceQueryable {
  private wal!: WriteAheadLog;
  private head: Head = newHead();
  private readonly flushing: Snapshot[] = [];
  private readonly blocks = new Map<string, TraceBlock[]>();
  private readonly limiter: TenantTokenBuckets;
  private lastCutSeg = 0;
  /** Queries in progress, and replaced blocks whose objects are deleted once none is. */
  private readers = 0;
  private doomed: TraceBlock[] = [];
  private cutting: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly m?: {
    received: Counter;
    bytes: Counter;
    discarded: Counter;
    flushed: Counter;
    compacted: Counter;
    liveTraces: Gauge;
    blocks: Gauge;
  };

  private constructor(private readonly opts: TraceStoreOptions) {
    this.limiter = new TenantTokenBuckets(opts.now);
    this.now = opts.now ?? Date.now;
    const r = opts.registry;
    if (r) {
      this.m = {
        received: new Counter({ name: 'tempo_distributor_spans_received_total', help: 'The total number of spans received per tenant', labelNames: ['tenant'], registers: [r] }),
        bytes: new Counter({ name: 'tempo_distributor_bytes_received_total', help: 'The total number of proto bytes received per tenant', labelNames: ['tenant'], registers: [r] }),
        discarded: new Counter({ name: 'tempo_discarded_spans_total', help: 'The total number of samples that were discarded.', labelNames: ['reason', 'tenant'], registers: [r] }),
        flushed: new Counter({ name: 'tempo_ingester_blocks_flushed_total', help: 'The total number of blocks flushed', registers: [r] }),
        liveTraces: new Gauge({ name: 'tempo_ingester_live_traces', help: 'The current number of live traces per tenant.', labelNames: ['tenant'], registers: [r] }),
        compacted: new Counter({ name: 'tempodb_compaction_blocks_total', help: 'Total number of blocks compacted.', registers: [r] }),
        blocks: new Gauge({ name: 'tempodb_blocklist_length', help: 'Total number of blocks per tenant.', labelNames: ['tenant'], registers: [r] }),
      };
    }
  }

  /** Open: load block metas from the object store, replay the WAL into the head. */
  static async open(opts: TraceStoreOptions): Promise<TraceStore> {
    const s = new TraceStore(opts);
    await s.loadBlocks();
    let replayed = 0;
    const { wal, stats } = WriteAheadLog.open({ dir: opts.walDir, fsyncIntervalMs: opts.walFsyncIntervalMs }, (payload) => {
      const tl = payload[0];
      const tenant = payload.subarray(1, 1 + tl).toString('utf8');
      const req = decodeTracesRequest(payload.subarray(1 + tl));
      s.applyToHead(tenant, req.resourceSpans ?? [], payload.length);
      replayed++;
    });
    s.wal = wal;
    // Everything replayed lives in segments before the current one; the next cut covers it.
    s.lastCutSeg = 0;
    if (replayed > 0 || stats.repaired) opts.logger.info({ component: 'traces', records: replayed, segments: stats.segments, repaired: stats.repaired }, 'trace WAL replayed');
    return s;
  }

  private async loadBlocks(): Promise<void> {
    const keys = await this.opts.objectStore.list(`${this.opts.bucket}/`);
    for (const k of keys) {
      if (!k.endsWith('/meta.json')) continue;
      try {
        const meta = JSON.parse((await this.opts.objectStore.get(k)).toString('utf8')) as BlockMeta;
        this.addBlock(new TraceBlock(this.opts.objectStore, k.slice(0, -'/meta.json'.length), meta));
      } catch (e) {
        this.opts.logger.warn({ component: 'traces', key: k, err: e }, 'skipping unreadable block meta');
      }
    }
    // A crash between writing a compacted block and deleting its sources leaves both: the sources go now.
    for (const [tenant, list] of this.blocks) {
      const replaced = new Set(list.flatMap((b) => b.meta.compactedFrom ?? []));
      if (replaced.size === 0) continue;
      const keep: TraceBlock[] = [];
      for (const b of list) {
        if (replaced.has(b.meta.blockId)) await this.deleteBlock(b);
        else keep.push(b);
      }
      this.blocks.set(tenant, keep);
      this.m?.blocks.set({ tenant }, keep.length);
    }
  }

  /** Delete a block's objects, `meta.json` first so a partly deleted block is never visible. */
  private async deleteBlock(b: TraceBlock): Promise<void> {
    await this.opts.objectStore.delete(`${b.dir}/meta.json`);
    for (const k of await this.opts.objectStore.list(`${b.dir}/`)) await this.opts.objectStore.delete(k);
  }

  /** Run a query; blocks replaced meanwhile keep their objects until no query is running. */
  private async reading<T>(fn: () => Promise<T>): Promise<T> {
    this.readers++;
    try {
      return await fn();
    } finally {
      this.readers--;
      if (this.readers === 0 && this.doomed.length > 0) void this.deleteDoomed();
    }
  }

  private async deleteDoomed(): Promise<void> {
    const list = this.doomed;
    this.doomed = [];
    for (const b of list) {
      try {
        await this.deleteBlock(b);
      } catch (e) {
        this.opts.logger.warn({ component: 'traces', block: b.meta.blockId, err: e }, 'deleting a compacted block failed');
      }
    }
  }

  private addBlock(b: TraceBlock): void {
    const list = this.blocks.get(b.meta.tenant) ?? [];
    list.push(b);
    list.sort((x, y) => x.meta.minStartMs - y.meta.minStartMs);
    this.blocks.set(b.meta.tenant, list);
    this.m?.blocks.set({ tenant: b.meta.tenant }, list.length);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Ingest

  async pushTraces(tenant: string, req: ExportTraceServiceRequest): Promise<PushOutcome> {
    let rejected = 0;
    let message = '';
    const reject = (n: number, reason: string, msg: string) => {
      rejected += n;
      if (message === '') message = msg;
      this.m?.discarded.inc({ reason, tenant }, n);
    };
    // Validation: trace IDs are 16 bytes and span IDs 8 bytes.
    const accepted: ResourceSpans[] = [];
    let spans = 0;
    for (const rs of req.resourceSpans ?? []) {
      const scopeSpans = [];
      for (const ss of rs.scopeSpans ?? []) {
        const ok = [];
        for (const sp of ss.spans ?? []) {
          const tl = sp.traceId?.length ?? 0;
          const sl = sp.spanId?.length ?? 0;
          if (tl !== 16 || isZero(sp.traceId)) reject(1, 'invalid_trace_id', `trace ids must be 128 bit, received ${tl * 8} bits`);
          else if (sl !== 8) reject(1, 'invalid_span_id', `span ids must be 64 bit, received ${sl * 8} bits`);
          else ok.push(sp);
        }
        if (ok.length) scopeSpans.push({ ...ss, spans: ok });
      }
      if (scopeSpans.length) accepted.push({ ...rs, scopeSpans });
      for (const ss of scopeSpans) spans += ss.spans.length;
    }
    if (spans === 0) {
      if (rejected > 0) throw new HttpError(400, 'bad_data', message);
      return { rejected: 0, message: '' };
    }
    let payload = encodeTracesRequest({ resourceSpans: accepted });
    if (this.opts.ingestionRateBytes > 0 && !this.limiter.allow(tenant, payload.length, this.opts.ingestionRateBytes, this.opts.ingestionBurstBytes)) {
      this.m?.discarded.inc({ reason: 'rate_limited', tenant }, spans + rejected);
      throw new HttpError(
        429,
        'rate_limited',
        `RATE_LIMITED: ingestion rate limit (${this.opts.ingestionRateBytes} bytes) exceeded while adding ${payload.length} bytes for user ${tenant}`,
      );
    }
    // Per-trace size limit, estimated from the encoded size per span.
    if (this.opts.maxBytesPerTrace > 0) {
      const perSpan = payload.length / spans;
      const tenantHead = this.head.traces.get(tenant);
      const added = new Map<string, number>();
      let dropped = 0;
      for (const rs of accepted)
        for (const ss of rs.scopeSpans!) {
          ss.spans = ss.spans!.filter((sp) => {
            const id = bytesToHex(sp.traceId);
            const cur = (tenantHead?.get(id)?.bytes ?? 0) + (added.get(id) ?? 0);
            if (cur + perSpan > this.opts.maxBytesPerTrace) {
              dropped++;
              reject(1, 'trace_too_large', `TRACE_TOO_LARGE: max size of trace (${this.opts.maxBytesPerTrace}) exceeded while adding ${Math.ceil(perSpan)} bytes to trace ${id} for tenant ${tenant}`);
              return false;
            }
            added.set(id, (added.get(id) ?? 0) + perSpan);
            return true;
          });
        }
      if (dropped > 0) {
        spans -= dropped;
        if (spans === 0) throw new HttpError(400, 'trace_too_large', message);
        payload = encodeTracesRequest({ resourceSpans: accepted });
      }
    }
    // The head holds everything not yet in blocks; refuse (retryably) rather than grow without bound while block
    // writes lag behind.
    const headBytes = this.heads().reduce((n, h) => n + h.bytes, 0);
    if (headBytes + payload.length > 4 * this.opts.maxBlockBytes) {
      void this.cutBlocks(true);
      this.m?.discarded.inc({ reason: 'live_traces_exceeded', tenant }, spans);
      throw new HttpError(429, 'live_traces_exceeded', `LIVE_TRACES_EXCEEDED: the head holds ${Math.round(headBytes)} bytes not yet written to blocks (limit ${4 * this.opts.maxBlockBytes}); retry later`);
    }
    // Durable before visible, and before the client hears back.
    try {
      this.wal.append(encodeRecord(tenant, payload));
      this.wal.flush();
    } catch (e) {
      throw new HttpError(503, 'unavailable', `write-ahead log: ${(e as Error).message}`);
    }
    this.applyToHead(tenant, accepted, payload.length);
    this.opts.onAccepted?.(tenant, accepted);
    this.m?.received.inc({ tenant }, spans);
    this.m?.bytes.inc({ tenant }, payload.length);
    return { rejected, message };
  }

  private applyToHead(tenant: string, resourceSpans: ResourceSpans[], bytes: number): void {
    const entries = entriesOf(resourceSpans);
    if (entries.length === 0) return;
    const perSpan = bytes / entries.length;
    let traces = this.head.traces.get(tenant);
    if (!traces) {
      traces = new Map();
      this.head.traces.set(tenant, traces);
    }
    if (this.head.firstAppendMs === 0) this.head.firstAppendMs = this.now();
    for (const e of entries) {
      const id = bytesToHex(e.span.traceId);
      let t = traces.get(id);
      if (!t) {
        t = { id: Buffer.from(e.span.traceId), spans: [], bytes: 0, startMs: Infinity, endMs: -Infinity };
        traces.set(id, t);
      }
      t.spans.push({
        resource: e.resource,
        scope: e.scope,
        raw: spanBytes(e.span),
        name: e.span.name ?? '',
        kind: e.span.kind ?? 0,
        status: e.span.status?.code ?? 0,
        durationNs: nanosBetween(e.span.startTimeUnixNano, e.span.endTimeUnixNano),
      });
      t.bytes += perSpan;
      const start = nanosToMillis(e.span.startTimeUnixNano);
      const dur = nanosBetween(e.span.startTimeUnixNano, e.span.endTimeUnixNano) / 1e6;
      t.startMs = Math.min(t.startMs, start);
      t.endMs = Math.max(t.endMs, start + Math.max(0, dur));
    }
    this.head.bytes += bytes;
    this.m?.liveTraces.set({ tenant }, traces.size);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Blocks

  /** Cut the head into blocks when due (or now, with `force`), write them and truncate the WAL. */
  cutBlocks(force = false): Promise<void> {
    this.cutting = this.cutting.then(() => this.doCut(force)).catch((e) => this.opts.logger.error({ component: 'traces', err: e }, 'cutting blocks failed'));
    return this.cutting;
  }

  private async doCut(force: boolean): Promise<void> {
    const h = this.head;
    const due = h.bytes > 0 && (force || h.bytes >= this.opts.maxBlockBytes || this.now() - h.firstAppendMs >= this.opts.maxBlockDurationMs);
    if (due) {
      const seg = this.wal.cut();
      this.flushing.push({ head: h, fromSeg: this.lastCutSeg, toSeg: seg });
      this.lastCutSeg = seg;
      this.head = newHead();
      for (const t of h.traces.keys()) this.m?.liveTraces.set({ tenant: t }, 0);
    }
    while (this.flushing.length > 0) {
      const snap = this.flushing[0];
      for (const [tenant, traces] of snap.head.traces) {
        if (traces.size === 0) continue;
        const meta = await writeBlock(this.opts.objectStore, this.opts.bucket, tenant, [...traces].map(([hex, t]) => ({ id: t.id, hex, entries: () => materialize(t) })));
        this.addBlock(new TraceBlock(this.opts.objectStore, `${this.opts.bucket}/${tenant}/${meta.blockId}`, meta));
        snap.head.traces.delete(tenant);
        this.m?.flushed.inc();
        this.opts.logger.info({ component: 'traces', tenant, block: meta.blockId, traces: meta.traces, spans: meta.spans }, 'block flushed');
      }
      this.flushing.shift();
      this.wal.truncateBefore(this.flushing.length > 0 ? this.flushing[0].fromSeg : snap.toSeg);
    }
  }

  /** Delete blocks whose newest span ended before now - retention. */
  async applyRetention(): Promise<number> {
    const cutoff = this.now() - this.opts.retentionMs;
    let deleted = 0;
    for (const [tenant, list] of this.blocks) {
      const keep: TraceBlock[] = [];
      for (const b of list) {
        if (b.meta.maxEndMs >= cutoff) {
          keep.push(b);
          continue;
        }
        await this.deleteBlock(b);
        deleted++;
      }
      this.blocks.set(tenant, keep);
      this.m?.blocks.set({ tenant }, keep.length);
    }
    return deleted;
  }

  /**
   * Compaction (Tempo's compactor): per tenant, blocks smaller than the target size are merged in start-time order,
   * up to the target size and input count per output block. Spans of a trace found in several inputs end up as one
   * trace (duplicate span IDs dropped), so searches see it whole. The output is written (its meta names its
   * sources) and swapped in before the sources are deleted; queries already running keep the sources until they
   * finish. Serialised with block cutting and retention. Returns the number of blocks written.
   */
  compact(): Promise<number> {
    const run = this.cutting.then(() => this.doCompact());
    this.cutting = run.then(
      () => undefined,
      (e: unknown) => this.opts.logger.error({ component: 'traces', err: e }, 'compaction failed'),
    );
    return run;
  }

  private async doCompact(): Promise<number> {
    const target = this.opts.compactionMaxBlockBytes ?? 256 * 1024 * 1024;
    const maxInputs = Math.max(2, this.opts.compactionMaxInputBlocks ?? 8);
    let written = 0;
    for (const [tenant, list] of [...this.blocks]) {
      const groups: TraceBlock[][] = [];
      let cur: TraceBlock[] = [];
      let bytes = 0;
      for (const b of list) {
        if (b.meta.dataBytes >= target) continue;
        if (cur.length > 0 && (bytes + b.meta.dataBytes > target || cur.length >= maxInputs)) {
          groups.push(cur);
          cur = [];
          bytes = 0;
        }
        cur.push(b);
        bytes += b.meta.dataBytes;
      }
      groups.push(cur);
      for (const g of groups) {
        if (g.length < 2) continue;
        await this.mergeBlocks(tenant, g);
        written++;
      }
    }
    if (written > 0 && this.readers === 0) await this.deleteDoomed();
    return written;
  }

  private async mergeBlocks(tenant: string, inputs: TraceBlock[]): Promise<void> {
    const traces = new Map<string, { id: Buffer; parts: Uint8Array[] }>();
    for (const b of inputs) {
      for (const t of await b.rawTraces()) {
        const e = traces.get(t.hex);
        if (e) e.parts.push(t.data);
        else traces.set(t.hex, { id: t.id, parts: [t.data] });
      }
    }
    const toWrite = [...traces].map(([hex, t]) => ({
      id: t.id,
      hex,
      entries: () => {
        const all = t.parts.flatMap((p) => entriesOf(decodeTracesData(p)));
        if (t.parts.length === 1) return all;
        const seen = new Set<string>();
        return all.filter((e) => {
          const k = bytesToHex(e.span.spanId);
          if (seen.has(k)) return false;
          seen.add(k);
          return true;
        });
      },
    }));
    const level = 1 + Math.max(...inputs.map((b) => b.meta.compactionLevel ?? 0));
    const meta = await writeBlock(this.opts.objectStore, this.opts.bucket, tenant, toWrite, {
      compactionLevel: level,
      compactedFrom: inputs.map((b) => b.meta.blockId),
    });
    const out = new TraceBlock(this.opts.objectStore, `${this.opts.bucket}/${tenant}/${meta.blockId}`, meta);
    const gone = new Set(inputs);
    const list = (this.blocks.get(tenant) ?? []).filter((b) => !gone.has(b));
    this.blocks.set(tenant, list);
    this.addBlock(out);
    this.doomed.push(...inputs);
    this.m?.compacted.inc(inputs.length);
    this.opts.logger.info({ component: 'traces', tenant, block: meta.blockId, inputs: inputs.length, traces: meta.traces, spans: meta.spans, level }, 'blocks compacted');
  }

  blockMetas(tenant: string): BlockMeta[] {
    return (this.blocks.get(tenant) ?? []).map((b) => b.meta);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Query

  private heads(): Head[] {
    return [this.head, ...this.flushing.map((s) => s.head)];
  }

  findTrace(tenant: string, traceIdHex: string): Promise<SpanEntry[] | undefined> {
    return this.reading(() => this.findTraceNow(tenant, traceIdHex));
  }

  private async findTraceNow(tenant: string, traceIdHex: string): Promise<SpanEntry[] | undefined> {
    const out: SpanEntry[] = [];
    for (const h of this.heads()) {
      const t = h.traces.get(tenant)?.get(traceIdHex);
      if (t) out.push(...materialize(t));
    }
    const id = Buffer.from(traceIdHex, 'hex');
    for (const b of this.blocks.get(tenant) ?? []) {
      const e = await b.find(id);
      if (e) out.push(...e);
    }
    if (out.length === 0) return undefined;
    // Deduplicate spans (a replayed WAL may repeat spans already in a block).
    const seen = new Set<string>();
    return out.filter((e) => {
      const k = bytesToHex(e.span.spanId);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  scan(
    tenant: string,
    opts: ScanOptions,
    visit: (traceId: string, entries: SpanEntry[]) => boolean | Promise<boolean>,
  ): Promise<{ inspectedTraces: number; inspectedBlocks: number }> {
    return this.reading(() => this.scanNow(tenant, opts, visit));
  }

  private async scanNow(
    tenant: string,
    opts: ScanOptions,
    visit: (traceId: string, entries: SpanEntry[]) => boolean | Promise<boolean>,
  ): Promise<{ inspectedTraces: number; inspectedBlocks: number }> {
    let inspectedTraces = 0;
    let inspectedBlocks = 0;
    for (const h of this.heads()) {
      for (const [id, t] of h.traces.get(tenant) ?? []) {
        if (t.endMs < opts.startMs || t.startMs > opts.endMs) continue;
        if (opts.conditions.length > 0 && !t.spans.some((sp) => opts.conditions.every((c) => mayHold(c, sp)))) continue;
        inspectedTraces++;
        if (!(await visit(id, materialize(t)))) return { inspectedTraces, inspectedBlocks };
      }
    }
    // Newest blocks first: searches usually want recent traces.
    const blocks = [...(this.blocks.get(tenant) ?? [])].reverse();
    for (const b of blocks) {
      let stop = false;
      inspectedBlocks++;
      inspectedTraces += await b.scan(opts.conditions, opts.startMs, opts.endMs, async (id, entries) => {
        const go = await visit(id, entries);
        stop = !go;
        return go;
      });
      this.enforceSearchCache();
      if (stop) break;
    }
    return { inspectedTraces, inspectedBlocks };
  }

  /** Bytes of block search columns currently cached. */
  cachedSearchBytes(): number {
    return [...this.blocks.values()].flat().reduce((n, b) => n + b.searchBytes, 0);
  }

  /** Evict least recently used search columns beyond the memory budget. */
  private enforceSearchCache(): void {
    const budget = this.opts.searchCacheBytes ?? 512 * 1024 * 1024;
    const loaded = [...this.blocks.values()].flat().filter((b) => b.searchBytes > 0);
    let total = loaded.reduce((n, b) => n + b.searchBytes, 0);
    if (total <= budget) return;
    loaded.sort((a, b) => a.lastUsed - b.lastUsed);
    for (const b of loaded) {
      if (total <= budget) break;
      total -= b.searchBytes;
      b.evict();
    }
  }

  tagNames(tenant: string): Promise<{ span: string[]; resource: string[] }> {
    return this.reading(() => this.tagNamesNow(tenant));
  }

  private async tagNamesNow(tenant: string): Promise<{ span: string[]; resource: string[] }> {
    const span = new Set<string>();
    const resource = new Set<string>();
    for (const h of this.heads())
      for (const t of h.traces.get(tenant)?.values() ?? [])
        for (const e of materialize(t)) {
          for (const kv of e.span.attributes ?? []) span.add(kv.key);
          for (const kv of e.resource.attributes ?? []) resource.add(kv.key);
        }
    for (const b of this.blocks.get(tenant) ?? []) {
      const n = await b.tagNames();
      n.span.forEach((k) => span.add(k));
      n.resource.forEach((k) => resource.add(k));
    }
    this.enforceSearchCache();
    return { span: [...span].sort(), resource: [...resource].sort() };
  }

  tagValues(tenant: string, scope: 'span' | 'resource' | 'any', key: string): Promise<AttrValue[]> {
    return this.reading(() => this.tagValuesNow(tenant, scope, key));
  }

  private async tagValuesNow(tenant: string, scope: 'span' | 'resource' | 'any', key: string): Promise<AttrValue[]> {
    const out = new Map<string, AttrValue>();
    for (const h of this.heads())
      for (const t of h.traces.get(tenant)?.values() ?? [])
        for (const e of materialize(t)) {
          const maps = scope === 'span' ? [e.span.attributes] : scope === 'resource' ? [e.resource.attributes] : [e.span.attributes, e.resource.attributes];
          for (const kvs of maps) {
            const v = attrMap(kvs).get(key);
            if (v !== undefined) out.set(`${typeof v}:${String(v)}`, v);
          }
        }
    for (const b of this.blocks.get(tenant) ?? []) await b.tagValues(scope, key, out);
    return [...out.values()];
  }

  intrinsicValues(tenant: string, name: 'name' | 'service'): Promise<string[]> {
    return this.reading(() => this.intrinsicValuesNow(tenant, name));
  }

  private async intrinsicValuesNow(tenant: string, name: 'name' | 'service'): Promise<string[]> {
    const out = new Set<string>();
    for (const h of this.heads())
      for (const t of h.traces.get(tenant)?.values() ?? [])
        for (const e of materialize(t)) {
          if (name === 'name') out.add(e.span.name ?? '');
          else for (const kv of e.resource.attributes ?? []) if (kv.key === 'service.name' && kv.value?.stringValue) out.add(kv.value.stringValue);
        }
    for (const b of this.blocks.get(tenant) ?? []) for (const v of await b.intrinsicValues(name)) out.add(v);
    out.delete('');
    return [...out].sort();
  }

  /** Spans currently in the head (all tenants). */
  headSpanCount(): number {
    let n = 0;
    for (const h of this.heads()) for (const m of h.traces.values()) for (const t of m.values()) n += t.spans.length;
    return n;
  }

  async close(): Promise<void> {
    await this.cutting;
    if (this.readers === 0) await this.deleteDoomed();
    this.wal.close();
  }

  static walDirOf(dataDir: string): string {
    return join(dataDir, 'traces', 'wal');
  }
}

const resourceAttrs = new WeakMap<object, Map<string, AttrValue>>();

/** Whether a pushed-down condition may hold on a head span (false only when it certainly does not). */
function mayHold(c: SpanCondition, sp: HeadSpan): boolean {
  const t = c.target;
  if (t.kind === 'intrinsic') {
    switch (t.name) {
      case 'name':
        return compareValues(c.op, sp.name, c.value, c.regex ?? (c.op === '=~' || c.op === '!~' ? anchoredRegex(String(c.value)) : undefined));
      case 'kind':
        return compareValues(c.op, sp.kind, c.value);
      case 'status':
        return compareValues(c.op, sp.status, c.value);
      case 'duration':
        return compareValues(c.op, sp.durationNs, c.value);
      default:
        return true;
    }
  }
  if (t.scope !== 'resource') return true; // span attributes are not decoded in the head
  let attrs = resourceAttrs.get(sp.resource);
  if (!attrs) resourceAttrs.set(sp.resource, (attrs = attrMap(sp.resource.attributes)));
  return compareValues(c.op, attrs.get(t.key), c.value, c.regex ?? (c.op === '=~' || c.op === '!~' ? anchoredRegex(String(c.value)) : undefined));
}

function materialize(t: HeadTrace): SpanEntry[] {
  return t.spans.map((h) => ({ resource: h.resource, scope: h.scope, span: decodeSpanBytes(h.raw) }));
}

function isZero(b: Uint8Array | undefined): boolean {
  if (!b) return true;
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

