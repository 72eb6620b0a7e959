import { Registry } from 'prom-client';
import type { Logger } from '../../server/index.js';
import { DiscoveryManager, type SdConfigs, type TargetGroup } from '../discovery/index.js';
import { buildPrometheusConfig, type PrometheusConfig, type ScrapeConfig } from '../promconfig/index.js';
import type { Appendable } from '../storage-api/index.js';
import { ScrapeMetrics } from './metrics.js';
import { ScrapePool } from './scrape-pool.js';
import type { TargetStatus, TargetsSource } from './types.js';

export interface ScrapeManagerOptions {
  /** Self-metrics go here (the instance registry); a private registry when omitted. */
  registry?: Registry;
  logger?: Logger;
  /** Minimum time between target updates of one job from discovery, ms (Prometheus: 5000). */
  discoveryUpdateIntervalMs?: number;
  /** Environment for in-cluster Kubernetes discovery (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
  /** Service-account directory for in-cluster Kubernetes discovery. */
  inClusterDir?: string;
  kubernetesRetryDelayMs?: number;
}

export interface SelfScrapeOptions {
  /** host:port of Sightline's own listener serving /metrics. */
  address: string;
  jobName?: string;
  metricsPath?: string;
  scheme?: 'http' | 'https';
  /** ms; defaults to the global scrape_interval of the applied config. */
  intervalMs?: number;
  labels?: Record<string, string>;
}

/**
 * Prometheus's scrape manager: one pool per job, fed by the discovery manager, appending to an `Appendable`.
 * `applyConfig` reloads: unchanged jobs keep their loops; changed jobs get new loops that keep their series caches
 * (so staleness continues); removed jobs and targets get staleness markers. Also the source of `/api/v1/targets`.
 */
export class ScrapeManager implements TargetsSource {
  readonly metrics: ScrapeMetrics;
  private readonly pools = new Map<string, ScrapePool>();
  private readonly discovery: DiscoveryManager;
  private readonly selfScrapes: SelfScrapeOptions[] = [];
  private lastConfig: PrometheusConfig | undefined;
  private stopped = false;

  constructor(
    private readonly appendable: Appendable,
    private readonly opts: ScrapeManagerOptions = {},
  ) {
    this.metrics = new ScrapeMetrics(opts.registry ?? new Registry());
    const m = this.metrics;
    this.discovery = new DiscoveryManager((job, groups) => this.onTargets(job, groups), {
      logger: opts.logger,
      updateIntervalMs: opts.discoveryUpdateIntervalMs,
      env: opts.env,
      inClusterDir: opts.inClusterDir,
      kubernetesRetryDelayMs: opts.kubernetesRetryDelayMs,
      hooks: {
        onFileReadError: () => m.sdFileReadErrors.inc(),
        onKubernetesEvent: (role, event) => m.sdKubernetesEvents.inc({ role, event }),
        onKubernetesFailure: () => m.sdKubernetesFailures.inc(),
        onDiscovered: (job, n) => m.sdDiscoveredTargets.set({ config: job, name: 'scrape' }, n),
      },
    });
  }

  private onTargets(job: string, groups: TargetGroup[]): void {
    const pool = this.pools.get(job);
    if (!pool) return;
    try {
      pool.sync(groups);
    } catch (e) {
      this.opts.logger?.error({ job, err: (e as Error).message }, 'syncing scrape pool failed');
    }
  }

  /** Scrape Sightline's own /metrics as a job of its own, kept across reloads. */
  addSelfScrape(o: SelfScrapeOptions): void {
    this.selfScrapes.push(o);
    if (this.lastConfig) this.applyConfig(this.lastConfig);
  }

  private selfScrapeConfigs(cfg: PrometheusConfig): ScrapeConfig[] {
    return this.selfScrapes.map((s) => {
      const interval = s.intervalMs ?? cfg.global.scrape_interval;
      const built = buildPrometheusConfig({
        global: { scrape_interval: `${interval}ms`, scrape_timeout: `${Math.min(interval, cfg.global.scrape_timeout)}ms` },
        scrape_configs: [
          {
            job_name: s.jobName ?? 'sightline',
            metrics_path: s.metricsPath ?? '/metrics',
            scheme: s.scheme ?? 'http',
            static_configs: [{ targets: [s.address], labels: s.labels ?? {} }],
          },
        ],
      });
      return built.scrape_configs[0];
    });
  }

  /** Apply a (re)loaded prometheus.yml. */
  applyConfig(cfg: PrometheusConfig): void {
    if (this.stopped) return;
    this.lastConfig = cfg;
    const jobs = new Map<string, ScrapeConfig>();
    for (const s of [...this.selfScrapeConfigs(cfg), ...cfg.scrape_configs]) if (!jobs.has(s.job_name)) jobs.set(s.job_name, s);
    for (const [job, pool] of this.pools) {
      const next = jobs.get(job);
      if (!next) {
        this.pools.delete(job);
        void pool.stop(true);
        this.metrics.sdDiscoveredTargets.remove({ config: job, name: 'scrape' });
      } else if (configKey(next) !== configKey(pool.config)) {
        try {
          pool.reload(next);
        } catch (e) {
          this.metrics.poolReloadsFailed.inc();
          this.opts.logger?.error({ job, err: (e as Error).message }, 'reloading scrape pool failed');
        }
      }
    }
    for (const [job, s] of jobs) {
      if (this.pools.has(job)) continue;
      try {
        this.pools.set(job, new ScrapePool(s, { appendable: this.appendable, metrics: this.metrics, logger: this.opts.logger }));
      } catch (e) {
        this.metrics.poolsFailed.inc();
        this.opts.logger?.error({ job, err: (e as Error).message }, 'creating scrape pool failed');
      }
    }
    const sd = new Map<string, SdConfigs>();
    for (const [job, s] of jobs) sd.set(job, s);
    this.discovery.applyConfig(sd);
  }

  /** Stop discovery and every loop. No staleness markers are written (as at Prometheus shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.discovery.stop();
    await Promise.all([...this.pools.values()].map((p) => p.stop(false)));
    this.pools.clear();
  }

  pool(job: string): ScrapePool | undefined {
    return this.pools.get(job);
  }

  activeTargets(): TargetStatus[] {
    return [...this.pools.values()].flatMap((p) => p.activeStatus());
  }

  droppedTargets(): TargetStatus[] {
    return [...this.pools.values()].flatMap((p) => p.droppedStatus());
  }

  scrapePools(): string[] {
    return [...this.pools.keys()].sort();
  }
}

function configKey(c: ScrapeConfig): string {
  return JSON.stringify(c);
}
