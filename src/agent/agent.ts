import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DiscoveryManagerOptions } from '../metrics/index.js';
import { AgentMetrics } from './agent-metrics.js';
import { LokiClient } from './client/loki-client.js';
import { UNSUPPORTED_SCRAPE, type PromtailConfig } from './config/promtail-schema.js';
import type { LogEntry } from './entry.js';
import { buildStages } from './pipeline/build.js';
import { Pipeline } from './pipeline/pipeline.js';
import { Positions } from './positions/positions.js';
import { FileTargetManager } from './tail/file-target-manager.js';

export interface AgentOptions {
  config: PromtailConfig;
  registry: Registry;
  logger: Logger;
  hostname?: string;
  discovery?: Omit<DiscoveryManagerOptions, 'logger'>;
  /** Readers pause while the clients hold more than this many unacknowledged bytes (default 16 MiB or 8 batches). */
  maxBacklogBytes?: number;
  /** Minimum time between two writes of the positions file (default 0: after every acknowledged batch). */
  positionsWriteIntervalMs?: number;
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
  private readonly pipelines = new Map<string, Pipeline>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly maxBacklog: number;
  private waiting: Promise<void> | undefined;

  constructor(private readonly opts: AgentOptions) {
    const cfg = opts.config;
    this.metrics = new AgentMetrics(opts.registry);
    this.positions = new Positions({
      filename: cfg.positions.filename,
      ignoreInvalidYaml: cfg.positions.ignore_invalid_yaml,
      readonly: cfg.positions.readonly,
      minWriteIntervalMs: opts.positionsWriteIntervalMs ?? 0,
      onError: (err) => opts.logger.error({ err }, 'error writing positions file'),
    });
    this.clients = cfg.clients.map((c) => new LokiClient(c, this.metrics, opts.logger.child({ client: c.url })));
    const maxBatch = Math.max(0, ...cfg.clients.map((c) => c.batchsize));
    this.maxBacklog = opts.maxBacklogBytes ?? Math.max(16 * 1024 * 1024, 8 * maxBatch);
    for (const sc of cfg.scrape_configs) {
      for (const k of UNSUPPORTED_SCRAPE) if (sc[k] !== undefined) opts.logger.warn({ job: sc.job_name, section: k }, 'scrape config section not supported by Sightline; it yields nothing');
      if (sc.journal) opts.logger.warn({ job: sc.job_name }, 'journal scraping is not supported by Sightline; the job yields nothing');
      this.pipelines.set(sc.job_name, new Pipeline(buildStages(sc.pipeline_stages, { registry: opts.registry, logger: opts.logger, job: sc.job_name }), (e) => this.fanOut(e)));
    }
    this.targets = new FileTargetManager({
      config: cfg,
      positions: this.positions,
      handlerFor: (job) => {
        const p = this.pipelines.get(job)!;
        return (e) => p.process(e);
      },
      ready: () => this.ready(),
      metrics: this.metrics,
      logger: opts.logger,
      hostname: opts.hostname,
      discovery: opts.discovery,
    });
  }

  start(): void {
    this.targets.start();
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
    const t = e.ticket;
    if (this.clients.length === 0) {
      t?.release();
      return;
    }
    if (t) t.hold(this.clients.length - 1);
    for (const c of this.clients) c.handle(e);
  }

  private backlog(): number {
    let b = 0;
    for (const c of this.clients) b = Math.max(b, c.backlogBytes);
    return b;
  }

  private ready(): Promise<void> | undefined {
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

  /** Stop reading, hand on what stages hold, ship what is batched (bounded wait), write positions. */
  async stop(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    await this.targets.stop();
    for (const p of this.pipelines.values()) p.flush(Number.POSITIVE_INFINITY);
    await Promise.all(this.clients.map((c) => c.stop()));
    await this.positions.close();
  }
}
