import { Counter, Gauge, Summary, type Registry } from 'prom-client';
import type { AlertingConfig, AlertmanagerConfig } from '../../metrics/promconfig/index.js';
import { compileRelabels, relabel, type CompiledRelabel } from '../../metrics/relabel/index.js';
import { authorizationHeader } from '../../metrics/scrape/index.js';
import type { Labels } from '../../model/index.js';
import type { Logger } from '../../server/index.js';
import type { Alert } from '../alert.js';
import { queryEscape } from '../query-escape.js';
import { AlertmanagerDiscovery } from './alertmanager-discovery.js';

/** An alert as the notifier sends it (Prometheus's `notifier.Alert`). Times in ms; 0 = unset. */
export interface NotifierAlert {
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number;
  generatorURL: string;
}

/** Prometheus's `maxBatchSize`. */
export const MAX_BATCH_SIZE = 64;

export interface NotifierOptions {
  registry: Registry;
  logger: Logger;
  /** `--alertmanager.notification-queue-capacity`. */
  queueCapacity: number;
  externalLabels: Labels;
  userAgent?: string;
  /** Extra request headers (the multi-tenant rulers send `X-Scope-OrgID`, as Loki's and Mimir's do). */
  headers?: Record<string, string>;
}

function labelsJson(l: Labels): Record<string, string> {
  return l.toObject();
}

/** Prometheus's `main.sendAlerts`: rule alerts to notifier alerts, `generatorURL` pointing at the expression's table view. */
export function toNotifierAlerts(externalURL: string, expr: string, alerts: Alert[]): NotifierAlert[] {

  return alerts.map((a) => ({
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.firedAt,
    endsAt: a.resolvedAt !== 0 ? a.resolvedAt : a.validUntil,
    generatorURL: `${externalURL}/graph?g0.expr=${queryEscape(expr)}&g0.tab=1`,
  }));
}

/** The `POST /api/v2/alerts` body: `PostableAlerts` with Go's field order and `strfmt.DateTime` times. */
export function postableAlertsJson(alerts: NotifierAlert[]): string {
  return JSON.stringify(
    alerts.map((a) => {
      const o: Record<string, unknown> = { annotations: labelsJson(a.annotations) };
      if (a.endsAt) o.endsAt = new Date(a.endsAt).toISOString();
      if (a.startsAt) o.startsAt = new Date(a.startsAt).toISOString();
      if (a.generatorURL) o.generatorURL = a.generatorURL;
      o.labels = labelsJson(a.labels);
      return o;
    }),
  );
}

interface AmSet {
  config: AlertmanagerConfig;
  relabel: CompiledRelabel[];
}

/**
 * The notifier (Prometheus's `notifier.Manager`): external labels and `alert_relabel_configs` applied, a bounded queue
 * dropping the oldest alerts when full, batches of 64 posted to every discovered Alertmanager of every
 * `alerting.alertmanagers` entry (each with its own relabelling, path prefix, scheme, auth and timeout).
 */
export class Notifier {
  private queue: NotifierAlert[] = [];
  private globalRelabel: CompiledRelabel[] = [];
  private sets: AmSet[] = [];
  private discovery: AlertmanagerDiscovery | undefined;
  private sending = false;
  private stopped = false;
  private readonly m;

  constructor(
    cfg: AlertingConfig,
    private readonly opts: NotifierOptions,
  ) {
    const r = opts.registry;
    const get = <T>(name: string, make: () => T): T => (r.getSingleMetric(name) as T | undefined) ?? make();
    this.m = {
      latency: get('prometheus_notifications_latency_seconds', () => new Summary({ name: 'prometheus_notifications_latency_seconds', help: 'Latency quantiles for sending alert notifications.', labelNames: ['alertmanager'], percentiles: [0.5, 0.9, 0.99], registers: [r] })),
      errors: get('prometheus_notifications_errors_total', () => new Counter({ name: 'prometheus_notifications_errors_total', help: 'Total number of errors sending alert notifications.', labelNames: ['alertmanager'], registers: [r] })),
      sent: get('prometheus_notifications_sent_total', () => new Counter({ name: 'prometheus_notifications_sent_total', help: 'Total number of alerts sent.', labelNames: ['alertmanager'], registers: [r] })),
      dropped: get('prometheus_notifications_dropped_total', () => new Counter({ name: 'prometheus_notifications_dropped_total', help: 'Total number of alerts dropped due to errors when sending to Alertmanager.', registers: [r] })),
      queueLength: get('prometheus_notifications_queue_length', () => new Gauge({ name: 'prometheus_notifications_queue_length', help: 'The number of alert notifications in the queue.', registers: [r] })),
      queueCapacity: get('prometheus_notifications_queue_capacity', () => new Gauge({ name: 'prometheus_notifications_queue_capacity', help: 'The capacity of the alert notifications queue.', registers: [r] })),
      discovered: get('prometheus_notifications_alertmanagers_discovered', () => new Gauge({ name: 'prometheus_notifications_alertmanagers_discovered', help: 'The number of alertmanagers discovered and active.', registers: [r] })),
    };
    this.m.queueCapacity.set(opts.queueCapacity);
    this.applyConfig(cfg);
  }

