import { asString, bytesToHex, findAttr, nanosBetween, spanAttribute, type KeyValue, type Span } from '../../otlp/index.js';

/** How two services are connected: a direct request (''), through a queue, to a database, or to/from a virtual node. */
export type ConnectionType = '' | 'virtual_node' | 'messaging_system' | 'database';

/** A request between two services, complete (both sides seen) or completed with a virtual node when it expired. */
export interface GraphEdge {
  clientService: string;
  serverService: string;
  connectionType: ConnectionType;
  clientSeconds: number;
  serverSeconds: number;
  /** Either side's status was an error. */
  failed: boolean;
  /** `client_<dimension>` / `server_<dimension>` → value, for the configured dimensions found on each side. */
  dimensions: ReadonlyMap<string, string>;
  /** Which side is the virtual node, when the edge expired into one. */
  virtualNode?: 'client' | 'server';
}

/** The dimensions of every edge while none is configured or found (replaced by a Map on the first one set). */
const NO_DIMENSIONS: Map<string, string> = new Map();

/**
 * A trace ID (16 bytes) and a span ID (8 bytes) as six 32-bit words, and the Map key an edge waits under. Fields,
 * not an array: a pending edge copies them, and every waiting client span is one.
 */
class EdgeWords {
  w0 = 0;
  w1 = 0;
  w2 = 0;
  w3 = 0;
  w4 = 0;
  w5 = 0;
  /** The words' 30-bit hash, or the hex text of an unusual key. */
  mapKey: number | string = 0;
}

/**
 * The key an edge waits under: a trace ID and a span ID (the client's own, the server's parent). For the usual
 * 16 + 8 bytes, six 32-bit words and a hash of them (no string per span: building and hashing hex keys was most of
 * the pairing's cost); for other lengths, their hex.
 */
export class EdgeKey extends EdgeWords {
  /** Set from a trace ID and a span ID; returns this. */
  set(traceId: Uint8Array | undefined, spanId: Uint8Array | undefined): this {
    if (traceId?.length === 16 && spanId?.length === 8) {
      const h0 = mix(0x811c9dc5, (this.w0 = word(traceId, 0)));
      const h1 = mix(h0, (this.w1 = word(traceId, 4)));
      const h2 = mix(h1, (this.w2 = word(traceId, 8)));
      const h3 = mix(h2, (this.w3 = word(traceId, 12)));
      const h4 = mix(h3, (this.w4 = word(spanId, 0)));
      const h = mix(h4, (this.w5 = word(spanId, 4)));
      this.mapKey = (h ^ (h >>> 15)) & 0x3fffffff;
    } else this.mapKey = `${bytesToHex(traceId)}:${spanId && spanId.length > 0 ? bytesToHex(spanId) : ''}`;
    return this;
  }

  /** Whether an edge waits under this key (its map key is this key's). */
  same(e: EdgeWords): boolean {
    if (typeof this.mapKey === 'string') return true;
    return e.w0 === this.w0 && e.w1 === this.w1 && e.w2 === this.w2 && e.w3 === this.w3 && e.w4 === this.w4 && e.w5 === this.w5;
  }
}

/** One FNV-1a-style step over a 32-bit word. */
function mix(h: number, w: number): number {
  return Math.imul(h ^ w, 0x01000193);
}

