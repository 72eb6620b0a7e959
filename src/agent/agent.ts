import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DiscoveryManagerOptions } from '../metrics/discovery/index.js';
import { AgentMetrics } from './agent-metrics.js';
import { LokiClient } from './client/loki-client.js';
import { UNSUPPORTED_SCRAPE, type PromtailConfig } from './config/promtail-schema.js';
import type { LogEntry, RawEntry } from './entry.js';
import { ConfigError } from '../config/index.js';
import { StageBuildError, buildStages } from './pipeline/build.js';
import { Pipeline } from './pipeline/pipeline.js';
import { Positions } from './positions/positions.js';
import { ReadlineLimiter } from './readline-limiter.js';
import { labelsString } from './client/push-encoder.js';
import { Counter } from 'prom-client';
import { releaseIdleReadBuffers } from './tail/file-reader.js';
import { FileTargetManager } from './tail/file-target-manager.js';
import { PushTarget } from './push/push-target.js';
import { JournalTarget } from './journal/journal-target.js';
import { compileRelabels } from '../metrics/relabel/index.js';

/** One target as `/targets` and `/service-discovery` show it. */
export interface TargetView {
  type: 'File' | 'Push' | 'Journal';
  /** The `__path__` glob of a file target. */
  path?: string;
  labels: Record<string, string>;
  discoveredLabels: Record<string, string>;
  ready: boolean;
  /** File targets: each file's position; push targets: the port. */
  details: Record<string, number | string>;
}

export interface AgentOptions {
  config: PromtailConfig;
  registry: Registry;
  logger: Logger;
  hostname?: string;
  discovery?: Omit<DiscoveryManagerOptions, 'logger'>;
  /** Readers pause while the clients hold more than this many unacknowledged bytes (default 4 MiB or 4 batches: one in flight, one being filled, two queued). */
  maxBacklogBytes?: number;
  /**
   * Minimum time between two writes of the positions file once the clients are idle (default 100 ms); while they
   * are busy, `positions.sync_period` applies.
   */
  positionsWriteIntervalMs?: number;
  /** The promtail.yaml the config came from (named in errors). */
  configFile?: string;
  /** Overrides a `loki_push_api` job's listen address (tests: `127.0.0.1:0`). */
  pushListenAddress?: (job: string) => string | undefined;
  /** The journalctl binary journal jobs run (default `journalctl` on PATH). */
  journalctl?: string;
}

/**
 * Promtail's job: discover files, tail them, run each job's pipeline, ship to every client, and record positions
 * once the clients acknowledged the entries.
 */
export class Agent {
  readonly metrics: AgentMetrics;
  readonly positions: Positions;
  readonly clients: LokiClient[];
  readonly targets: FileTargetManager;
  readonly pushTargets: PushTarget[] = [];
  readonly journalTargets: JournalTarget[] = [];
  private readonly pipelines = new Map<string, Pipeline>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly maxBacklog: number;
  private waiting: Promise<void> | undefined;
  private readonly limiter: ReadlineLimiter | undefined;
  private readonly limitDrops: Counter<'reason'>;
  private readonly streams = new Set<string>();
  private readonly streamKeys = new WeakMap<Record<string, string>, string>();
  /** Per job, the `limit` stages in wait mode: how long its readers have yet to wait. */
  private readonly jobWaits = new Map<string, Array<() => number>>();

