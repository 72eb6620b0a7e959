import type { DistinctTagValues } from './distinct-tag-values.js';
import type { SpanCondition } from './span-condition.js';
import type { SpanEntry } from './span-row.js';

/** Options of a scan over a tenant's traces. */
export interface ScanOptions {
  startMs: number;
  endMs: number;
  /** Pushed-down span conditions: blocks skip traces without a span satisfying all of them. */
  conditions: SpanCondition[];
}

/** Options of a lookup (trace by ID, tag names and values): it stops when `signal` aborts (its deadline, its client gone). */
export interface LookupOptions {
  signal?: AbortSignal;
}

export interface FindTraceOptions extends LookupOptions {
  /** Most encoded bytes of the trace to gather (0 or absent: all): parts beyond it are left out (Tempo's `max_bytes_per_trace`). */
  maxBytes?: number;
}

/** A trace found by ID: its spans, and whether parts of it were left out for `maxBytes`. */
export interface FoundTrace {
  entries: SpanEntry[];
  partial: boolean;
}

/** What the TraceQL engine and the API read: a tenant's traces, in the ingesters' heads and in blocks. */
export interface TraceQueryable {
  findTrace(tenant: string, traceIdHex: string): Promise<SpanEntry[] | undefined>;
  /** The trace by ID, its parts (the head's, each block's) gathered while they fit in `maxBytes`. */
  lookupTrace(tenant: string, traceIdHex: string, opts?: FindTraceOptions): Promise<FoundTrace | undefined>;
  scan(tenant: string, opts: ScanOptions, visit: (traceId: string, entries: SpanEntry[]) => boolean | Promise<boolean>): Promise<{ inspectedTraces: number; inspectedBlocks: number }>;
  tagNames(tenant: string, opts?: LookupOptions): Promise<{ span: string[]; resource: string[] }>;
  /** The attribute's distinct values, collected `into` until its byte limit is reached (then reading stops). */
  tagValues(tenant: string, scope: 'span' | 'resource' | 'any', key: string, into: DistinctTagValues, opts?: LookupOptions): Promise<void>;
  /** The distinct span names or root services, collected `into` as `tagValues` (the empty string left out). */
  intrinsicValues(tenant: string, name: 'name' | 'service', into: DistinctTagValues, opts?: LookupOptions): Promise<void>;
}
