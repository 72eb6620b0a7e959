import type { Logger } from '../../../server/index.js';
import { kubeGet, readBody, type KubeConnection } from './client.js';
import { objectKey, type KubeObject } from './meta.js';

/** The API resources discovery lists and watches, by role name. */
export const RESOURCES = {
  pod: { group: '/api/v1', plural: 'pods', namespaced: true },
  node: { group: '/api/v1', plural: 'nodes', namespaced: false },
  service: { group: '/api/v1', plural: 'services', namespaced: true },
  endpoints: { group: '/api/v1', plural: 'endpoints', namespaced: true },
  endpointslice: { group: '/apis/discovery.k8s.io/v1', plural: 'endpointslices', namespaced: true },
  ingress: { group: '/apis/networking.k8s.io/v1', plural: 'ingresses', namespaced: true },
} as const;

export type ResourceKind = keyof typeof RESOURCES;
export type ChangeType = 'add' | 'update' | 'delete';

interface ObjectList {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[];
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; message?: string };
}

class GoneError extends Error {}

export interface ResourceWatchOptions {
  conn: KubeConnection;
  kind: ResourceKind;
  /** '' = all namespaces (or a cluster-scoped resource). */
  namespace: string;
  labelSelector?: string;
  fieldSelector?: string;
  signal: AbortSignal;
  logger?: Logger;
  retryDelayMs: number;
  onFailure?: () => void;
  /** Each object change, with the previous state on update/delete. */
  onChange: (type: ChangeType, obj: KubeObject) => void;
  /** After each complete list (the first one marks the store as synced). */
  onListed: () => void;
}

/**
 * An informer for one resource in one namespace: lists (paginated), then watches from the list's resourceVersion,
 * re-listing when the watch expires (410 Gone, or an ERROR event) or fails; a re-list reports objects that
 * disappeared meanwhile as deleted.
 */
export class ResourceWatch {
  private readonly known = new Map<string, KubeObject>();

  constructor(private readonly o: ResourceWatchOptions) {}

  private path(extra: Record<string, string>): string {
    const r = RESOURCES[this.o.kind];
    const q = new URLSearchParams();
    if (this.o.labelSelector) q.set('labelSelector', this.o.labelSelector);
    if (this.o.fieldSelector) q.set('fieldSelector', this.o.fieldSelector);
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    const ns = r.namespaced && this.o.namespace !== '' ? `/namespaces/${encodeURIComponent(this.o.namespace)}` : '';
    const prefix = this.o.conn.server.pathname.replace(/\/$/, '');
    return `${prefix}${r.group}${ns}/${r.plural}?${q.toString()}`;
  }

  async run(): Promise<void> {
    const { signal } = this.o;
    while (!signal.aborted) {
      try {
        const { items, rv } = await this.list();
        const now = new Set<string>();
        for (const obj of items) {
          const k = objectKey(obj);
          now.add(k);
          const had = this.known.has(k);
          this.known.set(k, obj);
          this.o.onChange(had ? 'update' : 'add', obj);
        }
        for (const [k, obj] of this.known) {
          if (now.has(k)) continue;
          this.known.delete(k);
          this.o.onChange('delete', obj);
        }
        this.o.onListed();
        let version = rv;
        while (!signal.aborted) version = await this.watch(version);
      } catch (e) {
        if (signal.aborted) return;
        if (!(e instanceof GoneError)) {
          this.o.onFailure?.();
          this.o.logger?.error({ err: (e as Error).message, resource: this.o.kind, namespace: this.o.namespace }, 'kubernetes_sd: list/watch failed');
          await sleep(this.o.retryDelayMs, signal);
        }
      }
    }
  }

  private async list(): Promise<{ items: KubeObject[]; rv: string }> {
    const items: KubeObject[] = [];
    let cont = '';
    let rv: string;
    do {
      const extra: Record<string, string> = { limit: '500' };
      if (cont) extra.continue = cont;
      const res = await kubeGet(this.o.conn, this.path(extra), this.o.signal);
      const body = await readBody(res);
      if (res.statusCode !== 200) throw new Error(`listing ${RESOURCES[this.o.kind].plural}: HTTP ${res.statusCode}: ${body.slice(0, 200)}`);
      const list = JSON.parse(body) as ObjectList;
      items.push(...(list.items ?? []));
      rv = list.metadata?.resourceVersion ?? '';
      cont = list.metadata?.continue ?? '';
    } while (cont);
    return { items, rv };
  }

  /** Watch from `rv` until the server ends the stream; returns the last resourceVersion seen. */
  private async watch(rv: string): Promise<string> {
    const timeout = 300 + Math.floor(Math.random() * 300);
    const res = await kubeGet(this.o.conn, this.path({ watch: '1', resourceVersion: rv, allowWatchBookmarks: 'true', timeoutSeconds: String(timeout) }), this.o.signal);
    if (res.statusCode === 410) {
      res.resume();
      throw new GoneError('watch expired');
    }
    if (res.statusCode !== 200) {
      const body = await readBody(res);
      throw new Error(`watching ${RESOURCES[this.o.kind].plural}: HTTP ${res.statusCode}: ${body.slice(0, 200)}`);
    }
    let buf = '';
    let version = rv;
    res.setEncoding('utf8');
    for await (const chunk of res) {
      buf += chunk as string;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line === '') continue;
        const ev = JSON.parse(line) as WatchEvent;
        if (ev.type === 'ERROR') {
          res.destroy();
          throw new GoneError(`watch error: ${ev.object.code ?? ''} ${ev.object.message ?? ''}`);
        }
        if (ev.object.metadata?.resourceVersion) version = ev.object.metadata.resourceVersion;
        if (ev.type === 'BOOKMARK') continue;
        const k = objectKey(ev.object);
        if (ev.type === 'DELETED') {
          this.known.delete(k);
          this.o.onChange('delete', ev.object);
          continue;
        }
        const had = this.known.has(k);
        this.known.set(k, ev.object);
        this.o.onChange(had ? 'update' : 'add', ev.object);
      }
    }
    return version;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
