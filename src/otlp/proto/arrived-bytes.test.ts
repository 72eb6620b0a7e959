import { describe, expect, it } from 'vitest';
import { Types, arrivedBytesIfUnchanged, decodeTracesRequest, encodeTracesRequest, spanHeads } from './codec.js';
import type { ResourceSpans } from './types.js';

const id = (n: number, len: number) => Buffer.from(n.toString(16).padStart(2 * len, '0'), 'hex');

/** Two resources, the first with two scope groups; three spans per scope group. */
function body(): Buffer {
  const spans = (base: number) => [0, 1, 2].map((i) => ({ traceId: id(base + i + 1, 16), spanId: id(base + i + 1, 8), name: `op-${base + i}`, attributes: [{ key: 'k', value: { stringValue: 'v' } }] }));
  const req = Types.ExportTraceServiceRequest.fromObject({
    resourceSpans: [
      { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'a' } }] }, scopeSpans: [{ scope: { name: 's1' }, spans: spans(0) }, { scope: { name: 's2' }, spans: spans(10) }] },
      { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'b' } }] }, scopeSpans: [{ scope: { name: 's3' }, spans: spans(20) }] },
    ],
  });
  return Buffer.from(Types.ExportTraceServiceRequest.encode(req).finish());
}

/** The groups of a decoded request rebuilt as a store does (spans read as span heads), with `edit` applied to the span lists. */
function rebuilt(list: ResourceSpans[], edit: (spans: ReturnType<typeof spanHeads>, group: number) => ReturnType<typeof spanHeads> = (s) => s): ResourceSpans[] {
  let g = 0;
  return list.map((rs) => ({ ...rs, scopeSpans: rs.scopeSpans!.map((ss) => ({ scope: ss.scope, schemaUrl: ss.schemaUrl, spans: edit(spanHeads(ss), g++) })) }));
}

describe('arrivedBytesIfUnchanged', () => {
  it('answers the very bytes a request was decoded from while its groups and spans are all there, in order', () => {
    const b = body();
    const req = decodeTracesRequest(b);
    expect(arrivedBytesIfUnchanged(req, req.resourceSpans!)).toBe(b);
    const copy = rebuilt(req.resourceSpans!);
    expect(arrivedBytesIfUnchanged(req, copy)).toBe(b);
    // Reading the spans builds them; their bytes are still the ones that arrived.
    expect(req.resourceSpans![0].scopeSpans![0].spans![0].name).toBe('op-0');
    expect(arrivedBytesIfUnchanged(req, req.resourceSpans!)).toBe(b);
  });

  it('answers undefined when a span was dropped, moved to another group, duplicated, or the groups reordered', () => {
    const b = body();
    const req = decodeTracesRequest(b);
    const list = req.resourceSpans!;
    expect(arrivedBytesIfUnchanged(req, rebuilt(list, (s, g) => (g === 1 ? s.slice(1) : s)))).toBeUndefined();
    // Group 1's spans moved into group 0 (same count, same order of bytes, other scope).
    const heads = rebuilt(list);
    const merged = rebuilt(list, (s, g) => (g === 0 ? [...s, ...heads[0].scopeSpans![1].spans!] : g === 1 ? [] : s));
    expect(arrivedBytesIfUnchanged(req, merged)).toBeUndefined();
    expect(arrivedBytesIfUnchanged(req, rebuilt(list, (s, g) => (g === 2 ? [s[0], s[0], s[1]] : s)))).toBeUndefined();
    expect(arrivedBytesIfUnchanged(req, [list[1], list[0]])).toBeUndefined();
    expect(arrivedBytesIfUnchanged(req, [list[0]])).toBeUndefined();
  });

  it('answers undefined when a message was changed (its raw bytes dropped) or comes from another request', () => {
    const b = body();
    const req = decodeTracesRequest(b);
    const other = decodeTracesRequest(body());
    const list = rebuilt(req.resourceSpans!);
    expect(arrivedBytesIfUnchanged(req, [list[0], rebuilt(other.resourceSpans!)[1]])).toBeUndefined();
    delete list[1].resource!.raw;
    expect(arrivedBytesIfUnchanged(req, list)).toBeUndefined();
    const req2 = decodeTracesRequest(b);
    req2.resourceSpans![0].scopeSpans![0].spans![1] = { ...req2.resourceSpans![0].scopeSpans![0].spans![1], raw: undefined, name: 'renamed' };
    expect(arrivedBytesIfUnchanged(req2, req2.resourceSpans!)).toBeUndefined();
    // A request that was not decoded has no arrived bytes.
    expect(arrivedBytesIfUnchanged({ resourceSpans: list }, list)).toBeUndefined();
    // Encoding the rebuilt groups gives the same spans as the arrived bytes (what the WAL replays).
    expect(decodeTracesRequest(encodeTracesRequest({ resourceSpans: rebuilt(decodeTracesRequest(b).resourceSpans!) })).resourceSpans!.flatMap((rs) => rs.scopeSpans!.flatMap((ss) => ss.spans!.map((s) => s.name)))).toEqual(
      decodeTracesRequest(b).resourceSpans!.flatMap((rs) => rs.scopeSpans!.flatMap((ss) => ss.spans!.map((s) => s.name))),
    );
  });
});
