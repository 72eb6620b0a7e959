import type { Logger } from '../../../server/index.js';
import type { KubernetesSdConfig } from '../../promconfig/index.js';
import type { Discoverer, TargetGroup } from '../target-group.js';
import { IN_CLUSTER_DIR, kubeGet, readBody, resolveKubeConnection, type KubeConnection } from './client.js';
import { buildPodGroup, podSource, type KubePod } from './pod.js';

export interface KubernetesSdHooks {
  logger?: Logger;
  /** Counts events by kind (`add`, `update`, `delete`), as prometheus_sd_kubernetes_events_total. */
  onEvent?: (role: string, event: 'add' | 'update' | 'delete') => void;
  onFailure?: () => void;
  env?: NodeJS.ProcessEnv;
  inClusterDir?: string;
  /** Delay before retrying after an error, ms (default 5000). */
  retryDelayMs?: number;
}

interface PodList {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubePod[];
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubePod & { code?: number; message?: string };
}

class GoneError extends Error {}

/**
 * `kubernetes_sd_configs` with `role: pod`: lists pods (per configured namespace, or all), then watches them from the
 * list's resourceVersion, re-listing when the watch expires (410 Gone) or fails. Every change produces the pod's
 * target group (see `buildPodGroup`); a deleted pod produces an empty group.
 */
export class KubernetesPodDiscoverer implements Discoverer {
  private readonly abort = new AbortController();
  private onUpdate: ((g: TargetGroup[]) => void) | undefined;
  private conn: KubeConnection | undefined;

  constructor(
    private readonly cfg: KubernetesSdConfig,
    private readonly hooks: KubernetesSdHooks = {},
  ) {}

  start(onUpdate: (groups: TargetGroup[]) => void): void {
    this.onUpdate = onUpdate;
    if (this.cfg.role !== 'pod') {
      this.hooks.logger?.warn({ role: this.cfg.role }, 'kubernetes_sd: only role "pod" is supported; this discovery yields no targets');
      return;
    }
    try {
      this.conn = resolveKubeConnection(this.cfg, this.hooks.env ?? process.env, this.hooks.inClusterDir ?? IN_CLUSTER_DIR);
    } catch (e) {
      this.hooks.onFailure?.();
      this.hooks.logger?.error({ err: (e as Error).message }, 'kubernetes_sd: cannot create client');
      return;
    }
    const names = new Set(this.cfg.namespaces?.names ?? []);
    if (this.cfg.namespaces?.own_namespace && this.conn.ownNamespace) names.add(this.conn.ownNamespace);
    const namespaces = names.size === 0 ? [''] : [...names];
    for (const ns of namespaces) void this.runNamespace(ns);
  }

  stop(): void {
    this.abort.abort();
  }

  private podsPath(ns: string, extra: Record<string, string>): string {
    const q = new URLSearchParams();
    for (const s of this.cfg.selectors) {
      if (s.role !== 'pod') continue;
      if (s.label) q.set('labelSelector', s.label);
      if (s.field) q.set('fieldSelector', s.field);
    }
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    const base = ns === '' ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`;
    const prefix = this.conn!.server.pathname.replace(/\/$/, '');
    return `${prefix}${base}?${q.toString()}`;
  }

  private async runNamespace(ns: string): Promise<void> {
    const known = new Set<string>();
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const { pods, rv } = await this.list(ns);
        const groups: TargetGroup[] = [];
        const now = new Set<string>();
        for (const p of pods) {
          const g = buildPodGroup(p);
          now.add(g.source);
          groups.push(g);
          this.hooks.onEvent?.('pod', known.has(g.source) ? 'update' : 'add');
        }
        for (const s of known) {
          if (!now.has(s)) {
            groups.push({ source: s, targets: [], labels: {} });
            this.hooks.onEvent?.('pod', 'delete');
          }
        }
        known.clear();
        for (const s of now) known.add(s);
        this.onUpdate?.(groups);
        let version = rv;
        while (!signal.aborted) version = await this.watch(ns, version, known);
      } catch (e) {
        if (signal.aborted) return;
        if (!(e instanceof GoneError)) {
          this.hooks.onFailure?.();
          this.hooks.logger?.error({ err: (e as Error).message, namespace: ns }, 'kubernetes_sd: list/watch failed');
          await sleep(this.hooks.retryDelayMs ?? 5000, signal);
        }
      }
    }
  }

  private async list(ns: string): Promise<{ pods: KubePod[]; rv: string }> {
    const pods: KubePod[] = [];
    let cont = '';
    let rv: string;
    do {
      const extra: Record<string, string> = { limit: '500' };
      if (cont) extra.continue = cont;
      const res = await kubeGet(this.conn!, this.podsPath(ns, extra), this.abort.signal);
      const body = await readBody(res);
      if (res.statusCode !== 200) throw new Error(`listing pods: HTTP ${res.statusCode}: ${body.slice(0, 200)}`);
      const list = JSON.parse(body) as PodList;
      pods.push(...(list.items ?? []));
      rv = list.metadata?.resourceVersion ?? '';
      cont = list.metadata?.continue ?? '';
    } while (cont);
    return { pods, rv };
  }

  /** Watch from `rv` until the server ends the stream; returns the last resourceVersion seen. */
  private async watch(ns: string, rv: string, known: Set<string>): Promise<string> {
    const timeout = 300 + Math.floor(Math.random() * 300);
    const res = await kubeGet(this.conn!, this.podsPath(ns, { watch: '1', resourceVersion: rv, allowWatchBookmarks: 'true', timeoutSeconds: String(timeout) }), this.abort.signal);
    if (res.statusCode === 410) {
      res.resume();
      throw new GoneError('watch expired');
    }
    if (res.statusCode !== 200) {
      const body = await readBody(res);
      throw new Error(`watching pods: HTTP ${res.statusCode}: ${body.slice(0, 200)}`);
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
        if (ev.type === 'DELETED') {
          const src = podSource(ev.object);
          known.delete(src);
          this.hooks.onEvent?.('pod', 'delete');
          this.onUpdate?.([{ source: src, targets: [], labels: {} }]);
          continue;
        }
        const g = buildPodGroup(ev.object);
        this.hooks.onEvent?.('pod', known.has(g.source) ? 'update' : 'add');
        known.add(g.source);
        this.onUpdate?.([g]);
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
