import { TemplateError } from '../../lib/go-template/index.js';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { isResolved, type Alert } from '../alert.js';
import { anyIntervalContains, type TimeInterval } from '../config/time-interval.js';
import type { Inhibitor } from '../inhibitor.js';
import type { LabelSet } from '../labels.js';
import type { Route } from '../route.js';
import type { Silences } from '../silences.js';
import type { NotificationLog, NflogEntry } from './nflog.js';
import { NotifyError, type Integration } from './notifier.js';

/** Alertmanager's minimum time a flush may spend notifying (retries included). */
const MIN_TIMEOUT_MS = 10_000;

export interface PipelineMetrics {
  notifications: Counter<'integration'>;
  failed: Counter<'integration'>;
  requests: Counter<'integration'>;
  requestsFailed: Counter<'integration'>;
  latency: Histogram<'integration'>;
}

/** The integrations whose series Alertmanager 0.25 creates at start (at 0), so dashboards see them before any send. */
const PRESET_INTEGRATIONS = ['email', 'pagerduty', 'wechat', 'pushover', 'slack', 'opsgenie', 'webhook', 'victorops', 'sns', 'telegram'];

export function createPipelineMetrics(r: Registry): PipelineMetrics {
  const c = (name: string, help: string) => new Counter({ name, help, labelNames: ['integration'] as const, registers: [r] });
  const m: PipelineMetrics = {
    notifications: c('alertmanager_notifications_total', 'The total number of attempted notifications.'),
    failed: c('alertmanager_notifications_failed_total', 'The total number of failed notifications.'),
    requests: c('alertmanager_notification_requests_total', 'The total number of attempted notification requests.'),
    requestsFailed: c('alertmanager_notification_requests_failed_total', 'The total number of failed notification requests.'),
    latency: new Histogram({
      name: 'alertmanager_notification_latency_seconds',
      help: 'The latency of notifications in seconds.',
      labelNames: ['integration'] as const,
      buckets: [1, 5, 10, 15, 20],
      registers: [r],
    }),
  };
  for (const integration of PRESET_INTEGRATIONS) {
    for (const counter of [m.notifications, m.failed, m.requests, m.requestsFailed]) counter.inc({ integration }, 0);
    m.latency.zero({ integration });
  }
  return m;
}

export interface PipelineDeps {
  silences: Silences;
  inhibitor: Inhibitor;
  nflog: NotificationLog;
  timeIntervals: Map<string, TimeInterval[]>;
  integrations: Map<string, Integration[]>;
  externalUrl: () => string;
  metrics: PipelineMetrics;
  logger: Logger;
  /** First retry delay (ms); Alertmanager's exponential backoff starts at 500 ms. */
  initialBackoffMs?: number;
}

/** Alertmanager's `DedupStage.needsUpdate`. */
export function needsUpdate(entry: NflogEntry | undefined, firing: Set<string>, resolved: Set<string>, sendResolved: boolean, repeatMs: number, now: number): boolean {
  if (!entry) return firing.size > 0;
  const prevFiring = new Set(entry.firingAlerts);
  for (const f of firing) if (!prevFiring.has(f)) return true;
  // Everything resolved: tell the receiver once (whatever send_resolved says), so the log forgets the firing set.
  if (firing.size === 0) return entry.firingAlerts.length > 0;
  if (sendResolved) {
    const prevResolved = new Set(entry.resolvedAlerts);
    for (const r of resolved) if (!prevResolved.has(r)) return true;
  }
  return entry.timestamp < now - repeatMs;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

/**
 * The notification pipeline of one flush of an aggregation group: active/mute time intervals, inhibition and
 * silences filter the alerts; then each integration of the receiver independently deduplicates against the
 * notification log, sends with retries and backoff, and records what it sent.
 */
export class NotificationPipeline {
  constructor(private readonly d: PipelineDeps) {}

  /** Returns false when an integration failed (the group keeps its resolved alerts for the next flush). */
  async run(route: Route, groupKey: string, groupLabels: LabelSet, alerts: readonly Alert[], now: number): Promise<boolean> {
    const o = route.opts;
    if (o.activeTimeIntervals.length > 0) {
      const active = o.activeTimeIntervals.some((n) => anyIntervalContains(this.d.timeIntervals.get(n) ?? [], now));
      if (!active) return true;
    }
    if (o.muteTimeIntervals.some((n) => anyIntervalContains(this.d.timeIntervals.get(n) ?? [], now))) return true;
    const kept = alerts.filter((a) => this.d.inhibitor.inhibitedBy(a.labels, a.fingerprint).length === 0 && this.d.silences.mutedBy(a.labels).length === 0);
    if (kept.length === 0) return true;
    const integrations = this.d.integrations.get(o.receiver) ?? [];
    const timeout = Math.max(o.groupInterval, MIN_TIMEOUT_MS);
    const results = await Promise.all(integrations.map((i) => this.runIntegration(i, route, groupKey, groupLabels, kept, now, timeout)));
    return results.every(Boolean);
  }

  private async runIntegration(integ: Integration, route: Route, groupKey: string, groupLabels: LabelSet, alerts: readonly Alert[], now: number, timeoutMs: number): Promise<boolean> {
    const receiver = route.opts.receiver;
    const nflogReceiver = `${receiver}/${integ.name}/${integ.index}`;
    const firing = new Set<string>();
    const resolved = new Set<string>();
    for (const a of alerts) (isResolved(a, now) ? resolved : firing).add(a.fingerprint);
    const entry = this.d.nflog.get(groupKey, nflogReceiver);
    if (!needsUpdate(entry, firing, resolved, integ.sendResolved, route.opts.repeatInterval, now)) return true;

    let toSend = alerts;
    if (!integ.sendResolved) {
      if (firing.size === 0) {
        this.d.nflog.record(groupKey, nflogReceiver, [...firing], [...resolved]);
        return true;
      }
      toSend = alerts.filter((a) => !isResolved(a, now));
    }
    const m = this.d.metrics;
    m.notifications.inc({ integration: integ.name });
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    let delay = this.d.initialBackoffMs ?? 500;
    let lastErr: Error | undefined;
    try {
      for (let attempt = 1; !abort.signal.aborted; attempt++) {
        // As Alertmanager: every request counted and timed, whatever its outcome.
        const started = performance.now();
        const observe = () => {
          m.latency.observe({ integration: integ.name }, (performance.now() - started) / 1000);
          m.requests.inc({ integration: integ.name });
        };
        try {
          await integ.notify({ groupKey, receiver, groupLabels, externalUrl: this.d.externalUrl(), now, signal: abort.signal }, toSend);
          observe();
          this.d.nflog.record(groupKey, nflogReceiver, [...firing], [...resolved]);
          return true;
        } catch (e) {
          observe();
          m.requestsFailed.inc({ integration: integ.name });
          lastErr = e as Error;
          // A template that fails to render fails the same way again: Alertmanager does not retry it.
          const retry = e instanceof NotifyError ? e.retry : !(e instanceof TemplateError);
          this.d.logger.warn({ component: 'alertmanager', receiver, integration: `${integ.name}[${integ.index}]`, attempt, err: lastErr.message }, 'Notify attempt failed');
          if (!retry) break;
          await sleep(delay * (0.5 + Math.random()), abort.signal);
          delay = Math.min(delay * 1.5, 60_000);
        }
      }
    } finally {
      clearTimeout(timer);
    }
    m.failed.inc({ integration: integ.name });
    this.d.logger.error({ component: 'alertmanager', receiver, integration: `${integ.name}[${integ.index}]`, err: lastErr?.message }, 'Notify for alerts failed');
    return false;
  }
}
