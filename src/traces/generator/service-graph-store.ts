import { asString, bytesToHex, findAttr, nanosBetween, type KeyValue, type Span } from '../../otlp/index.js';

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
  dimensions: Map<string, string>;
  /** Which side is the virtual node, when the edge expired into one. */
  virtualNode?: 'client' | 'server';
}

interface PendingEdge extends GraphEdge {
  /** The first configured peer attribute found on the client span (names the virtual server node). */
  peer?: string;
  /** A server span without a parent (its client is the user). */
  rootServer: boolean;
  expiresAt: number;
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
  private readonly pending = new Map<string, PendingEdge>();
  /** Pending edges in expiry order, a FIFO with a moving head; an entry whose edge left the Map is skipped. */
  private queue: { key: string; edge: PendingEdge }[] = [];
  private queueHead = 0;
  private readonly now: () => number;
  droppedSpans = 0;
  expiredEdges = 0;

  constructor(private readonly opts: ServiceGraphStoreOptions) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Feed one span of a resource whose `service.name` is `service`; spans of other kinds are ignored. */
  observe(service: string, span: Span, resourceAttributes: readonly KeyValue[] | undefined): void {
    const kind = span.kind ?? 0;
    if (kind !== 2 && kind !== 3 && kind !== 4 && kind !== 5) return;
    const seconds = nanosBetween(span.startTimeUnixNano, span.endTimeUnixNano) / 1e9;
    const failed = span.status?.code === 2;
    const o = this.opts;
    if (kind === 3 || kind === 4) {
      this.upsert(`${bytesToHex(span.traceId)}:${bytesToHex(span.spanId)}`, false, (e) => {
        e.connectionType = kind === 4 ? 'messaging_system' : '';
        e.clientService = service;
        e.clientSeconds = seconds;
        e.failed ||= failed;
        this.addDimensions('client', e, resourceAttributes, span.attributes);
        for (const p of o.virtualNodePeerAttributes) {
          const v = findAttr(p, span.attributes);
          if (v) {
            e.peer = asString(v);
            break;
          }
        }
        // A database call has one span: the server side is the database the client span names.
        for (const a of o.databaseNameAttributes) {
          const db = findAttr(a, resourceAttributes, span.attributes);
          if (db) {
            e.connectionType = 'database';
            e.serverService = asString(db);
            e.serverSeconds = seconds;
            break;
          }
        }
      });
    } else {
      const parent = span.parentSpanId && span.parentSpanId.length > 0 ? bytesToHex(span.parentSpanId) : '';
      const root = parent === '' || /^0+$/.test(parent);
      // A root server span only waits to become a request from the `user` virtual node.
      if (root && o.virtualNodePeerAttributes.length === 0) return;
      this.upsert(`${bytesToHex(span.traceId)}:${parent}`, root, (e) => {
        e.connectionType = kind === 5 ? 'messaging_system' : '';
        e.serverService = service;
        e.serverSeconds = seconds;
        e.failed ||= failed;
        this.addDimensions('server', e, resourceAttributes, span.attributes);
      });
    }
  }

  private addDimensions(side: 'client' | 'server', e: PendingEdge, resAttrs: readonly KeyValue[] | undefined, spanAttrs: readonly KeyValue[] | undefined): void {
    for (const d of this.opts.dimensions) {
      const v = findAttr(d, resAttrs, spanAttrs);
      if (v) e.dimensions.set(`${side}_${d}`, asString(v));
    }
  }

  private upsert(key: string, rootServer: boolean, update: (e: PendingEdge) => void): void {
    let e = this.pending.get(key);
    if (e) {
      update(e);
      if (this.complete(e)) this.pending.delete(key);
      return;
    }
    if (this.pending.size >= this.opts.maxItems) {
      if (this.opts.whenFull === 'drop') {
        this.droppedSpans++;
        return;
      }
      this.expireHead(true);
    }
    const now = this.now();
    e = { clientService: '', serverService: '', connectionType: '', clientSeconds: 0, serverSeconds: 0, failed: false, dimensions: new Map(), rootServer, expiresAt: now + this.opts.ttlMs };
    update(e);
    if (this.complete(e)) return;
    this.pending.set(key, e);
    this.queue.push({ key, edge: e });
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
      const { key, edge } = this.queue[this.queueHead];
      if (this.pending.get(key) !== edge) {
        this.queueHead++; // completed (or replaced) since
        continue;
      }
      if (!force && edge.expiresAt > now) return false;
      this.queueHead++;
      this.pending.delete(key);
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
