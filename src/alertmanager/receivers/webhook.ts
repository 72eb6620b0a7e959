import type { Alert } from '../alert.js';
import type { WebhookConfig } from '../config/schema.js';
import type { Integration, NotificationContext } from '../notify/notifier.js';
import { templateData } from '../notify/template-data.js';
import { postJson } from './http-client.js';

/** `webhook_configs`: Alertmanager's webhook message, version 4. */
export class WebhookIntegration implements Integration {
  readonly name = 'webhook';
  readonly sendResolved: boolean;

  constructor(
    private readonly cfg: WebhookConfig,
    readonly index: number,
  ) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  async notify(ctx: NotificationContext, alerts: readonly Alert[]): Promise<void> {
    const max = this.cfg.max_alerts;
    const sent = max > 0 && alerts.length > max ? alerts.slice(0, max) : alerts;
    const data = templateData(ctx.receiver, ctx.groupLabels, sent, ctx.externalUrl, ctx.now);
    const body = { ...data, version: '4', groupKey: ctx.groupKey, truncatedAlerts: alerts.length - sent.length };
    const res = await postJson(this.cfg.url!, body, this.cfg.http_config, ctx.signal);
    await res.arrayBuffer().catch(() => undefined);
  }
}
