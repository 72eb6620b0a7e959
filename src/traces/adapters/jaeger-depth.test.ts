import { describe, expect, it } from 'vitest';
import { ThriftDecodeError, jaegerThriftToOtlp } from './jaeger-thrift.js';

// An unknown Batch field holding lists nested `depth` deep: skipped up to Thrift's depth limit, then a decode error
// (400), never a stack overflow (500).
function nestedLists(depth: number): Buffer {
  const head = Buffer.from([15, 0, 9]); // field 9, type list
  const level = Buffer.from([15, 0, 0, 0, 1]); // list<list> of one element
  const body = Buffer.alloc(depth * level.length);
  for (let i = 0; i < depth; i++) level.copy(body, i * level.length);
  // The innermost list is empty (element type list, size 0), then STOP of the Batch.
  return Buffer.concat([head, body, Buffer.from([15, 0, 0, 0, 0, 0])]);
}

describe('Jaeger Thrift nesting', () => {
  it('1M nested lists are a depth-limit decode error', () => {
    expect(() => jaegerThriftToOtlp(nestedLists(1_000_000))).toThrow(ThriftDecodeError);
    expect(() => jaegerThriftToOtlp(nestedLists(1_000_000))).toThrow(/Depth limit exceeded/);
  });
  it('shallow unknown fields are skipped', () => {
    expect(() => jaegerThriftToOtlp(nestedLists(10))).not.toThrow();
  });
});