  applyConfig(cfg: AlertingConfig): void {
    this.globalRelabel = compileRelabels(cfg.alert_relabel_configs);
    this.sets = cfg.alertmanagers.map((config) => ({ config, relabel: compileRelabels(config.alert_relabel_configs) }));
    if (!this.discovery) this.discovery = new AlertmanagerDiscovery(cfg.alertmanagers, this.opts.logger);
    else this.discovery.apply(cfg.alertmanagers);
  }

  /** Alertmanager URLs currently discovered (`/api/v1/alertmanagers`). */
  alertmanagers(): string[] {
    return (this.discovery?.current() ?? []).flatMap((s) => s.targets.map((t) => t.url));
  }

  /** Queues alerts (Prometheus's `Manager.Send`). */
  send(alerts: NotifierAlert[]): void {
    const ext = this.opts.externalLabels;
    let out: NotifierAlert[] = [];
    for (const a of alerts) {
      let l: Labels | null = a.labels;
      if (ext.size > 0) {
        const b = l.builder();
        ext.forEach((n, v) => {
          if (a.labels.get(n) === '') b.set(n, v);
        });
        l = b.labels();
      }
      if (this.globalRelabel.length > 0) l = relabel(l, this.globalRelabel) ?? null;
      if (l && l.size > 0) out.push({ ...a, labels: l });
    }
    if (out.length === 0) return;
    const cap = this.opts.queueCapacity;
    if (out.length > cap) {
      this.m.dropped.inc(out.length - cap);
      this.opts.logger.warn({ num_dropped: out.length - cap }, 'Alert batch larger than queue capacity, dropping alerts');
      out = out.slice(out.length - cap);
    }
    const over = this.queue.length + out.length - cap;
    if (over > 0) {
      this.queue = this.queue.slice(over);
      this.m.dropped.inc(over);
      this.opts.logger.warn({ num_dropped: over }, 'Alert notification queue full, dropping alerts');
    }
    this.queue.push(...out);
    this.m.queueLength.set(this.queue.length);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.sending || this.stopped) return;
    this.sending = true;
    try {
      // A notifier created just now (a ruler's first alert of a tenant) waits for its first discovery, at most 5 s.
      if (this.discovery) await Promise.race([this.discovery.ready, new Promise((r) => setTimeout(r, 5000).unref())]);
      while (this.queue.length > 0 && !this.stopped) {
        const batch = this.queue.splice(0, MAX_BATCH_SIZE);
        this.m.queueLength.set(this.queue.length);
        if (!(await this.sendAll(batch))) this.m.dropped.inc(batch.length);
      }
    } finally {
      this.sending = false;
    }
  }

  /** Posts a batch to every Alertmanager; true when at least one accepted it. */
  private async sendAll(batch: NotifierAlert[]): Promise<boolean> {
    const current = this.discovery?.current() ?? [];
    let ok = false;
    let count = 0;
    const posts: Promise<void>[] = [];
    current.forEach((s, i) => {
      const set = this.sets[i];
      if (!set) return;
      let alerts = batch;
      if (set.relabel.length > 0) {
        alerts = [];
        for (const a of batch) {
          const l = relabel(a.labels, set.relabel);
          if (l && l.size > 0) alerts.push({ ...a, labels: l });
        }
      }
      if (alerts.length === 0) return;
      const body = postableAlertsJson(alerts);
      for (const t of s.targets) {
        count++;
        posts.push(
          this.post(t.url, body, set.config).then(
            () => {
              ok = true;
              this.m.sent.inc({ alertmanager: t.url }, alerts.length);
            },
            (e: unknown) => {
              this.m.errors.inc({ alertmanager: t.url }, alerts.length);
              this.opts.logger.error({ alertmanager: t.url, count: alerts.length, err: (e as Error).message }, 'Error sending alert');
            },
          ),
        );
      }
    });
    this.m.discovered.set(current.reduce((n, s) => n + s.targets.length, 0));
    await Promise.all(posts);
    return count === 0 ? false : ok;
  }

  private async post(url: string, body: string, cfg: AlertmanagerConfig): Promise<void> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': this.opts.userAgent ?? 'Prometheus/2.42.0', ...this.opts.headers };
    const auth = authorizationHeader(cfg);
    if (auth) headers.Authorization = auth;
    const start = performance.now();
    const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(cfg.timeout) });
    await res.arrayBuffer().catch(() => undefined);
    this.m.latency.observe({ alertmanager: url }, (performance.now() - start) / 1000);
    if (res.status < 200 || res.status > 299) throw new Error(`bad response status ${res.status} ${res.statusText}`);
  }

  stop(): void {
    this.stopped = true;
    this.discovery?.stop();
  }
}
