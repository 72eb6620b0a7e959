import { join } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { isResolved } from './alert.js';
import { AlertStore } from './alert-store.js';
import type { AlertmanagerConfig } from './config/load-config.js';
import { ConfigMetrics } from './config-metrics.js';
import { Dispatcher } from './dispatcher.js';
import { Inhibitor } from './inhibitor.js';
import type { LabelSet } from './labels.js';
import { NotificationLog } from './notify/nflog.js';
import { NotificationPipeline, createPipelineMetrics, type PipelineMetrics } from './notify/pipeline.js';
import { buildIntegrations, type IntegrationEndpoints } from './receivers/build-integrations.js';
import { Route } from './route.js';
import { Silences, silenceState } from './silences.js';
import { StateMetrics } from './state-metrics.js';
import { SumCountSummary } from './sum-count-summary.js';

export interface AlertmanagerOptions {
  config: AlertmanagerConfig;
  /** Where silences and the notification log are kept (`<data-dir>/alertmanager`). */
  dataDir: string;
  /** The URL users reach this Alertmanager at (may be known only once listening). */
  externalUrl: () => string;
  retentionMs: number;
  fsyncIntervalMs: number;
  logger: Logger;
  registry: Registry;
  /** First retry delay of a failed notification (tests shorten it). */
  initialBackoffMs?: number;
  /** How often empty aggregation groups are removed (ms). */
  groupMaintenanceMs?: number;
  /** Service endpoints Alertmanager has fixed (Pushover's API). */
  endpoints?: IntegrationEndpoints;
}

export interface AlertStatus {
  state: 'active' | 'suppressed';
  silencedBy: string[];
  inhibitedBy: string[];
}

export interface AlertmanagerMetrics {
  received: Counter<'status' | 'version'>;
  invalid: Counter<'version'>;
  pipeline: PipelineMetrics;
  config: ConfigMetrics;
}

/**
 * One Alertmanager: the alert store, silences, notification log, inhibitor, routing tree and dispatcher, with
 * configuration reload (the routing tree and receivers are rebuilt; alerts, silences and the log are kept).
 */
export class Alertmanager {
  readonly store = new AlertStore();
  readonly silences: Silences;
  readonly nflog: NotificationLog;
  readonly metrics: AlertmanagerMetrics;
  readonly startedAt = Date.now();
  config: AlertmanagerConfig;
  /** The configuration read from alertmanager.yml (or the default); `config` is the overlay's when one is set. */
  fileConfig: AlertmanagerConfig;
  /** The configuration edited in the UI: in force over the file until cleared, kept across file reloads. */
  private overlay: AlertmanagerConfig | undefined;
  route!: Route;
  inhibitor!: Inhibitor;
  dispatcher!: Dispatcher;
  private unsubscribeInhibitor: (() => void) | undefined;
  private readonly gcTimer: NodeJS.Timeout;
  private readonly processing: SumCountSummary;

  constructor(private readonly opts: AlertmanagerOptions) {
    this.config = opts.config;
    this.fileConfig = opts.config;
    this.silences = new Silences(opts.retentionMs);
    this.silences.openLog(join(opts.dataDir, 'silences'), opts.fsyncIntervalMs);
    this.nflog = new NotificationLog(opts.retentionMs);
    this.nflog.openLog(join(opts.dataDir, 'nflog'), opts.fsyncIntervalMs);
    const r = opts.registry;
    this.processing = new SumCountSummary('alertmanager_dispatcher_alert_processing_duration_seconds', 'Summary of latencies for the processing of alerts.', r);
    this.silences.metrics = new StateMetrics(r, 'silences', 'silence');
    this.nflog.metrics = new StateMetrics(r, 'nflog', 'notification log');
    this.metrics = {
      received: new Counter({ name: 'alertmanager_alerts_received_total', help: 'The total number of received alerts.', labelNames: ['status', 'version'] as const, registers: [r] }),
      invalid: new Counter({ name: 'alertmanager_alerts_invalid_total', help: 'The total number of received alerts that were invalid.', labelNames: ['version'] as const, registers: [r] }),
      pipeline: createPipelineMetrics(r),
      config: new ConfigMetrics(r),
    };
    // The series Alertmanager 0.25 shows at 0 from the start (v1 is its removed API's).
    for (const version of ['v1', 'v2']) {
      this.metrics.invalid.inc({ version }, 0);
      for (const status of ['firing', 'resolved']) this.metrics.received.inc({ status, version }, 0);
    }
    new Gauge({
      name: 'alertmanager_alerts',
      help: 'How many alerts by state.',
      labelNames: ['state'] as const,
      registers: [r],
      collect: () => this.setStateGauge('alertmanager_alerts', false),
    });
    new Gauge({
      name: 'alertmanager_marked_alerts',
      help: 'How many alerts by state are currently marked in the Alertmanager regardless of their expiry.',
      labelNames: ['state'] as const,
      registers: [r],
      collect: () => this.setStateGauge('alertmanager_marked_alerts', true),
    });
    new Gauge({
      name: 'alertmanager_silences',
      help: 'How many silences by state.',
      labelNames: ['state'] as const,
      registers: [r],
      collect: () => {
        const counts = { active: 0, pending: 0, expired: 0 };
        const now = Date.now();
        for (const s of this.silences.list()) counts[silenceState(s, now)]++;
        const g = r.getSingleMetric('alertmanager_silences') as Gauge<'state'>;
        for (const [k, v] of Object.entries(counts)) g.set({ state: k }, v);
      },
    });
    this.apply(opts.config);
    // Resolved alerts are dropped from the store every 30 minutes (Alertmanager's default GC interval), and the
    // silences and notification log compacted on the maintenance interval set by the component.
    this.gcTimer = setInterval(() => this.gc(), 30 * 60_000);
    this.gcTimer.unref();
  }

