import { describe, expect, it } from 'vitest';
import Long from 'long';
import { Types, decodeTracesRequest, spanHeads, type ResourceSpans } from '../../otlp/index.js';
import { Matcher } from '../../model/index.js';
import { MemoryStorage } from '../../metrics/storage-api/index.js';
import { MetricsGenerator } from './metrics-generator.js';

const t0 = Long.fromString('1700000000000000000', true);
function rs(service: string, kind: number, spanId: string, parent = '', attrs: Record<string, string> = {}): ResourceSpans[] {
  const attributes = Object.entries(attrs).map(([key, v]) => ({ key, value: { value: 'stringValue' as const, stringValue: v } }));
  return [
    {
      resource: { attributes: [{ key: 'service.name', value: { value: 'stringValue', stringValue: service } }] },
      scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.from(spanId, 'hex'), parentSpanId: Buffer.from(parent, 'hex'), kind, name: 'op', startTimeUnixNano: t0, endTimeUnixNano: t0.add(1_000_000), attributes }] }],
    },
  ];
}

async function edgeTotals(g: MetricsGenerator): Promise<Record<string, string>[]> {
  const storage = new MemoryStorage();
  await g.collect(storage, 1000);
  const q = await storage.querier(0, 2000);
  const ss = await q.select([new Matcher('=', '__name__', 'traces_service_graph_request_total')], { start: 0, end: 2000 }, true);
  const rows: Record<string, string>[] = ss.map((s) => ({ ...s.labels.toObject(), value: String(s.samples(0, 2000).v[0]) }));
  return rows.sort((a, b) => a.server.localeCompare(b.server));
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

  it('a direct request keeps the {client, server} label set; database and messaging requests carry connection_type', async () => {
    const g = new MetricsGenerator({ now: () => 0 });
    g.observe(rs('a', 3, '0000000000000001'));
    g.observe(rs('b', 2, '0000000000000002', '0000000000000001'));
    g.observe(rs('b', 3, '0000000000000003', '0000000000000002', { 'db.name': 'orders' }));
    g.observe(rs('p', 4, '0000000000000004'));
    g.observe(rs('q', 5, '0000000000000005', '0000000000000004'));
    expect(await edgeTotals(g)).toEqual([
      { __name__: 'traces_service_graph_request_total', client: 'a', server: 'b', value: '1' },
      { __name__: 'traces_service_graph_request_total', client: 'b', server: 'orders', connection_type: 'database', value: '1' },
      { __name__: 'traces_service_graph_request_total', client: 'p', server: 'q', connection_type: 'messaging_system', value: '1' },
    ]);
  });

  it('with peer attributes, expired edges become requests from `user` and to the peer (virtual nodes)', async () => {
    let now = 0;
    const g = new MetricsGenerator({ waitMs: 10, now: () => now, peerAttributes: ['peer.service'] });
    g.observe(rs('web', 2, '0000000000000001')); // a root server span
    g.observe(rs('web', 3, '0000000000000002', '0000000000000001', { 'peer.service': 'payments' }));
    now = 11;
    g.observe([]); // expiry runs as spans come in
    expect(g.expiredEdges).toBe(2);
    expect(await edgeTotals(g)).toEqual([
      { __name__: 'traces_service_graph_request_total', client: 'web', server: 'payments', connection_type: 'virtual_node', value: '1' },
      { __name__: 'traces_service_graph_request_total', client: 'user', server: 'web', connection_type: 'virtual_node', value: '1' },
    ]);
  });

  it('counts span metrics per service, name, kind and status, and finds database names in span bytes (as pushes arrive)', async () => {
    // As the distributor hands pushes over: decoded from protobuf, spans as span heads over the request's bytes.
    const pushed = (service: string, spans: { id: number; kind: number; code?: number; name?: string; attrs?: Record<string, string> }[]): ResourceSpans[] => {
      const bytes = Types.ExportTraceServiceRequest.encode(
        Types.ExportTraceServiceRequest.fromObject({
          resourceSpans: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
              scopeSpans: [
                {
                  spans: spans.map((sp) => ({
                    traceId: Buffer.alloc(16, 7),
                    spanId: Buffer.alloc(8, sp.id),
                    name: sp.name ?? 'op',
                    kind: sp.kind,
                    status: { code: sp.code ?? 0 },
                    startTimeUnixNano: '1700000000000000000',
                    endTimeUnixNano: '1700000000003000000',
                    attributes: Object.entries(sp.attrs ?? {}).map(([key, v]) => ({ key, value: { stringValue: v } })),
                  })),
                },
              ],
            },
          ],
        }),
      ).finish();
      return decodeTracesRequest(bytes).resourceSpans!.map((r) => ({ ...r, scopeSpans: r.scopeSpans!.map((ss) => ({ scope: ss.scope, spans: spanHeads(ss) })) }));
    };
    const g = new MetricsGenerator({ now: () => 0 });
    g.observe(pushed('a', [{ id: 1, kind: 3, attrs: { x: 'y' } }, { id: 2, kind: 3, attrs: { 'db.name': 'orders' } }, { id: 3, kind: 3, code: 2, attrs: { 'db.name': 'users' } }]));
    g.observe(pushed('a', [{ id: 4, kind: 3, attrs: { x: 'db.name' } }, { id: 5, kind: 2 }, { id: 6, kind: 7, code: 5, name: 'odd' }, { id: 7, kind: 7, code: 5, name: 'odd' }]));
    g.observe(pushed('b', [{ id: 8, kind: 3 }, { id: 9, kind: 3, code: 2 }, { id: 10, kind: 2, name: 'other' }]));
    expect(await edgeTotals(g)).toEqual([
      { __name__: 'traces_service_graph_request_total', client: 'a', server: 'orders', connection_type: 'database', value: '1' },
      { __name__: 'traces_service_graph_request_total', client: 'a', server: 'users', connection_type: 'database', value: '1' },
    ]);
    const storage = new MemoryStorage();
    await g.collect(storage, 1000);
    const q = await storage.querier(0, 2000);
    const calls = await q.select([new Matcher('=', '__name__', 'traces_spanmetrics_calls_total')], { start: 0, end: 2000 }, true);
    const rows = calls.map((c) => { const l = c.labels.toObject(); return `${l.service}/${l.span_name}/${l.span_kind}/${l.status_code}=${c.samples(0, 2000).v[0]}`; }).sort();
    expect(rows).toEqual([
      'a/odd/SPAN_KIND_UNSPECIFIED/STATUS_CODE_UNSET=2', // kind and code outside the enums: named as unspecified / unset
      'a/op/SPAN_KIND_CLIENT/STATUS_CODE_ERROR=1',
      'a/op/SPAN_KIND_CLIENT/STATUS_CODE_UNSET=3',
      'a/op/SPAN_KIND_SERVER/STATUS_CODE_UNSET=1',
      'b/op/SPAN_KIND_CLIENT/STATUS_CODE_ERROR=1',
      'b/op/SPAN_KIND_CLIENT/STATUS_CODE_UNSET=1',
      'b/other/SPAN_KIND_SERVER/STATUS_CODE_UNSET=1',
    ]);
    const count = await q.select([new Matcher('=', '__name__', 'traces_spanmetrics_latency_count'), new Matcher('=', 'service', 'a'), new Matcher('=', 'status_code', 'STATUS_CODE_UNSET'), new Matcher('=', 'span_kind', 'SPAN_KIND_CLIENT')], { start: 0, end: 2000 }, true);
    expect(count.map((c) => c.samples(0, 2000).v[0])).toEqual([3]);
    const le4ms = await q.select([new Matcher('=', '__name__', 'traces_spanmetrics_latency_bucket'), new Matcher('=', 'le', '0.004'), new Matcher('=', 'span_name', 'odd')], { start: 0, end: 2000 }, true);
    expect(le4ms.map((c) => c.samples(0, 2000).v[0])).toEqual([2]); // 3 ms spans
  });
});
