import type { Logger } from '../../server/index.js';
import { Labels } from '../../model/index.js';
import type { ScrapeConfig } from '../promconfig/index.js';
import { compileRelabels, type CompiledRelabel } from '../relabel/index.js';
import type { Appendable } from '../storage-api/index.js';
import type { TargetGroup } from '../discovery/index.js';
import { HttpScraper } from './http-scraper.js';
import type { ScrapeMetrics } from './metrics.js';
import { ScrapeLoop } from './scrape-loop.js';
import { Target, TargetLabelsError, populateLabels } from './target.js';
import type { TargetStatus } from './types.js';

export interface ScrapePoolDeps {
  appendable: Appendable;
  metrics: ScrapeMetrics;
  logger?: Logger;
}

/** A job's targets and their scrape loops (Prometheus's `scrapePool`). */
export class ScrapePool {
  private loops = new Map<string, ScrapeLoop>();
  private dropped: Labels[] = [];
  private groups: TargetGroup[] = [];
  private relabel: CompiledRelabel[];
  private metricRelabel: CompiledRelabel[];
  private scraper: HttpScraper;
  private stopped = false;

  constructor(
    private cfg: ScrapeConfig,
    private readonly deps: ScrapePoolDeps,
  ) {
    this.relabel = compileRelabels(cfg.relabel_configs);
    this.metricRelabel = compileRelabels(cfg.metric_relabel_configs);
    this.scraper = new HttpScraper(cfg);
    deps.metrics.pools.inc();
  }

  get jobName(): string {
    return this.cfg.job_name;
  }

  get config(): ScrapeConfig {
    return this.cfg;
  }

  /** Replace the target set with what discovery currently reports for this job. */
  sync(groups: TargetGroup[]): void {
    if (this.stopped) return;
    const t0 = performance.now();
    this.groups = groups;
    const active = new Map<string, Target>();
    const dropped: Labels[] = [];
    for (const g of groups) {
      for (const t of g.targets) {
        const merged = { ...g.labels, ...t };
        let res;
        try {
          res = populateLabels(merged, this.cfg, this.relabel);
        } catch (e) {
          if (!(e instanceof TargetLabelsError)) throw e;
          this.deps.logger?.warn({ job: this.cfg.job_name, err: e.message, target: merged.__address__ }, 'creating target failed');
          continue;
        }
        if (res.labels === undefined) {
          if (this.cfg.keep_dropped_targets === 0 || dropped.length < this.cfg.keep_dropped_targets) dropped.push(res.discovered);
          continue;
        }
        const target = new Target(res.labels, res.discovered, this.cfg);
        if (!active.has(target.key)) active.set(target.key, target);
      }
    }
    this.dropped = dropped;
    for (const [key, loop] of this.loops) {
      if (!active.has(key)) {
        this.loops.delete(key);
        void loop.stop(true);
      }
    }
    for (const [key, target] of active) {
      if (this.loops.has(key)) continue;
      const loop = this.newLoop(target);
      this.loops.set(key, loop);
      loop.start();
    }
    this.applyTargetLimit();
    this.deps.metrics.poolTargets.set({ scrape_job: this.cfg.job_name }, this.loops.size);
    this.deps.metrics.syncLength.observe({ scrape_job: this.cfg.job_name }, (performance.now() - t0) / 1000);
  }

  private newLoop(target: Target): ScrapeLoop {
    return new ScrapeLoop(target, { appendable: this.deps.appendable, cfg: this.cfg, metricRelabel: this.metricRelabel, scraper: this.scraper, metrics: this.deps.metrics, logger: this.deps.logger });
  }

  private applyTargetLimit(): void {
    const limit = this.cfg.target_limit;
    const n = this.loops.size;
    const err = limit > 0 && n > limit ? `target_limit exceeded (number of targets: ${n}, limit: ${limit})` : undefined;
    if (err) this.deps.metrics.poolExceededTargetLimit.inc();
    for (const l of this.loops.values()) l.forcedError = err;
  }

  /** New configuration for the same job: new loops for every target, each keeping its predecessor's series cache. */
  reload(cfg: ScrapeConfig): void {
    this.deps.metrics.poolReloads.inc();
    const old = this.loops;
    const oldScraper = this.scraper;
    this.cfg = cfg;
    this.relabel = compileRelabels(cfg.relabel_configs);
    this.metricRelabel = compileRelabels(cfg.metric_relabel_configs);
    this.scraper = new HttpScraper(cfg);
    this.loops = new Map();
    const stops: Promise<void>[] = [];
    // Recompute targets under the new relabeling; matching ones inherit state.
    const prevGroups = this.groups;
    const carried = new Map<string, ScrapeLoop>();
    for (const [k, l] of old) carried.set(k, l);
    this.syncWith(prevGroups, carried, stops);
    void Promise.all(stops).then(() => oldScraper.close());
  }

  private syncWith(groups: TargetGroup[], carried: Map<string, ScrapeLoop>, stops: Promise<void>[]): void {
    // Start with no loops; sync creates them, then swap in old state where the target is unchanged.
    this.sync(groups);
    for (const [key, loop] of this.loops) {
      const prev = carried.get(key);
      if (prev) {
        carried.delete(key);
        loop.adoptState(prev);
        stops.push(prev.stop(false));
      }
    }
    for (const l of carried.values()) stops.push(l.stop(true));
  }

  async stop(stale: boolean): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.loops.values()].map((l) => l.stop(stale)));
    this.loops.clear();
    this.scraper.close();
    this.deps.metrics.poolTargets.remove({ scrape_job: this.cfg.job_name });
  }

  /** The loops, for tests. */
  activeLoops(): ScrapeLoop[] {
    return [...this.loops.values()];
  }

  activeStatus(): TargetStatus[] {
    return [...this.loops.values()].map((l) => ({
      discoveredLabels: l.target.discovered,
      labels: l.target.seriesLabels,
      scrapePool: this.cfg.job_name,
      scrapeUrl: l.target.urlString,
      globalUrl: l.target.urlString,
      lastError: l.lastError,
      lastScrape: l.lastScrape,
      lastScrapeDurationSeconds: l.lastDurationSeconds,
      health: l.health,
      scrapeIntervalMs: l.target.intervalMs,
      scrapeTimeoutMs: l.target.timeoutMs,
    }));
  }

  droppedStatus(): TargetStatus[] {
    return this.dropped.map((d) => ({
      discoveredLabels: d,
      labels: Labels.EMPTY,
      scrapePool: this.cfg.job_name,
      scrapeUrl: '',
      globalUrl: '',
      lastError: '',
      lastScrape: 0,
      lastScrapeDurationSeconds: 0,
      health: 'unknown' as const,
      scrapeIntervalMs: this.cfg.scrape_interval,
      scrapeTimeoutMs: this.cfg.scrape_timeout,
    }));
  }
}
