import type { SpanCondition } from './span-condition.js';
import type { AttrValue, SpanEntry } from './span-row.js';

/** Options of a scan over a tenant's traces. */
export interface ScanOptions {
  startMs: number;
  endMs: number;
  /** Pushed-down span conditions: blocks skip traces without a span satisfying all of them. */
  conditions: SpanCondition[];
}

/** What the TraceQL engine and the API read: a tenant's traces, in the ingesters' heads and in blocks. */
export interface TraceQueryable {
  findTrace(tenant: string, traceIdHex: string): Promise<SpanEntry[] | undefined>;
  scan(tenant: string, opts: ScanOptions, visit: (traceId: string, entries: SpanEntry[]) => boolean | Promise<boolean>): Promise<{ inspectedTraces: number; inspectedBlocks: number }>;
  tagNames(tenant: string): Promise<{ span: string[]; resource: string[] }>;
  tagValues(tenant: string, scope: 'span' | 'resource' | 'any', key: string): Promise<AttrValue[]>;
  intrinsicValues(tenant: string, name: 'name' | 'service'): Promise<string[]>;
}