  /** Alerts by state (active or suppressed by a silence or inhibition) into the gauge `name`; resolved ones counted when `withResolved`. */
  private setStateGauge(name: string, withResolved: boolean): void {
    let active = 0;
    let suppressed = 0;
    const now = Date.now();
    for (const a of this.store.list()) {
      if (!withResolved && isResolved(a, now)) continue;
      if (this.status(a.labels, a.fingerprint).state === 'active') active++;
      else suppressed++;
    }
    const g = this.opts.registry.getSingleMetric(name) as Gauge<'state'>;
    g.set({ state: 'active' }, active);
    g.set({ state: 'suppressed' }, suppressed);
    g.set({ state: 'unprocessed' }, 0);
  }

  private apply(config: AlertmanagerConfig): void {
    this.config = config;
    this.route = new Route(config.route);
    this.unsubscribeInhibitor?.();
    const inhibitor = new Inhibitor(config.inhibitRules);
    for (const a of this.store.list()) inhibitor.observe(a);
    this.unsubscribeInhibitor = this.store.subscribe((a) => inhibitor.observe(a));
    this.inhibitor = inhibitor;
    const integrations = buildIntegrations(config, this.opts.logger, this.opts.endpoints);
    this.metrics.config.loaded(config, [...integrations.values()].reduce((n, l) => n + l.length, 0));
    const pipeline = new NotificationPipeline({
      silences: this.silences,
      inhibitor,
      nflog: this.nflog,
      timeIntervals: config.timeIntervals,
      integrations,
      externalUrl: this.opts.externalUrl,
      metrics: this.metrics.pipeline,
      logger: this.opts.logger,
      initialBackoffMs: this.opts.initialBackoffMs,
    });
    this.dispatcher = new Dispatcher(this.route, this.store, pipeline, this.opts.logger, this.opts.registry, this.processing);
    this.dispatcher.start(this.opts.groupMaintenanceMs);
  }

  /** A file reload (`/-/reload`, SIGHUP): the file's configuration applies unless an overlay is set, which stays in force. */
  async reloadFile(config: AlertmanagerConfig): Promise<void> {
    this.fileConfig = config;
    await this.reload(this.overlay ?? config);
  }

  /** Sets (or with `undefined` clears) the overlay configuration, as the UI does with its stored document, and applies it. */
  async setOverlay(config: AlertmanagerConfig | undefined): Promise<void> {
    this.overlay = config;
    await this.reload(config ?? this.fileConfig);
  }

  /** Swap in a new configuration. */
  async reload(config: AlertmanagerConfig): Promise<void> {
    const old = this.dispatcher;
    this.opts.registry.removeSingleMetric('alertmanager_dispatcher_aggregation_groups');
    await old.stop();
    this.apply(config);
  }

  status(labels: LabelSet, fp: string): AlertStatus {
    const inhibitedBy = this.inhibitor.inhibitedBy(labels, fp);
    const silencedBy = this.silences.mutedBy(labels);
    return { state: inhibitedBy.length > 0 || silencedBy.length > 0 ? 'suppressed' : 'active', silencedBy, inhibitedBy };
  }

  gc(): void {
    for (const a of this.store.gc(Date.now())) this.inhibitor.forget(a);
  }

  /** Snapshot silences and the notification log, dropping what is past retention. */
  maintenance(): void {
    this.silences.maintenance();
    this.nflog.maintenance();
  }

  async stop(): Promise<void> {
    clearInterval(this.gcTimer);
    await this.dispatcher.stop();
    this.unsubscribeInhibitor?.();
    this.silences.close();
    this.nflog.close();
  }
}