  constructor(private readonly opts: AgentOptions) {
    const cfg = opts.config;
    this.metrics = new AgentMetrics(opts.registry);
    this.positions = new Positions({
      filename: cfg.positions.filename,
      ignoreInvalidYaml: cfg.positions.ignore_invalid_yaml,
      readonly: cfg.positions.readonly,
      minWriteIntervalMs: opts.positionsWriteIntervalMs ?? 100,
      syncPeriodMs: cfg.positions.sync_period,
      busy: () => this.clients.some((c) => !c.idle),
      onError: (err) => opts.logger.error({ err }, 'error writing positions file'),
    });
    this.clients = cfg.clients.map((c) => new LokiClient(c, this.metrics, opts.logger.child({ client: c.url }), () => this.positions.schedule()));
    const maxBatch = Math.max(0, ...cfg.clients.map((c) => c.batchsize));
    this.maxBacklog = opts.maxBacklogBytes ?? Math.max(4 * 1024 * 1024, 4 * maxBatch);
    for (const sc of cfg.scrape_configs) {
      for (const k of UNSUPPORTED_SCRAPE) if (sc[k] !== undefined) opts.logger.warn({ job: sc.job_name, section: k }, 'scrape config section not supported by Sightline; it yields nothing');
      let stages;
      try {
        const waits: Array<() => number> = [];
        this.jobWaits.set(sc.job_name, waits);
        stages = buildStages(sc.pipeline_stages, { registry: opts.registry, logger: opts.logger, job: sc.job_name, onWaitLimiter: (w) => waits.push(w) });
      } catch (e) {
        if (e instanceof StageBuildError) throw new ConfigError(opts.configFile ?? 'promtail.yaml', `scrape_configs[${cfg.scrape_configs.indexOf(sc)}].${e.path}`, e.reason);
        throw e;
      }
      this.pipelines.set(sc.job_name, new Pipeline(stages, (e) => this.fanOut(e)));
    }
    const lim = cfg.limits_config;
    if (lim.readline_rate_enabled) this.limiter = new ReadlineLimiter(lim.readline_rate, lim.readline_burst);
    this.limitDrops = new Counter({ name: 'promtail_limit_dropped_lines_total', help: 'Lines dropped by limits_config (readline rate, max_streams).', labelNames: ['reason'], registers: [opts.registry] });
    for (const sc of cfg.scrape_configs) {
      if (!sc.loki_push_api) continue;
      this.pushTargets.push(
        new PushTarget({
          job: sc.job_name,
          config: sc.loki_push_api,
          relabel: compileRelabels(sc.relabel_configs),
          handle: this.entryHandler(sc.job_name),
          ready: () => this.ready(sc.job_name),
          logger: opts.logger.child({ job: sc.job_name }),
          listenAddress: opts.pushListenAddress?.(sc.job_name),
        }),
      );
    }
    for (const sc of cfg.scrape_configs) {
      if (!sc.journal) continue;
      this.journalTargets.push(
        new JournalTarget({
          job: sc.job_name,
          config: sc.journal,
          relabel: compileRelabels(sc.relabel_configs),
          positions: this.positions,
          handle: this.entryHandler(sc.job_name),
          ready: () => this.ready(sc.job_name),
          logger: opts.logger.child({ job: sc.job_name }),
          journalctl: opts.journalctl,
          onError: (error) => this.metrics.journalErrors.inc({ error }),
        }),
      );
    }
    this.targets = new FileTargetManager({
      config: cfg,
      positions: this.positions,
      handlerFor: (job) => this.entryHandler(job),
      rawHandlerFor: (job) => this.rawEntryHandler(job),
      ready: (job) => this.ready(job),
      metrics: this.metrics,
      logger: opts.logger,
      hostname: opts.hostname,
      discovery: opts.discovery,
    });
  }

  /** The entry sink of a job: `limits_config.readline_rate` (if enabled), then the job's pipeline. */
  private entryHandler(job: string): (e: LogEntry) => void {
    const p = this.pipelines.get(job)!;
    const lim = this.limiter;
    if (!lim) return (e) => p.process(e);
    if (this.opts.config.limits_config.readline_rate_drop) {
      return (e) => {
        if (lim.tryTake()) p.process(e);
        else {
          this.limitDrops.inc({ reason: 'readline_rate' });
          e.ticket?.release();
        }
      };
    }
    return (e) => {
      lim.take();
      p.process(e);
    };
  }

  /**
   * The sink of a job for lines still in bytes: only when every stage of its pipeline can take them so and no
   * `limits_config.readline_rate` applies (that path stays on entries).
   */
  private rawEntryHandler(job: string): ((e: RawEntry) => void) | undefined {
    const p = this.pipelines.get(job)!;
    if (this.limiter || !p.rawCapable) return undefined;
    const out = (e: RawEntry) => this.fanOutRaw(e);
    return (e) => p.processRaw(e, out);
  }

  /** Every active target per job (file targets, push receivers). */
  targetPools(): Map<string, TargetView[]> {
    const out = new Map<string, TargetView[]>();
    for (const [job, targets] of this.targets.activeTargets()) {
      out.set(
        job,
        targets.map((t) => ({
          type: 'File',
          path: t.opts.path,
          labels: t.labels,
          discoveredLabels: t.opts.discoveredLabels,
          // Promtail: a file target is ready once it tails at least one file.
          ready: t.readers.size > 0,
          details: Object.fromEntries([...t.readers.values()].map((r) => [r.path, r.offset])),
        })),
      );
    }
    for (const p of this.pushTargets) {
      out.set(p.job, [{ type: 'Push', labels: p.labels, discoveredLabels: {}, ready: p.port !== undefined, details: p.port !== undefined ? { port: p.port } : {} }]);
    }
    for (const j of this.journalTargets) {
      out.set(j.job, [{ type: 'Journal', labels: j.labels, discoveredLabels: {}, ready: j.running, details: j.lastCursor !== undefined ? { cursor: j.lastCursor } : {} }]);
    }
    return out;
  }

