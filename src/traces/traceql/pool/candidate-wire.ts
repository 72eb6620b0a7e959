import { BLOCK_START, type ScanItem, type TraceCandidate } from '../../model/index.js';
import { decodeTracesData, encodeTracesData, type InstrumentationScope, type Resource } from '../../../otlp/index.js';
import type { WireCandidate } from './protocol.js';

/**
 * Scan items as they cross to a TraceQL worker and back, per cursor. A block's trace crosses as its bytes; a head
 * trace as its spans' received bytes with their (resource, scope) groups, defined once per cursor: the main thread
 * copies bytes, encodes nothing per trace, and the worker decodes only the spans, as the event loop's evaluation does.
 */

type Group = { resource: Resource; scope: InstrumentationScope };

/** Bytes of the buffers the candidates of a page are written into (one transfer for many traces). */
const ARENA_BYTES = 256 * 1024;

/**
 * The main thread's side: numbers the groups a cursor has sent, and writes the candidates of a page into shared
 * arenas (a page is one `transfer` list), so a page transfers a few buffers rather than one or two per trace.
 */
export class CandidateEncoder {
  private readonly groups = new Map<Resource, Map<InstrumentationScope, number>>();
  private next = 0;
  private page: ArrayBuffer[] | undefined;
  private arena = new ArrayBuffer(0);
  private used = 0;

  /** `n` bytes in the current page's arena, 4-aligned (a new arena when it is full). */
  private alloc(n: number, transfer: ArrayBuffer[]): { buffer: ArrayBuffer; offset: number } {
    if (transfer !== this.page || this.used + n > this.arena.byteLength) {
      this.page = transfer;
      this.arena = new ArrayBuffer(Math.max(ARENA_BYTES, n));
      this.used = 0;
      transfer.push(this.arena);
    }
    const offset = this.used;
    this.used += (n + 3) & ~3;
    return { buffer: this.arena, offset };
  }

  /** `c` as a message, its buffers added to `transfer` (the page's list). */
  toWire(c: TraceCandidate, transfer: ArrayBuffer[]): { wire: WireCandidate; bytes: number } {
    if ('data' in c) {
      // A block read is a view of a larger buffer (a range read), which a transfer would detach: copied.
      const a = this.alloc(c.data.length, transfer);
      const data = new Uint8Array(a.buffer, a.offset, c.data.length);
      data.set(c.data);
      return { wire: { id: c.id, data }, bytes: data.length };
    }
    let total = 0;
    for (const s of c.spans) total += s.raw.length;
    const n = c.spans.length;
    const a = this.alloc(n * 8 + total, transfer);
    const meta = new Uint32Array(a.buffer, a.offset, n * 2);
    const spans = new Uint8Array(a.buffer, a.offset + n * 8, total);
    let defs: { n: number; data: Uint8Array }[] | undefined;
    let off = 0;
    for (let i = 0; i < n; i++) {
      const s = c.spans[i];
      spans.set(s.raw, off);
      off += s.raw.length;
      meta[2 * i] = s.raw.length;
      let scopes = this.groups.get(s.resource);
      if (!scopes) this.groups.set(s.resource, (scopes = new Map()));
      let g = scopes.get(s.scope);
      if (g === undefined) {
        scopes.set(s.scope, (g = this.next++));
        (defs ??= []).push({ n: g, data: new Uint8Array(encodeTracesData([{ resource: s.resource, scopeSpans: [{ scope: s.scope, spans: [] }] }])) });
      }
      meta[2 * i + 1] = g;
    }
    return { wire: defs ? { id: c.id, spans, meta, groups: defs } : { id: c.id, spans, meta }, bytes: total };
  }
}

/** The worker's side of one cursor: its wire items as scan items, each group decoded once. */
export async function* candidatesFromWire(items: AsyncIterable<WireCandidate | typeof BLOCK_START>): AsyncGenerator<ScanItem> {
  const groups: Group[] = [];
  for await (const w of items) {
    if (w === BLOCK_START || 'data' in w) {
      yield w;
      continue;
    }
    for (const g of w.groups ?? []) {
      const rs = decodeTracesData(g.data)[0];
      groups[g.n] = { resource: rs?.resource ?? {}, scope: rs?.scopeSpans?.[0]?.scope ?? {} };
    }
    const n = w.meta.length / 2;
    const spans = new Array<{ resource: Resource; scope: InstrumentationScope; raw: Uint8Array }>(n);
    let off = 0;
    for (let i = 0; i < n; i++) {
      const len = w.meta[2 * i];
      const g = groups[w.meta[2 * i + 1]];
      spans[i] = { resource: g.resource, scope: g.scope, raw: w.spans.subarray(off, off + len) };
      off += len;
    }
    yield { id: w.id, spans };
  }
}
