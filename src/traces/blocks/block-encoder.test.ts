import { describe, expect, it } from 'vitest';
import { Types, decodeTracesRequest, encodeTracesData, spanHeads } from '../../otlp/index.js';
import { entriesOf, groupByResource } from '../model/index.js';
import { encodeBlock, spanToWrite, type TraceToWrite } from './block-encoder.js';
import { GrowableBytes } from './columns.js';

/** Traces of `spans` spans each over two services (each trace's spans alternate between them), 2 attributes per span. */
function traces(count: number, spans: number): TraceToWrite[] {
  const rs = ['front', 'back'].map((service, r) => ({
    resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
    scopeSpans: [
      {
        scope: { name: 'lib' },
        spans: Array.from({ length: count * spans }, (_, i) => ({
          traceId: Buffer.alloc(16, 1 + (i % count)),
          spanId: Buffer.alloc(8, 2 * i + r),
          name: `op-${i % 3}`,
          startTimeUnixNano: '1700000000000000000',
          endTimeUnixNano: '1700000000005000000',
          attributes: [{ key: 'a', value: { stringValue: `v${i}` } }, { key: 'n', value: { intValue: i } }],
        })),
      },
    ],
  }));
  const req = decodeTracesRequest(Types.ExportTraceServiceRequest.encode(Types.ExportTraceServiceRequest.fromObject({ resourceSpans: rs })).finish());
  const entries = entriesOf(req.resourceSpans!, spanHeads);
  return Array.from({ length: count }, (_, t) => {
    const id = Buffer.alloc(16, 1 + t);
    return { id, hex: id.toString('hex'), spans: () => entries.filter((e) => Buffer.from(e.span.traceId!).equals(id)).map(spanToWrite) };
  });
}

describe('encodeBlock', () => {
  it("writes every trace's TracesData into one data object, the same bytes whatever the starting size", () => {
    const small = encodeBlock(traces(40, 5), 0); // starts at 1 kB: grows several times
    const sized = encodeBlock(traces(40, 5), 1 << 20);
    expect(Buffer.from(small.data)).toEqual(Buffer.from(sized.data));
    expect(small.index).toEqual(sized.index);
    expect(small.search).toEqual(sized.search);
    // Each trace's entry is its TracesData as encoded alone (what a block held when each trace was its own buffer).
    const expected = Buffer.concat(traces(40, 5).map((t) => encodeTracesData(groupByResource(t.spans(), (s) => s))));
    expect(Buffer.from(small.data)).toEqual(expected);
    expect(small.traces).toBe(40);
    expect(small.spans).toBe(400);
  });

  it('grows its data buffer by half when a write does not fit', () => {
    const g = new GrowableBytes(1024);
    g.ensure(1000);
    g.buf.fill(7, 0, 1000);
    g.length = 1000;
    g.ensure(100);
    expect(g.buf.length).toBe(1536);
    expect(g.get()).toEqual(new Uint8Array(1000).fill(7));
    g.ensure(5000);
    expect(g.buf.length).toBe(6000);
  });
});
