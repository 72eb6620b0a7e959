import type { Logger } from 'pino';
import type { AlertmanagerConfig } from '../config/load-config.js';
import type { Integration } from '../notify/notifier.js';
import { NotificationTemplate } from '../template/notification-template.js';
import { DiscordIntegration } from './discord.js';
import { EmailIntegration } from './email.js';
import { MsteamsIntegration } from './msteams.js';
import { OpsgenieIntegration } from './opsgenie.js';
import { PagerdutyIntegration } from './pagerduty.js';
import { PushoverIntegration } from './pushover.js';
import { SlackIntegration } from './slack.js';
import { TelegramIntegration } from './telegram.js';
import { WebhookIntegration } from './webhook.js';

/** Endpoints Alertmanager has fixed that Sightline lets the operator move (a relay, a test stand-in). */
export interface IntegrationEndpoints {
  pushoverApiUrl?: string;
}

/**
 * The integrations of every receiver, by receiver name, with the configuration's templates (read from its
 * template source: the disk, or a tenant's uploaded files). Kinds not built here are logged once and skipped.
 */
export function buildIntegrations(
  config: Pick<AlertmanagerConfig, 'receivers' | 'templates' | 'templateFiles'>,
  logger: Logger,
  endpoints: IntegrationEndpoints = {},
): Map<string, Integration[]> {
  const out = new Map<string, Integration[]>();
  const tmpl = new NotificationTemplate(config.templates, config.templateFiles);
  for (const r of config.receivers) {
    const list: Integration[] = [];
    r.webhook_configs.forEach((c, i) => list.push(new WebhookIntegration(c, i)));
    r.slack_configs.forEach((c, i) => list.push(new SlackIntegration(c, i, tmpl)));
    r.pagerduty_configs.forEach((c, i) => list.push(new PagerdutyIntegration(c, i, tmpl)));
    r.email_configs.forEach((c, i) => list.push(new EmailIntegration(c, i, tmpl)));
    r.opsgenie_configs.forEach((c, i) => list.push(new OpsgenieIntegration(c, i, tmpl)));
    r.discord_configs.forEach((c, i) => list.push(new DiscordIntegration(c, i, tmpl)));
    r.telegram_configs.forEach((c, i) => list.push(new TelegramIntegration(c, i, tmpl)));
    r.msteams_configs.forEach((c, i) => list.push(new MsteamsIntegration(c, i, tmpl)));
    r.pushover_configs.forEach((c, i) => list.push(new PushoverIntegration(c, i, tmpl, endpoints.pushoverApiUrl)));
    const unsupported = (['wechat_configs', 'victorops_configs', 'sns_configs', 'webex_configs'] as const).filter(
      (k) => r[k].length > 0,
    );
    if (unsupported.length > 0) logger.warn({ component: 'alertmanager', receiver: r.name, kinds: unsupported }, 'receiver integrations not supported yet; they will not be notified');
    out.set(r.name, list);
  }
  return out;
}
