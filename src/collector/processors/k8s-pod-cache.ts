import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import type { Logger } from 'pino';

/** The pod fields k8sattributes reads. */
export interface PodInfo {
  name: string;
  namespace: string;
  uid: string;
  ip?: string;
  nodeName?: string;
  startTime?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** `kind/name` of the controller (ReplicaSet, StatefulSet, DaemonSet, Job). */
  owner?: { kind: string; name: string };
}

export interface KubeApi {
  server: URL;
  ca?: Buffer;
  authHeader?: string;
}

const IN_CLUSTER = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The API server for `auth_type`: `serviceAccount` (in-cluster token and CA) or `none` (plain, from the env). */
export function kubeApiFromEnv(authType: string, env: NodeJS.ProcessEnv = process.env, dir = IN_CLUSTER): KubeApi | string {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return 'unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined';
  const scheme = env.KUBERNETES_SERVICE_SCHEME ?? (authType === 'none' ? 'http' : 'https');
  const server = new URL(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`);
  if (authType !== 'serviceAccount') return { server };
  try {
    return { server, ca: readFileSync(join(dir, 'ca.crt')), authHeader: `Bearer ${readFileSync(join(dir, 'token'), 'utf8').trim()}` };
  } catch (e) {
    return `cannot read the service account credentials: ${(e as Error).message}`;
  }
}

interface KubePodJson {
  metadata?: { name?: string; namespace?: string; uid?: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string; ownerReferences?: { kind: string; name: string; controller?: boolean }[] };
  spec?: { nodeName?: string };
  status?: { podIP?: string; startTime?: string };
}

function podInfo(p: KubePodJson): PodInfo {
  const owner = p.metadata?.ownerReferences?.find((o) => o.controller) ?? p.metadata?.ownerReferences?.[0];
  return {
    name: p.metadata?.name ?? '',
    namespace: p.metadata?.namespace ?? '',
    uid: p.metadata?.uid ?? '',
    ip: p.status?.podIP || undefined,
    nodeName: p.spec?.nodeName,
    startTime: p.status?.startTime,
    labels: p.metadata?.labels ?? {},
    annotations: p.metadata?.annotations ?? {},
    owner: owner ? { kind: owner.kind, name: owner.name } : undefined,
  };
}

/**
 * The pods of the cluster (or of one namespace), kept current by list + watch against the Kubernetes API, indexed
 * by pod IP and uid. A failed watch is re-listed after a pause; lookups answer from the last known state.
 */
export class PodCache {
  private readonly byUid = new Map<string, PodInfo>();
  private readonly byIp = new Map<string, PodInfo>();
  private stopped = false;
  private req?: http.ClientRequest;
  private synced!: Promise<void>;
  private markSynced!: () => void;

  constructor(
    private readonly api: KubeApi,
    private readonly logger: Logger,
    private readonly namespace?: string,
  ) {
    this.synced = new Promise((r) => (this.markSynced = r));
  }

  get size(): number {
    return this.byUid.size;
  }

  byIP(ip: string): PodInfo | undefined {
    return this.byIp.get(ip);
  }

  byUID(uid: string): PodInfo | undefined {
    return this.byUid.get(uid);
  }

  /** Resolves after the first successful list (or after `timeoutMs`). */
  waitSynced(timeoutMs: number): Promise<void> {
    return Promise.race([this.synced, new Promise<void>((r) => setTimeout(r, timeoutMs).unref())]);
  }

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.req?.destroy();
  }

  private path(extra: string): string {
    return `${this.namespace ? `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods` : '/api/v1/pods'}${extra}`;
  }

  private request(path: string, onData?: (line: string) => void): Promise<string> {
    return new Promise((resolve, reject) => {
      const u = new URL(path, this.api.server);
      const mod = u.protocol === 'https:' ? https : http;
      const req = mod.request(u, { headers: { accept: 'application/json', ...(this.api.authHeader ? { authorization: this.api.authHeader } : {}) }, ca: this.api.ca }, (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          buf += d;
          if (onData) {
            let i;
            while ((i = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, i);
              buf = buf.slice(i + 1);
              if (line.trim() !== '') onData(line);
            }
          }
        });
        res.on('end', () => (res.statusCode && res.statusCode < 300 ? resolve(buf) : reject(new Error(`GET ${path}: HTTP ${res.statusCode}: ${buf.slice(0, 200)}`))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
      this.req = req;
    });
  }

  private set(p: PodInfo): void {
    const old = this.byUid.get(p.uid);
    if (old?.ip && this.byIp.get(old.ip) === old) this.byIp.delete(old.ip);
    this.byUid.set(p.uid, p);
    if (p.ip) this.byIp.set(p.ip, p);
  }

  private remove(p: PodInfo): void {
    const old = this.byUid.get(p.uid);
    this.byUid.delete(p.uid);
    if (old?.ip && this.byIp.get(old.ip) === old) this.byIp.delete(old.ip);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const list = JSON.parse(await this.request(this.path(''))) as { metadata?: { resourceVersion?: string }; items?: KubePodJson[] };
        this.byUid.clear();
        this.byIp.clear();
        for (const p of list.items ?? []) this.set(podInfo(p));
        this.markSynced();
        await this.request(this.path(`?watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(list.metadata?.resourceVersion ?? '')}`), (line) => {
          const ev = JSON.parse(line) as { type: string; object: KubePodJson };
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.set(podInfo(ev.object));
          else if (ev.type === 'DELETED') this.remove(podInfo(ev.object));
        });
      } catch (e) {
        if (this.stopped) return;
        this.logger.warn({ err: (e as Error).message }, 'k8sattributes: listing/watching pods failed; retrying');
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 1000).unref());
    }
  }
}
