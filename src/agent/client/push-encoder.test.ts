import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../entry.js';
import { BufferPool } from './buffer-pool.js';
import { BatchBuffer, encodePushRequest, labelsString } from './push-encoder.js';

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

  it('groups interleaved entries by stream, in arrival order within each, across buffer growth', () => {
    const pool = new BufferPool(1 << 20);
    const b = new BatchBuffer(pool, 64);
    const expected = new Map<string, string[]>();
    for (let i = 0; i < 500; i++) {
      const labels = `{s="${[0, 0, 1, 2, 1][i % 5]}"}`;
      const line = `line ${i} ${'x'.repeat(i % 37)}`;
      b.stream(labels);
      if (i % 2 === 0) b.append(entry(line, 1_700_000_000_000 + i, i));
      else {
        const src = Buffer.from(`##${line}##`);
        b.appendBytes(1_700_000_000_000 + i, i, src, 2, src.length - 2);
      }
      expected.set(labels, [...(expected.get(labels) ?? []), line]);
    }
    const msg = PushRequest.toObject(PushRequest.decode(b.encode()), { longs: Number }) as { streams: Array<{ labels: string; entries: Array<{ line: string; timestamp: { seconds: number; nanos: number } }> }> };
    expect(msg.streams.map((s) => s.labels)).toEqual(['{s="0"}', '{s="1"}', '{s="2"}']);
    for (const s of msg.streams) expect(s.entries.map((e) => e.line)).toEqual(expected.get(s.labels));
    expect(msg.streams[2].entries[0].timestamp).toEqual({ seconds: 1_700_000_000, nanos: 3_000_003 });
  });
});

describe('BufferPool', () => {
  it('hands a released buffer out again, and nothing once cleared', () => {
    const pool = new BufferPool(1 << 20);
    const a = pool.acquire(100_000);
    pool.release(a);
    expect(pool.pooledBytes).toBe(a.length);
    expect(pool.acquire(90_000)).toBe(a);
    pool.release(a);
    pool.clear();
    expect(pool.pooledBytes).toBe(0);
    expect(pool.acquire(90_000)).not.toBe(a);
  });
});
