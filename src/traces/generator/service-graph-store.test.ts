import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import Long from 'long';
import type { KeyValue, Span } from '../../otlp/index.js';
import { EdgeKey, ServiceGraphStore, type GraphEdge, type ServiceGraphStoreOptions } from './service-graph-store.js';

const T0 = Long.fromString('1700000000000000000', true);
const id = (n: number, len: number) => {
  const b = Buffer.alloc(len);
  if (n > 0) b.writeUInt32BE(n, len - 4);
  return b;
};
const str = (o: Record<string, string>): KeyValue[] => Object.entries(o).map(([key, v]) => ({ key, value: { value: 'stringValue', stringValue: v } }));

/** A span of `ms` milliseconds in trace `trace` (kind 2 server, 3 client, 4 producer, 5 consumer). */
function span(kind: number, spanId: number, opts: { parent?: number; trace?: number; ms?: number; error?: boolean; attrs?: Record<string, string> } = {}): Span {
  return {
    traceId: id(opts.trace ?? 1, 16),
    spanId: id(spanId, 8),
    parentSpanId: opts.parent === undefined ? Buffer.alloc(0) : id(opts.parent, 8),
    kind,
    name: 'op',
    startTimeUnixNano: T0,
    endTimeUnixNano: T0.add((opts.ms ?? 1) * 1_000_000),
    status: opts.error ? { code: 2 } : undefined,
    attributes: str(opts.attrs ?? {}),
  };
}

type Row = [client: string, server: string, type: string, failed: boolean, clientMs: number, serverMs: number, virtual?: string];

function setup(over: Partial<ServiceGraphStoreOptions> = {}) {
  let now = 0;
  const edges: Row[] = [];
  const row = (e: GraphEdge): Row => {
    const r: Row = [e.clientService, e.serverService, e.connectionType, e.failed, Math.round(e.clientSeconds * 1000), Math.round(e.serverSeconds * 1000)];
    if (e.virtualNode) r.push(e.virtualNode);
    return r;
  };
  const store = new ServiceGraphStore({
    ttlMs: 1000,
    maxItems: 100,
    whenFull: 'drop',
    virtualNodePeerAttributes: ['peer.service', 'db.system'],
    databaseNameAttributes: ['db.name'],
    dimensions: [],
    onEdge: (e) => edges.push(row(e)),
    now: () => now,
    ...over,
  });
  return { store, edges, at: (t: number) => (now = t) };
}