  /** Promtail's readiness (`server.health_check_target`, default on): some target is ready. */
  isReady(): boolean {
    if (this.opts.config.server.health_check_target === false) return true;
    for (const views of this.targetPools().values()) if (views.some((v) => v.ready)) return true;
    return false;
  }

  /** Start discovery and tailing, and the `loki_push_api` servers (resolves once they listen). */
  async start(): Promise<void> {
    this.targets.start();
    this.startFlushTimer();
    for (const j of this.journalTargets) j.start();
    await Promise.all(this.pushTargets.map((t) => t.start()));
  }

  private startFlushTimer(): void {
    if ([...this.pipelines.values()].some((p) => p.hasHoldingStages)) {
      const tick = () => {
        this.flushTimer = setTimeout(() => {
          const now = Date.now();
          for (const p of this.pipelines.values()) p.flush(now);
          tick();
        }, 100);
      };
      tick();
    }
  }

  /** Hand a pipeline's output to every client; the entry's own ticket reference passes to them. */
  private fanOut(e: LogEntry): void {
    if (this.admitToClients(e)) for (const c of this.clients) c.handle(e);
  }

  /** `fanOut` for a line still in bytes: each client copies it into its batch now. */
  private fanOutRaw(e: RawEntry): void {
    if (this.admitToClients(e)) for (const c of this.clients) c.handleRaw(e);
  }

  /**
   * Whether an entry goes to the clients (its stream within `max_streams`, some client configured): then its
   * ticket is held once per client; otherwise it is released.
   */
  private admitToClients(e: LogEntry | RawEntry): boolean {
    const t = e.ticket;
    if ((this.opts.config.limits_config.max_streams > 0 && !this.admitStream(e.labels)) || this.clients.length === 0) {
      t?.release();
      return false;
    }
    if (t) t.hold(this.clients.length - 1);
    return true;
  }

  /** `limits_config.max_streams`: whether the labels' stream is known or still fits (counted when refused). */
  private admitStream(labels: Record<string, string>): boolean {
    let key = this.streamKeys.get(labels);
    if (key === undefined) {
      key = labelsString(labels);
      this.streamKeys.set(labels, key);
    }
    if (this.streams.has(key)) return true;
    if (this.streams.size >= this.opts.config.limits_config.max_streams) {
      this.limitDrops.inc({ reason: 'max_streams' });
      this.metrics.streamLimited.inc({ reason: 'max_streams' });
      return false;
    }
    this.streams.add(key);
    return true;
  }

  private backlog(): number {
    let b = 0;
    for (const c of this.clients) b = Math.max(b, c.backlogBytes);
    return b;
  }

  private ready(job: string): Promise<void> | undefined {
    let debt = this.limiter && !this.opts.config.limits_config.readline_rate_drop ? this.limiter.debtMs() : 0;
    for (const w of this.jobWaits.get(job) ?? []) debt = Math.max(debt, w());
    if (debt > 0) return new Promise((r) => setTimeout(r, debt));
    if (this.backlog() < this.maxBacklog) return undefined;
    this.waiting ??= new Promise<void>((resolve) => {
      const check = () => {
        if (this.backlog() < this.maxBacklog / 2) {
          this.waiting = undefined;
          resolve();
        } else setTimeout(check, 10);
      };
      check();
    });
    return this.waiting;
  }

  /**
   * Give back the buffers kept for reuse while shipping (the idle clients' batch buffers, the shared read buffers):
   * called by the idle heap compaction (`startAgent`), which then frees them.
   */
  releaseIdleBuffers(): void {
    for (const c of this.clients) c.releaseIdleBuffers();
    releaseIdleReadBuffers();
  }

  /** Stop reading, hand on what stages hold, ship what is batched (bounded wait), write positions. */
  async stop(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    await this.targets.stop();
    await Promise.all([...this.pushTargets.map((t) => t.stop()), ...this.journalTargets.map((t) => t.stop())]);
    for (const p of this.pipelines.values()) p.flush(Number.POSITIVE_INFINITY);
    await Promise.all(this.clients.map((c) => c.stop()));
    await this.positions.close();
  }
}
