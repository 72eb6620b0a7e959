import { hostname as osHostname } from 'node:os';
import type { Logger } from 'pino';
import { DiscoveryManager, type DiscoveryManagerOptions, type TargetGroup } from '../../metrics/discovery/index.js';
import { compileRelabels, relabel, type CompiledRelabel } from '../../metrics/relabel/index.js';
import { Labels } from '../../model/index.js';
import type { AgentMetrics } from '../agent-metrics.js';
import type { PromtailConfig, PromtailScrapeConfig } from '../config/promtail-schema.js';
import type { LogEntry, RawEntry } from '../entry.js';
import type { Positions } from '../positions/positions.js';
import { FileTarget } from './file-target.js';

export const PATH_LABEL = '__path__';
export const PATH_EXCLUDE_LABEL = '__path_exclude__';
export const HOST_LABEL = '__host__';

export interface DroppedTarget {
  job: string;
  discoveredLabels: Record<string, string>;
  reason: string;
}

export interface FileTargetManagerOptions {
  config: PromtailConfig;
  positions: Positions;
  /** The entry sink of a job (its pipeline). */
  handlerFor: (job: string) => (e: LogEntry) => void;
  /** A job's sink for lines still in bytes, when its pipeline can take them so (utf-8 files only). */
  rawHandlerFor?: (job: string) => ((e: RawEntry) => void) | undefined;
  /** Back-pressure for a job's readers: a promise to wait on, or undefined to go on. */
  ready: (job: string) => Promise<void> | undefined;
  metrics: AgentMetrics;
  logger: Logger;
  /** Promtail's host filter: targets whose `__host__` differs are skipped (`HOSTNAME`, else the OS hostname). */
  hostname?: string;
  discovery?: Omit<DiscoveryManagerOptions, 'logger'>;
}

interface Job {
  config: PromtailScrapeConfig;
  relabel: CompiledRelabel[];
  targets: Map<string, FileTarget>;
  dropped: DroppedTarget[];
}

/**
 * Promtail's file target manager: runs service discovery per scrape config (static, file_sd, Kubernetes pods),
 * relabels each discovered target, keeps those with a `__path__` (and the right `__host__`), and syncs their globs
 * every `target_config.sync_period`.
 */
export class FileTargetManager {
  private readonly jobs = new Map<string, Job>();
  private readonly discovery: DiscoveryManager;
  private syncTimer: NodeJS.Timeout | undefined;
  private readonly hostname: string;
  private stopped = false;

  constructor(private readonly opts: FileTargetManagerOptions) {
    this.hostname = opts.hostname ?? process.env.HOSTNAME ?? osHostname();
    this.discovery = new DiscoveryManager((job, groups) => this.onTargets(job, groups), { updateIntervalMs: 0, ...opts.discovery, logger: opts.logger });
  }

  start(): void {
    const sd = new Map<string, PromtailScrapeConfig>();
    for (const sc of this.opts.config.scrape_configs) {
      if (sc.journal || sc.loki_push_api) continue;
      if (sc.static_configs.length === 0 && sc.file_sd_configs.length === 0 && sc.kubernetes_sd_configs.length === 0) continue;
      this.jobs.set(sc.job_name, { config: sc, relabel: compileRelabels(sc.relabel_configs), targets: new Map(), dropped: [] });
      sd.set(sc.job_name, {
        ...sc,
        // Promtail: a static config without targets still yields its labels once.
        static_configs: sc.static_configs.map((s) => ({ targets: s.targets && s.targets.length > 0 ? s.targets : ['localhost'], labels: s.labels ?? {} })),
      });
    }
    this.discovery.applyConfig(sd as never);
    const tick = () => {
      this.syncTimer = setTimeout(() => {
        this.syncAll();
        if (!this.stopped) tick();
      }, this.opts.config.target_config.sync_period);
    };
    tick();
  }

  syncAll(): void {
    for (const j of this.jobs.values()) for (const t of j.targets.values()) t.sync();
  }

  /** Every active target, per job. */
  activeTargets(): Map<string, FileTarget[]> {
    return new Map([...this.jobs].map(([k, j]) => [k, [...j.targets.values()]]));
  }

  droppedTargets(): DroppedTarget[] {
    return [...this.jobs.values()].flatMap((j) => j.dropped);
  }

  private onTargets(job: string, groups: TargetGroup[]): void {
    const j = this.jobs.get(job);
    if (!j || this.stopped) return;
    const next = new Map<string, { labels: Record<string, string>; discovered: Record<string, string>; path: string; exclude?: string }>();
    const dropped: DroppedTarget[] = [];
    for (const g of groups) {
      for (const t of g.targets) {
        const discovered: Record<string, string> = { ...g.labels, ...t };
        const out = relabel(Labels.fromObject(discovered), j.relabel);
        if (!out) {
          dropped.push({ job, discoveredLabels: discovered, reason: 'dropping target, no labels' });
          continue;
        }
        const labels = out.toObject();
        const host = labels[HOST_LABEL];
        if (host !== undefined && host !== this.hostname) {
          dropped.push({ job, discoveredLabels: discovered, reason: `ignoring target, wrong host (labels:${host} hostname:${this.hostname})` });
          continue;
        }
        const path = labels[PATH_LABEL];
        if (path === undefined || path === '') {
          dropped.push({ job, discoveredLabels: discovered, reason: 'no path for target' });
          continue;
        }
        const exclude = labels[PATH_EXCLUDE_LABEL];
        const kept: Record<string, string> = {};
        for (const [k, v] of Object.entries(labels)) if (!k.startsWith('__')) kept[k] = v;
        if (Object.keys(kept).length === 0) {
          dropped.push({ job, discoveredLabels: discovered, reason: 'no labels left after relabeling' });
          continue;
        }
        const key = `${path}:${JSON.stringify(kept)}${exclude ? `:${exclude}` : ''}`;
        if (!next.has(key)) next.set(key, { labels: kept, discovered, path, exclude });
      }
    }
    j.dropped = dropped;
    for (const [key, t] of j.targets) {
      if (!next.has(key)) {
        j.targets.delete(key);
        void t.stop();
      }
    }
    const limits = this.opts.config.limits_config;
    for (const [key, n] of next) {
      if (j.targets.has(key)) continue;
      const t = new FileTarget({
        path: n.path,
        exclude: n.exclude,
        labels: n.labels,
        discoveredLabels: n.discovered,
        positions: this.opts.positions,
        handle: this.opts.handlerFor(job),
        handleRaw: this.opts.rawHandlerFor?.(job),
        ready: () => this.opts.ready(job),
        pollMs: this.opts.config.global.file_watch_config.min_poll_frequency,
        encoding: j.config.encoding,
        maxLineBytes: limits.max_line_size > 0 ? limits.max_line_size : 64 * 1024 * 1024,
        truncateLongLines: limits.max_line_size_truncate,
        // Acknowledgement granularity below a batch, so a crash resends little beyond the unacknowledged.
        ticketBytes: Math.max(512, Math.min(16 * 1024, ...this.opts.config.clients.map((c) => Math.floor(c.batchsize / 4)))),
        decompression: j.config.decompression?.enabled ?? false,
        metrics: this.opts.metrics,
        logger: this.opts.logger.child({ job }),
      });
      j.targets.set(key, t);
      t.sync();
    }
    let n = 0;
    for (const jj of this.jobs.values()) n += jj.targets.size;
    this.opts.metrics.targetsActive.set(n);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.discovery.stop();
    await Promise.all([...this.jobs.values()].flatMap((j) => [...j.targets.values()].map((t) => t.stop())));
  }
}
