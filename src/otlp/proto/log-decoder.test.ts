import { describe, expect, it } from 'vitest';
import { OtlpDecodeError, Types, decodeLogsRequest, encodeLogsRequest, messageToOtlpJson } from './codec.js';
import { logRecordCount } from './log-decoder.js';
import { MAX_ANY_VALUE_DEPTH, undecodedItems } from './otlp-wire.js';
import type { ExportLogsServiceRequest } from './types.js';

const record = (body: string, extra: Record<string, unknown> = {}) => ({
  timeUnixNano: '1700000000123456789',
  observedTimeUnixNano: '1700000000223456789',
  severityNumber: 17,
  severityText: 'ERROR',
  body: { stringValue: body },
  attributes: [
    { key: 'i', value: { intValue: '9007199254740993' } },
    { key: 'm', value: { kvlistValue: { values: [{ key: 'k', value: { arrayValue: { values: [{ boolValue: true }] } } }] } } },
  ],
  flags: 1,
  traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'),
  spanId: Buffer.from('b7ad6b7169203331', 'hex'),
  ...extra,
});

const request = {
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
      schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
      scopeLogs: [{ scope: { name: 'lib', version: '1.0' }, schemaUrl: 's', logRecords: [record('first'), record('second', { eventName: 'ev', droppedAttributesCount: 2 })] }],
    },
  ],
};
const bytes = Types.ExportLogsServiceRequest.encode(Types.ExportLogsServiceRequest.fromObject(request)).finish();
const json = (req: ExportLogsServiceRequest) => messageToOtlpJson(Types.ExportLogsServiceRequest, encodeLogsRequest(req));

describe('hand-written logs decoder', () => {
  it('counts and re-sends log records byte-identically without building them', () => {
    const req = decodeLogsRequest(bytes);
    const sl = req.resourceLogs![0].scopeLogs![0];
    expect(logRecordCount(sl)).toBe(2);
    expect(undecodedItems(sl)).toHaveLength(2);
    expect(Buffer.from(encodeLogsRequest(req)).equals(Buffer.from(bytes))).toBe(true);
    expect(undecodedItems(sl)).toHaveLength(2); // encoding did not build them
    expect(req.resourceLogs![0].resource!.attributes![0].value!.stringValue).toBe('svc');
    expect(sl.scope!.name).toBe('lib');
  });

  it('builds log records with the fields protobufjs decodes, once, on first read', () => {
    const req = decodeLogsRequest(bytes);
    const sl = req.resourceLogs![0].scopeLogs![0];
    const recs = sl.logRecords!;
    expect(undecodedItems(sl)).toBeUndefined();
    expect(sl.logRecords).toBe(recs);
    const theirs = Types.ExportLogsServiceRequest.decode(bytes) as unknown as ExportLogsServiceRequest;
    const want = theirs.resourceLogs![0].scopeLogs![0].logRecords!;
    for (let i = 0; i < 2; i++) {
      const [a, b] = [recs[i], want[i]];
      expect(a.timeUnixNano!.toString()).toBe(b.timeUnixNano!.toString());
      expect(a.observedTimeUnixNano!.toString()).toBe(b.observedTimeUnixNano!.toString());
      expect([a.severityNumber, a.severityText, a.flags, a.eventName, a.droppedAttributesCount]).toEqual([b.severityNumber, b.severityText, b.flags, b.eventName, b.droppedAttributesCount]);
      expect(a.body).toMatchObject({ value: 'stringValue', stringValue: b.body!.stringValue });
      expect(Buffer.from(a.traceId!).equals(Buffer.from(b.traceId!))).toBe(true);
      expect(Buffer.from(a.spanId!).equals(Buffer.from(b.spanId!))).toBe(true);
      expect(a.attributes![0].value!.intValue!.toString()).toBe('9007199254740993');
      expect(a.attributes![1].value!.kvlistValue!.values![0].value!.arrayValue!.values![0]).toMatchObject({ value: 'boolValue', boolValue: true });
    }
    // A record changed in place (as processors do) is re-encoded from its fields.
    recs[0].attributes!.push({ key: 'added', value: { value: 'stringValue', stringValue: 'yes' } });
    sl.logRecords = recs.slice(0, 1);
    expect(logRecordCount(sl)).toBe(1);
    const out = json(req) as { resourceLogs: { scopeLogs: { logRecords: { body: unknown; attributes: { key: string }[] }[] }[] }[] };
    const got = out.resourceLogs[0].scopeLogs[0].logRecords;
    expect(got).toHaveLength(1);
    expect(got[0].body).toEqual({ stringValue: 'first' });
    expect(got[0].attributes.map((a) => a.key)).toEqual(['i', 'm', 'added']);
  });

  it('refuses a malformed log record when the request arrives, before anything reads it', () => {
    const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(n >>> 7)]);
    const field = (tag: number, body: number[]): number[] => [tag, ...varint(body.length), ...body];
    const recordOf = (rec: number[]) => Uint8Array.from(field(0x0a, field(0x12, field(0x12, rec))));
    const withBody = (levels: number): Uint8Array => {
      let any = field(0x0a, [0x78]);
      for (let i = 0; i < levels; i++) any = field(0x2a, field(0x0a, any));
      return recordOf(field(0x2a, any)); // LogRecord.body (field 5)
    };
    // The body is depth 1, as an attribute's value is; each array level adds one.
    expect(logRecordCount(decodeLogsRequest(withBody(MAX_ANY_VALUE_DEPTH - 1)).resourceLogs![0].scopeLogs![0])).toBe(1);
    expect(() => decodeLogsRequest(withBody(MAX_ANY_VALUE_DEPTH))).toThrow(/unable to unmarshal logs request: AnyValue nested deeper than 128/);
    expect(() => decodeLogsRequest(recordOf([0x09, 1, 2, 3]))).toThrow(/truncated fixed64/);
    expect(() => decodeLogsRequest(recordOf(field(0x32, [0x0f, 0x01])))).toThrow(/invalid wire type 7/);
    expect(() => decodeLogsRequest(bytes.subarray(0, bytes.length - 3))).toThrow(OtlpDecodeError);
  });
});
