import { describe, expect, it } from 'vitest';
import { Types, decodeTracesRequest, spanHeads, type ResourceSpans } from '../../otlp/index.js';
import { tracesOfInput } from '../blocks/index.js';
import { appendToHead, blockInput, materialize, mayMatch, newHead } from './head.js';

const traceA = Buffer.alloc(16, 0xa1);
const traceB = Buffer.alloc(16, 0xb2);
const span = (traceId: Buffer, n: number, name: string, ms: number) => ({
  traceId,
  spanId: Buffer.alloc(8, n),
  name,
  kind: 2,
  startTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(n) * 1_000_000n),
  endTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(n) * 1_000_000n + BigInt(ms) * 1_000_000n),
  status: { code: n === 2 ? 2 : 0 },
  attributes: [{ key: 'n', value: { intValue: n } }],
});
const request = {
  resourceSpans: [
    { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'front' } }] }, scopeSpans: [{ scope: { name: 's' }, spans: [span(traceA, 1, 'a1', 5), span(traceB, 2, 'b2', 700)] }] },
    { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'back' } }] }, scopeSpans: [{ scope: { name: 's' }, spans: [span(traceA, 3, 'a3', 20)] }] },
  ],
};

/** As the distributor hands spans over: span heads over the request bytes. */
function fromProtobuf(): ResourceSpans[] {
  const bytes = Types.ExportTraceServiceRequest.encode(Types.ExportTraceServiceRequest.fromObject(request)).finish();
  return decodeTracesRequest(bytes).resourceSpans!.map((rs) => ({ ...rs, scopeSpans: rs.scopeSpans!.map((ss) => ({ scope: ss.scope, spans: spanHeads(ss) })) }));
}

/** As Zipkin / OTLP-JSON spans arrive: objects without bytes. */
function fromObjects(): ResourceSpans[] {
  return (Types.ExportTraceServiceRequest.toObject(Types.ExportTraceServiceRequest.fromObject(request), { oneofs: true }) as { resourceSpans: ResourceSpans[] }).resourceSpans;
}

describe('trace head', () => {
  for (const [what, make] of [['span heads over one request buffer', fromProtobuf], ['spans without bytes (encoded on append)', fromObjects]] as const) {
    it(`keeps ${what} per trace, with their intrinsics, and gives them back decoded`, () => {
      const head = newHead();
      expect(appendToHead(head, 't', make(), 3000, 1)).toBe(2);
      const a = head.traces.get('t')!.get(traceA.toString('hex'))!;
      const b = head.traces.get('t')!.get(traceB.toString('hex'))!;
      const entries = materialize(a);
      expect(entries.map((e) => [e.span.name, e.resource.attributes![0].value!.stringValue, Number(e.span.attributes![0].value!.intValue)])).toEqual([
        ['a1', 'front', 1],
        ['a3', 'back', 3],
      ]);
      // As the block writer gets them (across threads): traces in ID order, spans with their resource, scope, bytes and intrinsics.
      const [wa, wb] = tracesOfInput(blockInput(head.traces.get('t')!));
      expect([wa.hex, wb.hex]).toEqual([traceA.toString('hex'), traceB.toString('hex')]);
      expect(wa.spans().map((s) => [s.name, s.kind, s.status, s.durationNs, s.resource.attributes![0].value!.stringValue, s.scope.name])).toEqual([
        ['a1', 2, 0, 5e6, 'front', 's'],
        ['a3', 2, 0, 20e6, 'back', 's'],
      ]);
      expect(wa.spans().map((s) => Buffer.from(s.raw).toString('hex'))).toEqual(entries.map((e) => Buffer.from(e.span.raw ?? []).toString('hex')));
      expect(wb.spans()[0].status).toBe(2);
      expect(a.endMs - a.startMs).toBeCloseTo(22, 2); // a1 starts at +1 ms, a3 ends at +3 + 20 ms
      const long = { target: { kind: 'intrinsic', name: 'duration' } as const, op: '>' as const, value: 500e6 };
      const back = { target: { kind: 'attr', scope: 'resource', key: 'service.name' } as const, op: '=' as const, value: 'back' };
      expect([mayMatch(a, [long]), mayMatch(b, [long]), mayMatch(a, [back]), mayMatch(b, [back]), mayMatch(a, [back, long])]).toEqual([false, true, true, false, false]);
    });
  }
});
