import { describe, expect, it } from 'vitest';
import { BLOCK_START, decodeCandidate, type ScanItem, type TraceCandidate } from '../../model/index.js';
import { Types, encodeTracesData, stringAttr, type InstrumentationScope, type Resource } from '../../../otlp/index.js';
import { CandidateEncoder, candidatesFromWire } from './candidate-wire.js';
import type { WireCandidate } from './protocol.js';

const resource: Resource = { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] };
const scope: InstrumentationScope = { name: 'lib', version: '1.2' };
const spanBytes = (name: string, id: number) =>
  Types.Span.encode(Types.Span.fromObject({ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, id), name, startTimeUnixNano: 1, endTimeUnixNano: 2 })).finish();

async function roundTrip(items: ScanItem[]): Promise<{ wire: (WireCandidate | typeof BLOCK_START)[]; back: ScanItem[] }> {
  const enc = new CandidateEncoder();
  const wire = items.map((c) => (c === BLOCK_START ? c : enc.toWire(c, []).wire));
  const back: ScanItem[] = [];
  for await (const c of candidatesFromWire((async function* () {
    yield* wire;
  })()))
    back.push(c);
  return { wire, back };
}

describe('TraceQL pool candidates on the wire', () => {
  it('sends head spans as their bytes, each resource and scope defined once per cursor, and gives back the same spans', async () => {
    const head = (id: string, names: string[]): TraceCandidate => ({ id, spans: names.map((n, i) => ({ resource, scope, raw: spanBytes(n, i + 1) })) });
    const block: TraceCandidate = { id: 'b', data: encodeTracesData([{ resource, scopeSpans: [{ scope, spans: [{ raw: spanBytes('in-block', 9) }] }] }]) };
    const items: ScanItem[] = [head('t1', ['a', 'b']), head('t2', ['c']), BLOCK_START, block];
    const { wire, back } = await roundTrip(items);
    expect((wire[0] as { groups?: unknown[] }).groups).toHaveLength(1);
    expect((wire[1] as { groups?: unknown[] }).groups).toBeUndefined();
    expect(back[2]).toBe(BLOCK_START);
    const decoded = [back[0], back[1], back[3]].map((c) => decodeCandidate(c as TraceCandidate));
    expect(decoded.map((es) => es.map((e) => e.span.name))).toEqual([['a', 'b'], ['c'], ['in-block']]);
    for (const es of decoded)
      for (const e of es) {
        expect(stringAttr(e.resource.attributes, 'service.name')).toBe('api');
        expect({ name: e.scope.name, version: e.scope.version }).toEqual(scope);
      }
    // The two head traces share the one decoded resource.
    expect(decoded[0][0].resource).toBe(decoded[1][0].resource);
  });
});
