import { describe, expect, it } from 'vitest';
import { spans, summarize, type SpanSpec } from './connector-test-data.js';
import { ServiceGraph, servicegraphConnectorFactory } from './servicegraph-connector.js';

const cfg = (o: object = {}) => servicegraphConnectorFactory.schema.parse(o);
const edge = (client: string, server: string, connection_type = '', failed = false, extra: Record<string, string> = {}) => ({ client, server, connection_type, failed, ...extra });

/** The totals of a build: request_total and request_failed_total by edge, and the server/client latency sums. */
function totals(g: ServiceGraph) {
  const out: Record<string, { attrs: Record<string, unknown>; value?: number; count?: number; sum?: number; buckets?: number[] }[]> = {};
  for (const m of summarize(g.build())) out[`${m.name}${m.unit ? ` [${m.unit}]` : ''}`] = m.points.map(({ bounds: _b, ...p }) => p);
  return out;
}

// Expected values worked out from the contrib connector's README and its testdata: client/server (and
// producer/consumer) spans of one request are paired by the client span's ID; a client span naming a database is a
// request on its own; latency histograms in seconds with the default buckets
// [2ms 4ms 6ms 8ms 10ms 50ms 100ms 200ms 400ms 800ms 1s 1.4s 2s 5s 10s 15s].
const cases: { name: string; config?: object; input: SpanSpec[]; expect: ReturnType<typeof totals> }[] = [
  {
    name: 'a client span and its server child make one request',
    input: [
      { service: 'frontend', kind: 3, id: 1, ms: 10 },
      { service: 'backend', kind: 2, id: 2, parent: 1, ms: 7 },
    ],
    expect: {
      traces_service_graph_request_total: [{ attrs: edge('frontend', 'backend'), value: 1 }],
      'traces_service_graph_request_server [s]': [{ attrs: edge('frontend', 'backend'), count: 1, sum: 0.007, buckets: [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] }],
      'traces_service_graph_request_client [s]': [{ attrs: edge('frontend', 'backend'), count: 1, sum: 0.01, buckets: [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] }],
    },
  },
  {
    name: 'the server side arriving first pairs too; an error on either side marks the request failed',
    input: [
      { service: 'b', kind: 2, id: 2, parent: 1, status: 2, ms: 1 },
      { service: 'a', kind: 3, id: 1, ms: 3 },
      { service: 'a', kind: 3, id: 3, trace: 2, ms: 3 },
      { service: 'b', kind: 2, id: 4, trace: 2, parent: 3, ms: 1 },
    ],
    expect: {
      traces_service_graph_request_total: [
        { attrs: edge('a', 'b', '', true), value: 1 },
        { attrs: edge('a', 'b'), value: 1 },
      ],
      traces_service_graph_request_failed_total: [{ attrs: edge('a', 'b', '', true), value: 1 }],
      'traces_service_graph_request_server [s]': [
        { attrs: edge('a', 'b', '', true), count: 1, sum: 0.001, buckets: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
        { attrs: edge('a', 'b'), count: 1, sum: 0.001, buckets: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
      ],
      'traces_service_graph_request_client [s]': [
        { attrs: edge('a', 'b', '', true), count: 1, sum: 0.003, buckets: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
        { attrs: edge('a', 'b'), count: 1, sum: 0.003, buckets: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
      ],
    },
  },
  {
    name: 'producer/consumer is a messaging_system request; a client span with db.name is a database request on its own',
    config: { latency_histogram_buckets: ['1ms', '1s'] },
    input: [
      { service: 'orders', kind: 4, id: 1, ms: 2 },
      { service: 'billing', kind: 5, id: 2, parent: 1, ms: 500 },
      { service: 'orders', kind: 3, id: 3, attrs: { 'db.name': 'ordersdb' }, ms: 4 },
    ],
    expect: {
      traces_service_graph_request_total: [
        { attrs: edge('orders', 'billing', 'messaging_system'), value: 1 },
        { attrs: edge('orders', 'ordersdb', 'database'), value: 1 },
      ],
      'traces_service_graph_request_server [s]': [
        { attrs: edge('orders', 'billing', 'messaging_system'), count: 1, sum: 0.5, buckets: [0, 1, 0] },
        { attrs: edge('orders', 'ordersdb', 'database'), count: 1, sum: 0.004, buckets: [0, 1, 0] },
      ],
      'traces_service_graph_request_client [s]': [
        { attrs: edge('orders', 'billing', 'messaging_system'), count: 1, sum: 0.002, buckets: [0, 1, 0] },
        { attrs: edge('orders', 'ordersdb', 'database'), count: 1, sum: 0.004, buckets: [0, 1, 0] },
      ],
    },
  },
  {
    name: 'dimensions come from the resource or the span, prefixed by the side that carried them',
    config: { dimensions: ['region', 'http.method'], latency_histogram_buckets: ['1s'] },
    input: [
      { service: 'a', resource: { region: 'eu' }, kind: 3, id: 1, attrs: { 'http.method': 'GET' }, ms: 1 },
      { service: 'b', resource: { region: 'us' }, kind: 2, id: 2, parent: 1, ms: 1 },
    ],
    expect: {
      traces_service_graph_request_total: [{ attrs: edge('a', 'b', '', false, { client_region: 'eu', 'client_http.method': 'GET', server_region: 'us' }), value: 1 }],
      'traces_service_graph_request_server [s]': [{ attrs: edge('a', 'b', '', false, { client_region: 'eu', 'client_http.method': 'GET', server_region: 'us' }), count: 1, sum: 0.001, buckets: [1, 0] }],
      'traces_service_graph_request_client [s]': [{ attrs: edge('a', 'b', '', false, { client_region: 'eu', 'client_http.method': 'GET', server_region: 'us' }), count: 1, sum: 0.001, buckets: [1, 0] }],
    },
  },
  {
    name: 'internal spans and spans of a resource without service.name form no edge',
    input: [
      { service: 'a', kind: 1, id: 1, ms: 1 },
      { kind: 3, id: 2, ms: 1 },
      { service: 'b', kind: 2, id: 3, parent: 2, ms: 1 },
    ],
    expect: {},
  },
];

describe('servicegraph connector', () => {
  it.each(cases)('$name', (c) => {
    const g = new ServiceGraph(cfg(c.config));
    g.observe(spans(c.input));
    expect(totals(g)).toEqual(c.expect);
  });

  it('expired edges become virtual nodes: a root server span is called by `user`, a lone client calls its peer', () => {
    let now = 0;
    const g = new ServiceGraph(cfg({ store: { ttl: '1s' }, latency_histogram_buckets: ['1s'], virtual_node_extra_label: true }), () => now);
    g.observe(
      spans([
        { service: 'web', kind: 2, id: 1, ms: 5 },
        { service: 'web', kind: 3, id: 2, attrs: { 'peer.service': 'payments' }, ms: 6 },
        { service: 'web', kind: 3, id: 3, ms: 7 },
        { service: 'api', kind: 2, id: 4, parent: 99, ms: 8 },
      ]),
    );
    expect(totals(g)).toEqual({});
    now = 999;
    g.expire();
    expect(totals(g)).toEqual({});
    now = 1000;
    g.expire();
    const t = totals(g).traces_service_graph_request_total;
    expect(t).toEqual([
      { attrs: edge('user', 'web', 'virtual_node', false, { virtual_node: 'client' }), value: 1 },
      { attrs: edge('web', 'payments', 'virtual_node', false, { virtual_node: 'server' }), value: 1 },
      { attrs: edge('web', 'unknown', 'virtual_node', false, { virtual_node: 'server' }), value: 1 },
    ]);
    // The server span whose parent is not a root and never showed up is dropped, not counted.
    expect(g.expiredEdges).toBe(4);
  });

  it('drops spans beyond store.max_items and counts them', () => {
    const g = new ServiceGraph(cfg({ store: { max_items: 2 } }));
    g.observe(spans([1, 2, 3].map((id) => ({ service: 'a', kind: 3, id, ms: 1 }))));
    expect(g.droppedSpans).toBe(1);
  });

  it('keeps counting cumulatively and drops series idle for 15 minutes', () => {
    let now = 0;
    const g = new ServiceGraph(cfg(), () => now);
    const pair = spans([
      { service: 'a', kind: 3, id: 1, ms: 1 },
      { service: 'b', kind: 2, id: 2, parent: 1, ms: 1 },
    ]);
    g.observe(pair);
    g.observe(pair);
    expect(totals(g).traces_service_graph_request_total[0].value).toBe(2);
    now = 15 * 60_000 + 1;
    g.cleanCache();
    expect(totals(g)).toEqual({});
  });
});
