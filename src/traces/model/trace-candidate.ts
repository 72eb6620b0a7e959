// The codec alone, not the OTLP index (see src/otlp/proto/index.ts): this module runs in worker threads too.
import { decodeSpanBytes, decodeTracesData } from '../../otlp/proto/index.js';
import type { InstrumentationScope, Resource } from '../../otlp/index.js';
import { entriesOf, type SpanEntry } from './span-row.js';
import type { ScanOptions } from './trace-queryable.js';

/**
 * A trace a scan picked (its time range and pushed-down conditions may hold), still encoded: a block's trace as
 * its OTLP `TracesData` bytes, or a head trace as its spans' bytes with their decoded resource and scope. Decoding
 * is left to whoever evaluates it — the calling thread, or a TraceQL query worker.
 */
export type TraceCandidate =
  | { id: string; data: Uint8Array }
  | { id: string; spans: { resource: Resource; scope: InstrumentationScope; raw: Uint8Array }[] };

/** What a scan yields in order: candidates, and a marker where it starts reading a block (for the stats). */
export type ScanItem = TraceCandidate | typeof BLOCK_START;
export const BLOCK_START = 'block' as const;

/** The trace store as a query reads it: what a scan would visit, still encoded (src/traces/querier). */
export interface TraceCandidateSource {
  candidates(tenant: string, opts: ScanOptions): AsyncIterable<ScanItem>;
}

/** The spans of a candidate, decoded. */
export function decodeCandidate(c: TraceCandidate): SpanEntry[] {
  if ('data' in c) return entriesOf(decodeTracesData(c.data));
  return c.spans.map((h) => ({ resource: h.resource, scope: h.scope, span: decodeSpanBytes(h.raw) }));
}

/**
 * Visit the candidates of a scan, decoded, until `visit` returns false (the scan is then closed); the counts of
 * traces visited and blocks read, as Tempo's search metrics report them.
 */
export async function visitCandidates(
  items: AsyncIterable<ScanItem>,
  visit: (traceId: string, entries: SpanEntry[]) => boolean | Promise<boolean>,
): Promise<{ inspectedTraces: number; inspectedBlocks: number }> {
  let inspectedTraces = 0;
  let inspectedBlocks = 0;
  for await (const c of items) {
    if (c === BLOCK_START) {
      inspectedBlocks++;
      continue;
    }
    inspectedTraces++;
    if (!(await visit(c.id, decodeCandidate(c)))) break;
  }
  return { inspectedTraces, inspectedBlocks };
}
