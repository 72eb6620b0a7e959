import type { Logger } from '../../server/index.js';
import { UNSUPPORTED_SD, type ScrapeConfig } from '../promconfig/index.js';
import { FileDiscoverer } from './file-sd.js';
import { KubernetesDiscoverer } from './kubernetes/kubernetes-sd.js';
import { StaticDiscoverer } from './static.js';
import type { Discoverer, TargetGroup } from './target-group.js';

export type SdConfigs = Pick<ScrapeConfig, 'static_configs' | 'file_sd_configs' | 'kubernetes_sd_configs'> & Partial<Record<(typeof UNSUPPORTED_SD)[number], unknown>>;

export interface DiscoveryHooks {
  onFileReadError?: () => void;
  onKubernetesEvent?: (role: string, event: 'add' | 'update' | 'delete') => void;
  onKubernetesFailure?: () => void;
  /** Number of targets discovered for a job after each update. */
  onDiscovered?: (job: string, targets: number) => void;
}

export interface DiscoveryManagerOptions {
  logger?: Logger;
  /** Minimum time between updates sent for one job, ms (Prometheus: 5s). */
  updateIntervalMs?: number;
  hooks?: DiscoveryHooks;
  env?: NodeJS.ProcessEnv;
  inClusterDir?: string;
  kubernetesRetryDelayMs?: number;
}

interface Provider {
  discoverer: Discoverer;
  groups: Map<string, TargetGroup>;
}

interface JobDiscovery {
  key: string;
  providers: Provider[];
  dirty: boolean;
  timer: NodeJS.Timeout | undefined;
  lastSent: number;
}

/**
 * Runs the discovery mechanisms of every scrape job and tells the scrape side the complete, current set of target
 * groups of a job whenever it changes (throttled, as Prometheus's discovery manager). Jobs whose discovery
 * configuration did not change keep their running discoverers across `applyConfig`.
 */
export class DiscoveryManager {
  private readonly jobs = new Map<string, JobDiscovery>();
  private readonly interval: number;

  constructor(
    private readonly onTargets: (job: string, groups: TargetGroup[]) => void,
    private readonly opts: DiscoveryManagerOptions = {},
  ) {
    this.interval = opts.updateIntervalMs ?? 5000;
  }

  applyConfig(configs: ReadonlyMap<string, SdConfigs>): void {
    for (const [job, jd] of this.jobs) {
      const c = configs.get(job);
      if (!c || sdKey(c) !== jd.key) {
        this.stopJob(jd);
        this.jobs.delete(job);
      }
    }
    for (const [job, c] of configs) {
      if (this.jobs.has(job)) continue;
      for (const k of UNSUPPORTED_SD) {
        if (c[k] !== undefined) this.opts.logger?.warn({ job, discovery: k }, 'service discovery mechanism not supported by Sightline; it yields no targets');
      }
      const jd: JobDiscovery = { key: sdKey(c), providers: [], dirty: false, timer: undefined, lastSent: 0 };
      const h = this.opts.hooks ?? {};
      const discoverers: Discoverer[] = [];
      if (c.static_configs.length > 0) discoverers.push(new StaticDiscoverer(c.static_configs));
      for (const f of c.file_sd_configs) discoverers.push(new FileDiscoverer(f, { logger: this.opts.logger, onReadError: h.onFileReadError }));
      for (const k of c.kubernetes_sd_configs) {
        discoverers.push(
          new KubernetesDiscoverer(k, {
            logger: this.opts.logger,
            onEvent: h.onKubernetesEvent,
            onFailure: h.onKubernetesFailure,
            env: this.opts.env,
            inClusterDir: this.opts.inClusterDir,
            retryDelayMs: this.opts.kubernetesRetryDelayMs,
          }),
        );
      }
      this.jobs.set(job, jd);
      // A job without any discovery still gets one (empty) update so its pool exists.
      if (discoverers.length === 0) this.markDirty(job, jd);
      for (const d of discoverers) {
        const p: Provider = { discoverer: d, groups: new Map() };
        jd.providers.push(p);
        d.start((groups) => {
          for (const g of groups) {
            if (g.targets.length === 0) p.groups.delete(g.source);
            else p.groups.set(g.source, g);
          }
          this.markDirty(job, jd);
        });
      }
    }
  }

  private markDirty(job: string, jd: JobDiscovery): void {
    jd.dirty = true;
    if (jd.timer) return;
    const wait = Math.max(0, jd.lastSent + this.interval - Date.now());
    jd.timer = setTimeout(() => {
      jd.timer = undefined;
      if (!jd.dirty || this.jobs.get(job) !== jd) return;
      jd.dirty = false;
      jd.lastSent = Date.now();
      const all: TargetGroup[] = [];
      let n = 0;
      for (const p of jd.providers) {
        for (const g of p.groups.values()) {
          all.push(g);
          n += g.targets.length;
        }
      }
      this.opts.hooks?.onDiscovered?.(job, n);
      this.onTargets(job, all);
    }, wait);
  }

  private stopJob(jd: JobDiscovery): void {
    if (jd.timer) clearTimeout(jd.timer);
    for (const p of jd.providers) p.discoverer.stop();
  }

  stop(): void {
    for (const jd of this.jobs.values()) this.stopJob(jd);
    this.jobs.clear();
  }
}

function sdKey(c: SdConfigs): string {
  const o: Record<string, unknown> = { s: c.static_configs, f: c.file_sd_configs, k: c.kubernetes_sd_configs };
  return JSON.stringify(o);
}
