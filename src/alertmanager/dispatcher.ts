import { Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { isResolved, type Alert } from './alert.js';
import type { AlertStore } from './alert-store.js';
import { fingerprint, type LabelSet } from './labels.js';
import type { NotificationPipeline } from './notify/pipeline.js';
import { compareAlerts } from './notify/template-data.js';
import { groupKey, type Route } from './route.js';
import type { SumCountSummary } from './sum-count-summary.js';

/**
 * One aggregation group: the alerts of one route with the same group labels. The first flush waits `group_wait`
 * (or happens at once when the first alert is older than that), later flushes every `group_interval`; a flush hands
 * the current alerts to the pipeline, then forgets the resolved ones it successfully notified.
 */
export class AggregationGroup {
  readonly alerts = new Map<string, Alert>();
  readonly key: string;
  private timer: NodeJS.Timeout | undefined;
  /** A due flush (`group_wait: 0s`, or an alert older than `group_wait`) runs on the next turn, not a 1 ms timer later. */
  private immediate: NodeJS.Immediate | undefined;
  private hasFlushed = false;
  private flushing: Promise<void> | undefined;
  private flushAgain = false;
  private stopped = false;

  constructor(
    readonly route: Route,
    readonly labels: LabelSet,
    private readonly pipeline: NotificationPipeline,
    private readonly logger: Logger,
  ) {
    this.key = groupKey(route, labels);
    this.schedule(route.opts.groupWait);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.clearTimers();
    if (ms <= 0) {
      this.immediate = setImmediate(() => this.tick());
      this.immediate.unref();
      return;
    }
    this.timer = setTimeout(() => this.tick(), ms);
    this.timer.unref();
  }

  private clearTimers(): void {
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  insert(a: Alert): void {
    this.alerts.set(a.fingerprint, a);
    if (!this.hasFlushed && a.startsAt + this.route.opts.groupWait < Date.now()) this.schedule(0);
  }

  isEmpty(): boolean {
    return this.alerts.size === 0;
  }

  private tick(): void {
    this.hasFlushed = true;
    this.schedule(this.route.opts.groupInterval);
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      if (this.flushAgain && !this.stopped) {
        this.flushAgain = false;
        this.tick();
      }
    });
  }

  private async flush(): Promise<void> {
    if (this.alerts.size === 0) return;
    const now = Date.now();
    const snapshot = [...this.alerts.values()].sort(compareAlerts);
    let ok = false;
    try {
      ok = await this.pipeline.run(this.route, this.key, this.labels, snapshot, now);
    } catch (e) {
      this.logger.error({ component: 'alertmanager', groupKey: this.key, err: e }, 'notification pipeline failed');
    }
    if (!ok) return;
    for (const a of snapshot) {
      if (isResolved(a, now) && this.alerts.get(a.fingerprint) === a) this.alerts.delete(a.fingerprint);
    }
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
  }

  /** Waits for a running flush (tests and shutdown). */
  async idle(): Promise<void> {
    await this.flushing;
  }
}

/** Routes every stored alert to its aggregation groups (Alertmanager's dispatcher). */
export class Dispatcher {
  /** route id → group-label fingerprint → group. */
  private readonly groups = new Map<string, Map<string, AggregationGroup>>();
  private unsubscribe: (() => void) | undefined;
  private maintenance: NodeJS.Timeout | undefined;
  private readonly groupsGauge: Gauge;

  constructor(
    readonly route: Route,
    private readonly store: AlertStore,
    private readonly pipeline: NotificationPipeline,
    private readonly logger: Logger,
    registry: Registry,
    /** `alertmanager_dispatcher_alert_processing_duration_seconds` (kept across reloads by the owner). */
    private readonly processing?: SumCountSummary,
  ) {
    this.groupsGauge = new Gauge({ name: 'alertmanager_dispatcher_aggregation_groups', help: 'Number of active aggregation groups', registers: [registry] });
  }

  start(maintenanceMs = 30_000): void {
    for (const a of this.store.list()) this.process(a);
    this.unsubscribe = this.store.subscribe((a) => {
      const t0 = performance.now();
      this.process(a);
      this.processing?.observe((performance.now() - t0) / 1000);
    });
    this.maintenance = setInterval(() => this.removeEmpty(), maintenanceMs);
    this.maintenance.unref();
  }

  private process(a: Alert): void {
    for (const r of this.route.match(a.labels)) {
      const gl = r.groupLabels(a.labels);
      const fp = fingerprint(gl);
      let byFp = this.groups.get(r.id);
      if (!byFp) this.groups.set(r.id, (byFp = new Map()));
      let g = byFp.get(fp);
      if (!g) {
        g = new AggregationGroup(r, gl, this.pipeline, this.logger);
        byFp.set(fp, g);
        this.groupsGauge.inc();
      }
      g.insert(a);
    }
  }

  private removeEmpty(): void {
    for (const byFp of this.groups.values()) {
      for (const [fp, g] of byFp) {
        if (g.isEmpty()) {
          g.stop();
          byFp.delete(fp);
          this.groupsGauge.dec();
        }
      }
    }
  }

  /** Every group (for `/api/v2/alerts/groups`). */
  *allGroups(): Generator<AggregationGroup> {
    for (const byFp of this.groups.values()) yield* byFp.values();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.maintenance);
    const gs = [...this.allGroups()];
    for (const g of gs) g.stop();
    await Promise.all(gs.map((g) => g.idle()));
  }
}
