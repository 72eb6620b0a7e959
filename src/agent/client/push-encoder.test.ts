import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../entry.js';
import { encodePushRequest, labelsString } from './push-encoder.js';

const root = protobuf.parse(`
syntax = "proto3";
message PushRequest { repeated StreamAdapter streams = 1; }
message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
message EntryAdapter { Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
message LabelPairAdapter { string name = 1; string value = 2; }
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
`).root;
const PushRequest = root.lookupType('PushRequest');

const entry = (line: string, tsMs: number, tsNs: number, meta?: Record<string, string>): LogEntry => ({ labels: {}, ownLabels: false, line, tsMs, tsNs, ticket: undefined, structuredMetadata: meta });

describe('encodePushRequest', () => {
  it('is read back by protobufjs as the same PushRequest', () => {
    const body = encodePushRequest([
      { labels: '{job="a"}', entries: [entry('hello', 1_700_000_000_123, 456), entry('wörld ✓ '.repeat(40), 1_700_000_000_124, 0, { trace_id: 'abc' })] },
      { labels: labelsString({ z: 'q"x', a: '1' }), entries: [entry('', 0, 0)] },
    ]);
    const msg = PushRequest.toObject(PushRequest.decode(body), { longs: Number, defaults: true }) as { streams: Array<{ labels: string; entries: Array<{ timestamp: { seconds: number; nanos: number }; line: string; structuredMetadata: unknown[] }> }> };
    expect(msg.streams).toHaveLength(2);
    expect(msg.streams[0].labels).toBe('{job="a"}');
    expect(msg.streams[0].entries[0]).toEqual({ timestamp: { seconds: 1_700_000_000, nanos: 123_000_456 }, line: 'hello', structuredMetadata: [] });
    expect(msg.streams[0].entries[1].line).toBe('wörld ✓ '.repeat(40));
    expect(msg.streams[0].entries[1].structuredMetadata).toEqual([{ name: 'trace_id', value: 'abc' }]);
    expect(msg.streams[1].labels).toBe('{a="1", z="q\\"x"}');
    expect(msg.streams[1].entries[0]).toEqual({ timestamp: { seconds: 0, nanos: 0 }, line: '', structuredMetadata: [] });
  });
});
