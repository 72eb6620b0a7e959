import { describe, expect, it } from 'vitest';
import { OtlpDecodeError, Types, decodeTracesRequest, encodeTracesRequest, resourceSpansToJson } from './codec.js';

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
});
