import type { AlertingConfig } from '../../metrics/promconfig/index.js';
import { prometheusConfigSchema } from '../../metrics/promconfig/index.js';
import type { Labels } from '../../model/index.js';
import type { Logger, Registry } from '../../server/index.js';
import type { Alert } from '../alert.js';
import { Notifier, toNotifierAlerts } from './notifier.js';

/**
 * Loki's and Mimir's `ruler.alertmanager_url` as Prometheus's `alerting` section: comma-separated URLs, each its own
 * Alertmanager group; the URL's path is the path prefix (`http://mimir:8080/alertmanager` posts to
 * `/alertmanager/api/v2/alerts`), user and password in the URL are basic auth.
 */
export function alertingFromUrls(urls: string): AlertingConfig {
  const alertmanagers = urls
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '')
    .map((u) => {
      const url = new URL(u);
      const am: Record<string, unknown> = { scheme: url.protocol.replace(':', ''), path_prefix: url.pathname || '/', static_configs: [{ targets: [url.host] }] };
      if (url.username !== '') am.basic_auth = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
      return am;
    });
  return prometheusConfigSchema.parse({ alerting: { alertmanagers } }).alerting;
}

export interface TenantNotifiersOptions {
  registry: Registry;
  logger: Logger;
  externalLabels: Labels;
  externalURL: string;
  queueCapacity?: number;
}

/**
 * The multi-tenant rulers' notifiers (Loki's and Mimir's `getOrCreateNotifier`): one queue per tenant, each posting
 * its tenant's alerts with `X-Scope-OrgID: <tenant>`, so a multi-tenant Alertmanager files them under that tenant.
 */
export class TenantNotifiers {
  private readonly notifiers = new Map<string, Notifier>();
  private readonly alerting: AlertingConfig;

  constructor(
    alertmanagerUrl: string,
    private readonly opts: TenantNotifiersOptions,
  ) {
    this.alerting = alertingFromUrls(alertmanagerUrl);
  }

  /** The `notify` hook of `TenantRulers`. */
  readonly notify = (tenant: string, expr: string, alerts: Alert[]): void => {
    let n = this.notifiers.get(tenant);
    if (!n) {
      n = new Notifier(this.alerting, {
        registry: this.opts.registry,
        logger: this.opts.logger.child({ tenant }),
        queueCapacity: this.opts.queueCapacity ?? 10_000,
        externalLabels: this.opts.externalLabels,
        headers: { 'X-Scope-OrgID': tenant },
      });
      this.notifiers.set(tenant, n);
    }
    n.send(toNotifierAlerts(this.opts.externalURL, expr, alerts));
  };

  stop(): void {
    for (const n of this.notifiers.values()) n.stop();
    this.notifiers.clear();
  }
}
