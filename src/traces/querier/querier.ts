import { abortableSlices } from '../../lib/time-slice.js';
import { anyValueToJs, bytesToHex, decodeAnyValueBytes, decodeTracesData, forEachSpanAttribute, type Resource } from '../../otlp/index.js';
import { BLOCK_START, attrMap, entriesOf, visitCandidates, type AttrValue, type DistinctTagValues, type FindTraceOptions, type FoundTrace, type LookupOptions, type ScanItem, type ScanOptions, type SpanEntry, type TraceQueryable } from '../model/index.js';
// The error types only (no engine): a lookup past its deadline fails as a TraceQL query does (504), or 499.
import { traceqlAbortError } from '../traceql/errors.js';
import { materialize, mayMatch, type HeadTrace, type Ingester } from '../ingester/index.js';
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
      this.blocks.enforceIndexCache();
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
      // Head spans stay encoded: their attribute keys are read from the bytes, each resource's once.
      const resources = new Set<Resource>();
      for await (const t of this.headTraces(tenant, step)) {
        t.index.forEach((i, k) => {
          const b = t.batches[k];
          forEachSpanAttribute(b.raw(i), (buf, ks, ke) => void span.add(buf.toString('utf8', ks, ke)));
          resources.add(b.resource(i));
        });
      }
      for (const r of resources) for (const kv of r.attributes ?? []) resource.add(kv.key);
      for (const b of this.blocks.forTenant(tenant)) {
        await step();
        const n = await b.tagNames(step);
        n.span.forEach((k) => span.add(k));
        n.resource.forEach((k) => resource.add(k));
      }
      this.blocks.enforceSearchCache();
      return { span: [...span].sort(), resource: [...resource].sort() };
    });
  }

  tagValues(tenant: string, scope: 'span' | 'resource' | 'any', key: string, into: DistinctTagValues, opts: LookupOptions = {}): Promise<void> {
    return this.blocks.reading(async () => {
      const step = abortableSlices(opts.signal, traceqlAbortError);
      // Head spans stay encoded: only the attribute named `key` is decoded; each resource is read once.
      const resources = new Set<Resource>();
      const read = attributeReader(key);
      for await (const t of this.headTraces(tenant, step)) {
        for (let j = 0; j < t.index.length; j++) {
          const b = t.batches[j];
          const i = t.index[j];
          const v = scope !== 'resource' ? read(b.raw(i)) : undefined;
          if (v !== undefined && into.collect(v)) return;
          if (scope !== 'span') resources.add(b.resource(i));
        }
      }
      for (const r of resources) {
        const v = attrMap(r.attributes).get(key);
        if (v !== undefined && into.collect(v)) return;
      }
      for (const b of this.blocks.forTenant(tenant)) {
        await step();
        if (await b.tagValues(scope, key, into, step)) break;
      }
      this.blocks.enforceSearchCache();
    });
  }

  intrinsicValues(tenant: string, name: 'name' | 'service', into: DistinctTagValues, opts: LookupOptions = {}): Promise<void> {
    return this.blocks.reading(async () => {
      const step = abortableSlices(opts.signal, traceqlAbortError);
      const add = (v: string | undefined) => v !== undefined && v !== '' && into.collect(v);
      // Span names are a head column; services are read from each resource once.
      const resources = new Set<Resource>();
      for await (const t of this.headTraces(tenant, step)) {
        for (let j = 0; j < t.index.length; j++) {
          if (name === 'service') resources.add(t.batches[j].resource(t.index[j]));
          else if (add(t.batches[j].names[t.index[j]])) return;
        }
      }
      for (const r of resources) for (const kv of r.attributes ?? []) if (kv.key === 'service.name' && add(kv.value?.stringValue)) return;
      for (const b of this.blocks.forTenant(tenant)) {
        await step();
        if (await b.intrinsicValues(name, into, step)) break;
      }
      this.blocks.enforceSearchCache();
    });
  }

  /** The tenant's traces in the heads, `step` awaited before each (a slice of the query lane; the lookup's abort). */
  private async *headTraces(tenant: string, step: () => Promise<void>): AsyncGenerator<HeadTrace> {
    for (const h of this.ingester.heads()) {
      for (const t of h.traces.get(tenant)?.values() ?? []) {
        await step();
        yield t;
      }
    }
  }
}

/** Reads an encoded span's attribute `key` (the last one, as a decoded span's map has it), decoding no other. */
function attributeReader(key: string): (raw: Uint8Array) => AttrValue | undefined {
  const want = Buffer.from(key);
  return (raw) => {
    let found: AttrValue | undefined;
    forEachSpanAttribute(raw, (buf, ks, ke, vs, ve) => {
      if (vs < 0 || ke - ks !== want.length || buf.compare(want, 0, want.length, ks, ke) !== 0) return;
      const v = anyValueToJs(decodeAnyValueBytes(buf.subarray(vs, ve)));
      if (v !== undefined) found = v;
    });
    return found;
  };
}
