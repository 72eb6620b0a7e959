import { abortableSlices } from '../../lib/time-slice.js';
import { bytesToHex, decodeTracesData } from '../../otlp/index.js';
import { BLOCK_START, attrMap, entriesOf, visitCandidates, type AttrValue, type FindTraceOptions, type FoundTrace, type LookupOptions, type ScanItem, type ScanOptions, type SpanEntry, type TraceQueryable } from '../model/index.js';
// The error types only (no engine): a lookup past its deadline fails as a TraceQL query does (504), or 499.
import { traceqlAbortError } from '../traceql/errors.js';
import { materialize, mayMatch, type Ingester } from '../ingester/index.js';
import type { BlockList } from '../blocks/index.js';

type Visit = (traceId: string, entries: SpanEntry[]) => boolean | Promise<boolean>;

/**
 * The querier (Tempo's querier): answers trace-by-ID, searches and tag lookups from the ingester's heads and the
 * blocks in the object store. Blocks replaced by compaction while a query runs stay readable until it ends.
 */
export class Querier implements TraceQueryable {
  constructor(
    private readonly ingester: Pick<Ingester, 'heads' | 'headTraces'>,
    private readonly blocks: BlockList,
  ) {}

  findTrace(tenant: string, traceIdHex: string): Promise<SpanEntry[] | undefined> {
    return this.lookupTrace(tenant, traceIdHex).then((t) => t?.entries);
  }

  /**
   * The trace's parts — its spans in the heads, then its spans in each block — while they fit in `maxBytes` (a part
   * that does not is left out and the trace is partial, as Tempo's combiner does), in slices of the query lane: a
   * lookup over thousands of blocks does not hold the event loop, and stops when `signal` aborts.
   */
  lookupTrace(tenant: string, traceIdHex: string, opts: FindTraceOptions = {}): Promise<FoundTrace | undefined> {
    return this.blocks.reading(async () => {
      const step = abortableSlices(opts.signal, traceqlAbortError);
      const maxBytes = opts.maxBytes || Infinity;
      const out: SpanEntry[] = [];
      let bytes = 0;
      let partial = false;
      let found = false;
      const fits = (n: number) => {
        found = true;
        if (bytes + n > maxBytes) return !(partial = true);
        bytes += n;
        return true;
      };
      for (const t of this.ingester.headTraces(tenant, traceIdHex)) {
        await step();
        if (fits(t.bytes)) out.push(...materialize(t));
      }
      const id = Buffer.from(traceIdHex, 'hex');
      for (const b of this.blocks.forTenant(tenant)) {
        await step();
        const data = await b.findEncoded(id);
        if (data && fits(data.length)) out.push(...entriesOf(decodeTracesData(data)));
      }
      if (!found) return undefined;
      // Deduplicate spans (a replayed WAL may repeat spans already in a block).
      const seen = new Set<string>();
      const entries = out.filter((e) => {
        const k = bytesToHex(e.span.spanId);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      return { entries, partial };
    });
  }

  scan(tenant: string, opts: ScanOptions, visit: Visit): Promise<{ inspectedTraces: number; inspectedBlocks: number }> {
    return visitCandidates(this.candidates(tenant, opts), visit);
  }

  /**
   * What a scan reads, in order, still encoded: the heads' traces in range with a span the conditions may hold on,
   * then, newest block first (searches usually want recent traces), each block's start and its matching traces.
   * Blocks replaced by compaction stay readable until the generator is done or closed.
   */
  async *candidates(tenant: string, opts: ScanOptions): AsyncGenerator<ScanItem> {
    const release = this.blocks.hold();
    try {
      for (const h of this.ingester.heads()) {
        for (const [id, t] of h.traces.get(tenant) ?? []) {
          if (t.endMs < opts.startMs || t.startMs > opts.endMs) continue;
          if (opts.conditions.length > 0 && !mayMatch(t, opts.conditions)) continue;
          yield { id, spans: t.index.map((i, k) => ({ resource: t.batches[k].resource(i), scope: t.batches[k].scope(i), raw: t.batches[k].raw(i) })) };
        }
      }
      const blocks = [...this.blocks.forTenant(tenant)].reverse();
      for (const b of blocks) {
        yield BLOCK_START;
        yield* b.candidates(opts.conditions, opts.startMs, opts.endMs);
        this.blocks.enforceSearchCache();
      }
    } finally {
      this.blocks.enforceSearchCache();
      release();
    }
  }

  tagNames(tenant: string, opts: LookupOptions = {}): Promise<{ span: string[]; resource: string[] }> {
    return this.blocks.reading(async () => {
      const step = abortableSlices(opts.signal, traceqlAbortError);
      const span = new Set<string>();
      const resource = new Set<string>();
      for await (const e of this.headEntries(tenant, step)) {
        for (const kv of e.span.attributes ?? []) span.add(kv.key);
        for (const kv of e.resource.attributes ?? []) resource.add(kv.key);
      }
      for (const b of this.blocks.forTenant(tenant)) {
        await step();
        const n = await b.tagNames();
        n.span.forEach((k) => span.add(k));
        n.resource.forEach((k) => resource.add(k));
      }
      this.blocks.enforceSearchCache();
      return { span: [...span].sort(), resource: [...resource].sort() };
    });
  }

  tagValues(tenant: string, scope: 'span' | 'resource' | 'any', key: string, opts: LookupOptions = {}): Promise<AttrValue[]> {
    return this.blocks.reading(async () => {
      const step = abortableSlices(opts.signal, traceqlAbortError);
      const out = new Map<string, AttrValue>();
      for await (const e of this.headEntries(tenant, step)) {
        const maps = scope === 'span' ? [e.span.attributes] : scope === 'resource' ? [e.resource.attributes] : [e.span.attributes, e.resource.attributes];
        for (const kvs of maps) {
          const v = attrMap(kvs).get(key);
          if (v !== undefined) out.set(`${typeof v}:${String(v)}`, v);
        }
      }
      for (const b of this.blocks.forTenant(tenant)) {
        await step();
        await b.tagValues(scope, key, out);
      }
      return [...out.values()];
    });
  }

  intrinsicValues(tenant: string, name: 'name' | 'service', opts: LookupOptions = {}): Promise<string[]> {
    return this.blocks.reading(async () => {
      const step = abortableSlices(opts.signal, traceqlAbortError);
      const out = new Set<string>();
      for await (const e of this.headEntries(tenant, step)) {
        if (name === 'name') out.add(e.span.name ?? '');
        else for (const kv of e.resource.attributes ?? []) if (kv.key === 'service.name' && kv.value?.stringValue) out.add(kv.value.stringValue);
      }
      for (const b of this.blocks.forTenant(tenant)) {
        await step();
        for (const v of await b.intrinsicValues(name)) out.add(v);
      }
      out.delete('');
      return [...out].sort();
    });
  }

  /** Every span of the tenant in the heads, decoded one trace at a time, `step` awaited before each trace. */
  private async *headEntries(tenant: string, step: () => Promise<void>): AsyncGenerator<SpanEntry> {
    for (const h of this.ingester.heads()) {
      for (const t of h.traces.get(tenant)?.values() ?? []) {
        await step();
        yield* materialize(t);
      }
    }
  }
}