function word(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

/** An edge waiting for its other side (a class: one stable object shape for the many of them). */
class PendingEdge extends EdgeWords implements GraphEdge {
  clientService = '';
  serverService = '';
  connectionType: ConnectionType = '';
  clientSeconds = 0;
  serverSeconds = 0;
  failed = false;
  dimensions = NO_DIMENSIONS;
  virtualNode: 'client' | 'server' | undefined = undefined;
  /** The first configured peer attribute found on the client span (names the virtual server node). */
  peer: string | undefined = undefined;
  /** In the store (and the expiry queue) — not yet while the first span's side is being set, no more once it left. */
  stored = false;
  expiresAt = 0;
  /** The next edge whose key has the same hash. */
  next: PendingEdge | undefined = undefined;

  constructor(
    key: EdgeKey,
    /** A server span without a parent (its client is the user). */
    readonly rootServer: boolean,
  ) {
    super();
    // A copy: the span's bytes are not kept.
    this.w0 = key.w0;
    this.w1 = key.w1;
    this.w2 = key.w2;
    this.w3 = key.w3;
    this.w4 = key.w4;
    this.w5 = key.w5;
    this.mapKey = key.mapKey;
  }
}

export interface ServiceGraphStoreOptions {
  /** How long a side waits for its counterpart (Tempo's `wait`, the connector's `store.ttl`). */
  ttlMs: number;
  /** Pending edges at most (`max_items`). */
  maxItems: number;
  /** At `maxItems`: drop the new span (the connector, counted in `droppedSpans`) or expire the oldest pending edge. */
  whenFull: 'drop' | 'expire-oldest';
  /** Client span attributes naming the virtual server node of an expired edge, in order; empty: expired edges are dropped. */
  virtualNodePeerAttributes: readonly string[];
  /** Attributes (resource, then span) of a client span naming the database it calls: the edge is complete at once. */
  databaseNameAttributes: readonly string[];
  /** Attributes (resource, then span) recorded per side as `client_<name>` / `server_<name>`. */
  dimensions: readonly string[];
  /** Called for each request found: a pair, a database call, or an expired edge completed with a virtual node. */
  onEdge: (e: GraphEdge) => void;
  now?: () => number;
}

/**
 * The span pairing of service graphs, shared by Tempo's metrics generator and the Collector's `servicegraph`
 * connector: a client (producer) span waits under `traceId:spanId`, a server (consumer) span under
 * `traceId:parentSpanId`; when both sides are there the edge is reported. A client span naming a database completes
 * at once. Pending edges expire after `ttlMs` in a FIFO (insertion order is expiry order; no Map iteration per span),
 * into a virtual node (`user` for a root server span, the peer attribute or `unknown` for a client span) or dropped.
 */
export class ServiceGraphStore {
  /** Pending edges by map key; edges whose keys share a hash are chained through `next`. */
  private readonly pending = new Map<number | string, PendingEdge>();
  private count = 0;
  private readonly key = new EdgeKey();
  /** Pending edges in expiry order, a FIFO with a moving head; an entry whose edge left the Map is skipped. */
  private queue: PendingEdge[] = [];
  private queueHead = 0;
  private readonly now: () => number;
  droppedSpans = 0;
  expiredEdges = 0;

  constructor(private readonly opts: ServiceGraphStoreOptions) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.count;
  }

  /**
   * Feed one span of a resource whose `service.name` is `service`; spans of other kinds are ignored. `seconds`, the
   * span's duration, when the caller has worked it out already; `noDatabaseAttribute` when the caller knows the span
   * has none of the `databaseNameAttributes` (e.g. `spansMayHaveAttribute` found none in its request's bytes).
   */
  observe(service: string, span: Span, resourceAttributes: readonly KeyValue[] | undefined, seconds?: number, noDatabaseAttribute = false): void {
    const kind = span.kind ?? 0;
    if (kind !== 2 && kind !== 3 && kind !== 4 && kind !== 5) return;
    seconds ??= nanosBetween(span.startTimeUnixNano, span.endTimeUnixNano) / 1e9;
    const failed = span.status?.code === 2;
    const o = this.opts;
    if (kind === 3 || kind === 4) {
      const key = this.key.set(span.traceId, span.spanId);
      const e = this.edgeFor(key, false);
      if (!e) return;
      e.connectionType = kind === 4 ? 'messaging_system' : '';
      e.clientService = service;
      e.clientSeconds = seconds;
      for (const p of o.virtualNodePeerAttributes) {
        const v = spanAttribute(span, p);
        if (v) {
          e.peer = asString(v);
          break;
        }
      }
      // A database call has one span: the server side is the database the client span names.
      for (const a of o.databaseNameAttributes) {
        const db = findAttr(a, resourceAttributes) ?? (noDatabaseAttribute ? undefined : spanAttribute(span, a));
        if (db) {
          e.connectionType = 'database';
          e.serverService = asString(db);
          e.serverSeconds = seconds;
          break;
        }
      }
      this.settle(e, 'client', failed, resourceAttributes, span);
    } else {
      const parent = span.parentSpanId;
      let root = true;
      if (parent) for (let i = 0; i < parent.length && root; i++) root = parent[i] === 0;
      // A root server span only waits to become a request from the `user` virtual node.
      if (root && o.virtualNodePeerAttributes.length === 0) return;
      const key = this.key.set(span.traceId, parent);
      const e = this.edgeFor(key, root);
      if (!e) return;
      e.connectionType = kind === 5 ? 'messaging_system' : '';
      e.serverService = service;
      e.serverSeconds = seconds;
      this.settle(e, 'server', failed, resourceAttributes, span);
    }
  }

  private addDimensions(side: 'client' | 'server', e: PendingEdge, resAttrs: readonly KeyValue[] | undefined, spanAttrs: readonly KeyValue[] | undefined): void {
    for (const d of this.opts.dimensions) {
      const v = findAttr(d, resAttrs, spanAttrs);
      if (v) {
        if (e.dimensions === NO_DIMENSIONS) e.dimensions = new Map();
        e.dimensions.set(`${side}_${d}`, asString(v));
      }
    }
  }

  /** The pending edge under `key`, a new one (not stored yet), or undefined when the store is full and drops. */
  private edgeFor(key: EdgeKey, rootServer: boolean): PendingEdge | undefined {
    let e = this.pending.get(key.mapKey);
    while (e && !key.same(e)) e = e.next;
    if (e) return e;
    if (this.count >= this.opts.maxItems) {
      if (this.opts.whenFull === 'drop') {
        this.droppedSpans++;
        return undefined;
      }
      this.expireHead(true);
    }
    return new PendingEdge(key, rootServer);
  }

  /** After a side was set: its status and dimensions; then report a complete edge (and forget it), or keep a new one waiting. */
  private settle(e: PendingEdge, side: 'client' | 'server', failed: boolean, resAttrs: readonly KeyValue[] | undefined, span: Span): void {
    e.failed ||= failed;
    // Span attributes are read only when dimensions ask for them (reading them may decode them).
    if (this.opts.dimensions.length > 0) this.addDimensions(side, e, resAttrs, span.attributes);
    if (this.complete(e)) {
      if (e.stored) this.remove(e);
    } else if (!e.stored) {
      e.stored = true;
      e.expiresAt = this.now() + this.opts.ttlMs;
      e.next = this.pending.get(e.mapKey);
      this.pending.set(e.mapKey, e);
      this.count++;
      this.queue.push(e);
    }
  }

  /** Take a stored edge out of the store (its entry in the expiry queue is skipped later). */
  private remove(e: PendingEdge): void {
    const head = this.pending.get(e.mapKey);
    if (head === e) {
      if (e.next) this.pending.set(e.mapKey, e.next);
      else this.pending.delete(e.mapKey);
    } else {
      let p = head;
      while (p && p.next !== e) p = p.next;
      if (p) p.next = e.next;
    }
    e.next = undefined;
    e.stored = false;
    this.count--;
  }

  private complete(e: PendingEdge): boolean {
    if (e.clientService === '' || e.serverService === '') return false;
    this.opts.onEdge(e);
    return true;
  }

  /** Expire the pending edges whose wait is over (each becomes a virtual-node edge, or is dropped). */
  expire(): void {
    const now = this.now();
    while (this.expireHead(false, now));
    if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  /** Expire the oldest pending edge (if its time has come, or `force`); false when there is none to expire. */
  private expireHead(force: boolean, now = 0): boolean {
    while (this.queueHead < this.queue.length) {
      const edge = this.queue[this.queueHead];
      if (!edge.stored) {
        this.queueHead++; // completed since
        continue;
      }
      if (!force && edge.expiresAt > now) return false;
      this.queueHead++;
      this.remove(edge);
      this.expiredEdges++;
      this.toVirtualNode(edge);
      return true;
    }
    return false;
  }

  private toVirtualNode(e: PendingEdge): void {
    const peers = this.opts.virtualNodePeerAttributes;
    if (peers.length === 0) return;
    e.connectionType = 'virtual_node';
    if (e.clientService === '' && e.rootServer) {
      e.clientService = 'user';
      e.virtualNode = 'client';
      this.complete(e);
    } else if (e.serverService === '' && e.clientService !== '') {
      e.serverService = e.peer ?? 'unknown';
      e.virtualNode = 'server';
      this.complete(e);
    }
  }
}
