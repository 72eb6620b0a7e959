import { describe, expect, it } from 'vitest';
import { OtlpDecodeError, Types, decodeTracesRequest, encodeTracesRequest, resourceSpansToJson } from './codec.js';
import { MAX_ANY_VALUE_DEPTH, decodeSpanBytes, spanAttribute, spanCount, spanHeads, spansMayHaveAttribute, undecodedSpans } from './trace-decoder.js';

const request = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }, { key: 'n', value: { intValue: -5 } }] },
      schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
      scopeSpans: [
        {
          scope: { name: 'lib', version: '1.0' },
          spans: [
            {
              traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'),
              spanId: Buffer.from('b7ad6b7169203331', 'hex'),
              parentSpanId: Buffer.from('00f067aa0ba902b7', 'hex'),
              traceState: 'a=b',
              flags: 257,
              name: 'GET /',
              kind: 2,
              startTimeUnixNano: '1700000000123456789',
              endTimeUnixNano: '1700000000223456789',
              attributes: [
                { key: 's', value: { stringValue: 'x' } },
                { key: 'b', value: { boolValue: true } },
                { key: 'i', value: { intValue: '9007199254740993' } },
                { key: 'd', value: { doubleValue: 1.5 } },
                { key: 'a', value: { arrayValue: { values: [{ stringValue: 'p' }, { intValue: 2 }] } } },
                { key: 'm', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } } },
                { key: 'y', value: { bytesValue: Buffer.from([1, 2, 3]) } },
              ],
              events: [{ timeUnixNano: '1700000000200000000', name: 'ev', attributes: [{ key: 'e', value: { intValue: 1 } }] }],
              links: [{ traceId: Buffer.from('1af7651916cd43dd8448eb211c80319c', 'hex'), spanId: Buffer.from('c7ad6b7169203331', 'hex'), attributes: [] }],
              status: { code: 2, message: 'boom' },
            },
          ],
        },
      ],
    },
  ],
};