describe('ServiceGraphStore', () => {
  it('pairs a client and its server child whichever arrives first, and messaging spans as messaging_system', () => {
    const { store, edges } = setup();
    store.observe('a', span(3, 1, { ms: 9 }), undefined);
    store.observe('b', span(2, 2, { parent: 1, ms: 4, error: true }), undefined);
    store.observe('d', span(2, 12, { parent: 11, ms: 2 }), undefined); // server first
    store.observe('c', span(3, 11, { ms: 3 }), undefined);
    store.observe('q', span(5, 22, { parent: 21, ms: 5 }), undefined);
    store.observe('p', span(4, 21, { ms: 6 }), undefined);
    store.observe('x', span(1, 30), undefined); // internal: not part of any edge
    expect(edges).toEqual([
      ['a', 'b', '', true, 9, 4],
      ['c', 'd', '', false, 3, 2],
      ['p', 'q', 'messaging_system', false, 6, 5],
    ]);
    expect(store.size).toBe(0);
  });

  it('the same span IDs in another trace do not pair', () => {
    const { store, edges } = setup();
    store.observe('a', span(3, 1, { trace: 1 }), undefined);
    store.observe('b', span(2, 2, { parent: 1, trace: 2 }), undefined);
    expect(edges).toEqual([]);
    expect(store.size).toBe(2);
  });

  it('a client span naming a database is a complete edge at once', () => {
    const { store, edges } = setup();
    store.observe('api', span(3, 1, { ms: 7, attrs: { 'db.name': 'orders' } }), undefined);
    store.observe('api', span(3, 2, { ms: 8 }), str({ 'db.name': 'users' })); // resource attribute
    expect(edges).toEqual([
      ['api', 'orders', 'database', false, 7, 7],
      ['api', 'users', 'database', false, 8, 8],
    ]);
    expect(store.size).toBe(0);
  });

  it('expired edges become virtual nodes: `user` calls a root server, a lone client calls its peer or `unknown`', () => {
    const { store, edges, at } = setup();
    store.observe('web', span(2, 1), undefined); // root server span
    store.observe('web', span(3, 2, { attrs: { 'db.system': 'postgres', 'peer.service': 'payments' } }), undefined);
    store.observe('web', span(3, 3), undefined);
    store.observe('api', span(2, 4, { parent: 99 }), undefined); // its client never comes and it is no root
    at(999);
    store.expire();
    expect(edges).toEqual([]);
    at(1000);
    store.expire();
    expect(edges).toEqual([
      ['user', 'web', 'virtual_node', false, 0, 1, 'client'],
      ['web', 'payments', 'virtual_node', false, 1, 0, 'server'],
      ['web', 'unknown', 'virtual_node', false, 1, 0, 'server'],
    ]);
    expect(store.expiredEdges).toBe(4);
    expect(store.size).toBe(0);
  });

  it('without peer attributes expired edges are dropped and root server spans are not kept', () => {
    const { store, edges, at } = setup({ virtualNodePeerAttributes: [] });
    store.observe('web', span(2, 1), undefined);
    expect(store.size).toBe(0);
    store.observe('web', span(3, 2, { attrs: { 'peer.service': 'payments' } }), undefined);
    at(5000);
    store.expire();
    expect(edges).toEqual([]);
    expect(store.expiredEdges).toBe(1);
  });

  it('a completed edge leaves the expiry queue: a later edge under the same key waits its own ttl', () => {
    const { store, edges, at } = setup();
    store.observe('a', span(3, 1), undefined);
    store.observe('b', span(2, 2, { parent: 1 }), undefined);
    at(900);
    store.observe('a', span(3, 1), undefined); // the same client span again (a retry of the export)
    at(1500);
    store.expire();
    expect(store.expiredEdges).toBe(0);
    store.observe('b', span(2, 2, { parent: 1 }), undefined);
    expect(edges.map((e) => e.slice(0, 3))).toEqual([
      ['a', 'b', ''],
      ['a', 'b', ''],
    ]);
  });

  it('at max items: `drop` refuses new spans and counts them, `expire-oldest` makes room by expiring the oldest', () => {
    const drop = setup({ maxItems: 2 });
    for (const n of [1, 2, 3]) drop.store.observe('a', span(3, n), undefined);
    expect(drop.store.droppedSpans).toBe(1);
    expect(drop.store.size).toBe(2);
    drop.store.observe('b', span(2, 10, { parent: 2 }), undefined); // pairs with a kept span: no new item needed
    expect(drop.edges).toEqual([['a', 'b', '', false, 1, 1]]);

    const evict = setup({ maxItems: 2, whenFull: 'expire-oldest' });
    evict.store.observe('a', span(3, 1, { attrs: { 'peer.service': 'first' } }), undefined);
    for (const n of [2, 3]) evict.store.observe('a', span(3, n), undefined);
    expect(evict.store.droppedSpans).toBe(0);
    expect(evict.store.expiredEdges).toBe(1);
    expect(evict.store.size).toBe(2);
    expect(evict.edges).toEqual([['a', 'first', 'virtual_node', false, 1, 0, 'server']]);
    evict.store.observe('b', span(2, 10, { parent: 3 }), undefined);
    expect(evict.edges.at(-1)).toEqual(['a', 'b', '', false, 1, 1]);
  });

  it('20,000 completed edges leave nothing pending and nothing to expire', () => {
    const { store, edges, at } = setup({ maxItems: 1_000_000 });
    for (let i = 1; i <= 20_000; i++) {
      store.observe('a', span(3, i, { trace: i }), undefined);
      store.observe('b', span(2, i + 1_000_000, { parent: i, trace: i }), undefined);
    }
    expect(edges.length).toBe(20_000);
    expect(store.size).toBe(0);
    at(2000);
    store.expire();
    expect(store.expiredEdges).toBe(0);
  });

  it('pairs spans whose keys share a hash each with its own counterpart, and expires them apart', () => {
    // Find two trace IDs whose client spans (span 7) wait under keys with the same hash.
    const traceId = (n: number) => createHash('md5').update(String(n)).digest();
    const key = new EdgeKey();
    const byHash = new Map<number | string, number>();
    let a = 0;
    let b = 0;
    for (let n = 1; a === 0; n++) {
      const h = key.set(traceId(n), id(7, 8)).mapKey;
      const seen = byHash.get(h);
      if (seen !== undefined) [a, b] = [seen, n];
      else byHash.set(h, n);
    }
    const inTrace = (n: number, s: Span): Span => ({ ...s, traceId: traceId(n) });
    const { store, edges, at } = setup({ virtualNodePeerAttributes: ['peer.service'] });
    store.observe('ca', inTrace(a, span(3, 7, { attrs: { 'peer.service': 'pa' } })), undefined);
    store.observe('cb', inTrace(b, span(3, 7, { attrs: { 'peer.service': 'pb' } })), undefined);
    expect(store.size).toBe(2);
    // The server side of b (the chain's head) pairs with its own client.
    store.observe('sb', inTrace(b, span(2, 8, { parent: 7 })), undefined);
    expect(edges).toEqual([['cb', 'sb', '', false, 1, 1]]);
    expect(store.size).toBe(1);
    at(500);
    store.observe('cc', inTrace(b, span(3, 7)), undefined); // b again: a new edge under the same hash
    at(1200);
    store.expire(); // a's wait is over, not the second b's
    expect(edges.at(-1)).toEqual(['ca', 'pa', 'virtual_node', false, 1, 0, 'server']);
    expect(store.size).toBe(1);
    store.observe('sc', inTrace(b, span(2, 9, { parent: 7 })), undefined);
    expect(edges.at(-1)).toEqual(['cc', 'sc', '', false, 1, 1]);
    expect(store.size).toBe(0);
  });
});
