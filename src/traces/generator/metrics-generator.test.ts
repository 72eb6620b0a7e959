import { describe, expect, it } from 'vitest';
import Long from 'long';
import type { ResourceSpans } from '../../otlp/index.js';
import { MemoryStorage } from '../../metrics/storage-api/index.js';
import { MetricsGenerator } from './metrics-generator.js';

const t0 = Long.fromString('1700000000000000000', true);
function rs(service: string, kind: number, spanId: string, parent = ''): ResourceSpans[] {
  return [
    {
      resource: { attributes: [{ key: 'service.name', value: { value: 'stringValue', stringValue: service } }] },
      scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.from(spanId, 'hex'), parentSpanId: Buffer.from(parent, 'hex'), kind, name: 'op', startTimeUnixNano: t0, endTimeUnixNano: t0.add(1_000_000) }] }],
    },
  ];
}

describe('MetricsGenerator', () => {
  it('pairs client and server spans within the wait window and expires unpaired ones', async () => {
    let now = 0;
    const g = new MetricsGenerator({ waitMs: 10, now: () => now });
    g.observe(rs('a', 3, '0000000000000001'));
    now = 5;
    g.observe(rs('b', 2, '0000000000000002', '0000000000000001')); // pairs with the client span
    g.observe(rs('a', 3, '0000000000000003'));
    now = 100;
    g.observe(rs('b', 2, '0000000000000004', '0000000000000003')); // too late: the client side expired
    expect(g.expiredEdges).toBe(1);
    const storage = new MemoryStorage();
    expect(await g.collect(storage, 1000)).toBeGreaterThan(0);
    const q = await storage.querier(0, 2000);
    const edges = await q.labelValues('server', []);
    expect(edges).toEqual(['b']);
  });
});