describe('hand-written trace decoder', () => {
  it('decodes what protobufjs encodes into the same OTLP/JSON, and re-encodes byte-identically', () => {
    const bytes = Types.ExportTraceServiceRequest.encode(Types.ExportTraceServiceRequest.fromObject(request)).finish();
    const ours = decodeTracesRequest(bytes);
    const theirs = Types.ExportTraceServiceRequest.decode(bytes) as unknown as { resourceSpans: never[] };
    expect(resourceSpansToJson(ours.resourceSpans!)).toEqual(resourceSpansToJson(theirs.resourceSpans));
    expect(Buffer.from(encodeTracesRequest(ours)).equals(Buffer.from(bytes))).toBe(true);
    const span = ours.resourceSpans![0].scopeSpans![0].spans![0];
    expect(span.startTimeUnixNano!.toString()).toBe('1700000000123456789');
    expect(span.attributes![2].value!.intValue!.toString()).toBe('9007199254740993');
  });

  it('refuses truncated input and bad wire types', () => {
    const bytes = Types.ExportTraceServiceRequest.encode(Types.ExportTraceServiceRequest.fromObject(request)).finish();
    expect(() => decodeTracesRequest(bytes.subarray(0, bytes.length - 3))).toThrow(OtlpDecodeError);
    expect(() => decodeTracesRequest(Uint8Array.from([0x0f, 0x01]))).toThrow(/invalid wire type 7/);
  });

  it('builds spans only when read: counting and re-encoding use the bytes they arrived with', () => {
    const two = structuredClone(request);
    const first = two.resourceSpans[0].scopeSpans[0].spans[0];
    two.resourceSpans[0].scopeSpans[0].spans.push({ ...first, name: 'second' });
    const bytes = Types.ExportTraceServiceRequest.encode(Types.ExportTraceServiceRequest.fromObject(two)).finish();
    const ss = decodeTracesRequest(bytes).resourceSpans![0].scopeSpans![0];
    expect(spanCount(ss)).toBe(2);
    expect(undecodedSpans(ss)).toHaveLength(2);
    expect(Buffer.from(encodeTracesRequest(decodeTracesRequest(bytes))).equals(Buffer.from(bytes))).toBe(true);
    // Reading builds them once; replacing them is what the encoder then writes.
    expect(ss.spans!.map((s) => s.name)).toEqual(['GET /', 'second']);
    expect(undecodedSpans(ss)).toBeUndefined();
    expect(ss.spans).toBe(ss.spans);
    const req = decodeTracesRequest(bytes);
    const scope = req.resourceSpans![0].scopeSpans![0];
    scope.spans = scope.spans!.filter((s) => s.name === 'second');
    expect(spanCount(scope)).toBe(1);
    const again = decodeTracesRequest(encodeTracesRequest(req));
    expect(again.resourceSpans![0].scopeSpans![0].spans!.map((s) => s.name)).toEqual(['second']);
    // Copies (spread, JSON) see the spans.
    expect({ ...decodeTracesRequest(bytes).resourceSpans![0].scopeSpans![0] }.spans).toHaveLength(2);
    expect(JSON.parse(JSON.stringify(decodeTracesRequest(bytes).resourceSpans![0].scopeSpans![0])).spans).toHaveLength(2);
  });

  it('still refuses a malformed span when the request arrives, before anything reads it', () => {
    // Built by hand: protobufjs refuses to encode messages this deep.
    const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(n >>> 7)]);
    const field = (tag: number, body: number[]): number[] => [tag, ...varint(body.length), ...body];
    const requestWithAttr = (levels: number): Uint8Array => {
      let any = field(0x0a, [0x78]); // AnyValue{stringValue: "x"}
      for (let i = 0; i < levels; i++) any = field(0x2a, field(0x0a, any)); // AnyValue{arrayValue{values: [any]}}
      const kv = [...field(0x0a, [0x64]), ...field(0x12, any)];
      return Uint8Array.from(field(0x0a, field(0x12, field(0x12, field(0x4a, kv)))));
    };
    // The attribute's value is depth 1; each array level adds one.
    expect(spanCount(decodeTracesRequest(requestWithAttr(MAX_ANY_VALUE_DEPTH - 1)).resourceSpans![0].scopeSpans![0])).toBe(1);
    expect(() => decodeTracesRequest(requestWithAttr(MAX_ANY_VALUE_DEPTH))).toThrow(/AnyValue nested deeper than 128/);
    // An event inside a span whose fixed64 time is cut short; a bad wire type inside a link's attribute.
    const spanOf = (span: number[]) => Uint8Array.from(field(0x0a, field(0x12, field(0x12, span))));
    expect(() => decodeTracesRequest(spanOf(field(0x5a, [0x09, 1, 2, 3])))).toThrow(/truncated fixed64/);
    expect(() => decodeTracesRequest(spanOf(field(0x6a, field(0x22, [0x0f, 0x01]))))).toThrow(/invalid wire type 7/);
  });

  it('span heads: scalar fields decoded, attributes, events and links only when read, attributes found in the bytes', () => {
    const bytes = Types.ExportTraceServiceRequest.encode(Types.ExportTraceServiceRequest.fromObject(request)).finish();
    const ss = decodeTracesRequest(bytes).resourceSpans![0].scopeSpans![0];
    const [head] = spanHeads(ss);
    expect(undecodedSpans(ss)).toHaveLength(1); // the group's spans are still undecoded
    const full = decodeTracesRequest(bytes).resourceSpans![0].scopeSpans![0].spans![0];
    for (const k of ['traceId', 'spanId', 'parentSpanId', 'traceState', 'flags', 'name', 'kind', 'status'] as const) expect(head[k]).toEqual(full[k]);
    expect(head.startTimeUnixNano!.toString()).toBe('1700000000123456789');
    expect(head.endTimeUnixNano!.toString()).toBe('1700000000223456789');
    // Found in the bytes, equal to what the decoder builds; an absent key is undefined.
    for (const kv of full.attributes!) expect(spanAttribute(head, kv.key)).toEqual(kv.value);
    expect(spanAttribute(head, 'nope')).toBeUndefined();
    expect(spanAttribute(full, 'b')).toEqual({ value: 'boolValue', boolValue: true });
    // Reading the lists decodes them once.
    expect(head.attributes).toEqual(full.attributes);
    expect(head.attributes).toBe(head.attributes);
    expect(head.events).toEqual(full.events);
    expect(head.links).toEqual(full.links);
    expect(spanAttribute(head, 's')).toEqual({ value: 'stringValue', stringValue: 'x' });
    // Re-encoding a group of heads writes the bytes they arrived with.
    ss.spans = spanHeads(ss);
    expect(Buffer.from(encodeTracesRequest({ resourceSpans: [{ ...decodeTracesRequest(bytes).resourceSpans![0], scopeSpans: [ss] }] })).equals(Buffer.from(bytes))).toBe(true);
  });

  it('span heads: a key written twice, the last key of an attribute wins; an attribute without a value is passed over', () => {
    // KeyValue { key: 'x', key: 's', value: 'first' }, { key: 's' } (no value), { key: 's', value: 'second' }.
    const str = (f: number, t: string) => [f, t.length, ...Buffer.from(t)];
    const kv = (...parts: number[][]) => [0x4a, parts.flat().length, ...parts.flat()];
    const value = (t: string) => [0x12, t.length + 2, ...str(0x0a, t)];
    const span = Uint8Array.from([...str(0x2a, 'op'), ...kv(str(0x0a, 'x'), str(0x0a, 's'), value('first')), ...kv(str(0x0a, 's')), ...kv(str(0x0a, 's'), value('second'))]);
    expect(spanAttribute(decodeSpanBytes(span), 's')).toEqual({ value: 'stringValue', stringValue: 'first' });
    const group = (raw: Uint8Array) => [0x0a, ...lenOf(raw), ...raw];
    const lenOf = (b: Uint8Array | number[]) => (b.length < 128 ? [b.length] : [(b.length & 0x7f) | 0x80, b.length >> 7]);
    const scope = [0x12, ...lenOf(span), ...span];
    const bytes = Uint8Array.from(group(Uint8Array.from([0x12, ...lenOf(scope), ...scope])));
    const [head] = spanHeads(decodeTracesRequest(bytes).resourceSpans![0].scopeSpans![0]);
    expect(spanAttribute(head, 's')).toEqual({ value: 'stringValue', stringValue: 'first' });
    expect(spanAttribute(head, 'x')).toBeUndefined(); // its key was replaced by 's'
    expect(head.attributes!.map((a) => a.key)).toEqual(['s', 's', 's']);
  });

  it('spansMayHaveAttribute: false only when no key occurs in the bytes the span heads cover', () => {
    const req = (attrs: Record<string, string>[]) =>
      Types.ExportTraceServiceRequest.encode(
        Types.ExportTraceServiceRequest.fromObject({
          resourceSpans: [
            {
              resource: { attributes: [{ key: 'db.name', value: { stringValue: 'in the resource, not a span' } }] },
              scopeSpans: [{ spans: attrs.map((a, i) => ({ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, i + 1), name: 'op', attributes: Object.entries(a).map(([key, v]) => ({ key, value: { stringValue: v } })) })) }],
            },
          ],
        }),
      ).finish();
    const heads = (bytes: Uint8Array) => spanHeads(decodeTracesRequest(bytes).resourceSpans![0].scopeSpans![0]);
    const none = heads(req([{ a: 'b' }, { 'peer.service': 'db.nam' }]));
    expect(spansMayHaveAttribute(none, ['db.name'])).toBe(false);
    expect(spansMayHaveAttribute(none, ['db.name', 'peer.service'])).toBe(true);
    expect(spansMayHaveAttribute(none, [])).toBe(false);
    expect(spansMayHaveAttribute([], ['db.name'])).toBe(false);
    // In the second span's key, or only in a value: both "may" (the bytes are searched, not the keys).
    expect(spansMayHaveAttribute(heads(req([{ a: 'b' }, { 'db.name': 'orders' }])), ['db.name'])).toBe(true);
    expect(spansMayHaveAttribute(heads(req([{ a: 'db.name' }])), ['db.name'])).toBe(true);
    // Spans that are not heads over one buffer: each has to be looked at.
    const other = heads(req([{ a: 'b' }]));
    expect(spansMayHaveAttribute([...none, ...other], ['db.name'])).toBe(true);
    expect(spansMayHaveAttribute([decodeTracesRequest(req([{ a: 'b' }])).resourceSpans![0].scopeSpans![0].spans![0]], ['db.name'])).toBe(true);
  });
});
