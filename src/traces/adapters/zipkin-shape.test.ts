import { describe, expect, it } from 'vitest';
import { ZipkinDecodeError, zipkinToOtlp } from './zipkin.js';

// Hostile Zipkin JSON: fields of the wrong type are a decode error (400), never a TypeError (500).
const span = { traceId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', id: '0102030405060708', name: 'x', timestamp: 1, duration: 1 };

describe('Zipkin span shape', () => {
  const bad: [string, Record<string, unknown>][] = [
    ['annotations: 5', { annotations: 5 }],
    ['annotations: [5]', { annotations: [5] }],
    ['annotations: "x"', { annotations: 'x' }],
    ['tags: []', { tags: [] }],
    ['tags: "x"', { tags: 'x' }],
    ['localEndpoint: 5', { localEndpoint: 5 }],
    ['remoteEndpoint: [1]', { remoteEndpoint: [1] }],
  ];
  for (const [name, extra] of bad) {
    it(`${name} is a decode error`, () => {
      expect(() => zipkinToOtlp([{ ...span, ...extra }])).toThrow(ZipkinDecodeError);
    });
  }
  it('a span that is an array is a decode error', () => {
    expect(() => zipkinToOtlp([[1]])).toThrow(ZipkinDecodeError);
  });
  it('a well-formed span with annotations still decodes', () => {
    const r = zipkinToOtlp([{ ...span, annotations: [{ timestamp: 1, value: 'a' }], tags: { k: 'v' }, localEndpoint: { serviceName: 's' } }]);
    expect(r[0]?.scopeSpans?.[0]?.spans?.[0]?.events).toHaveLength(1);
  });
});
