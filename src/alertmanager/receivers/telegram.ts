import type { Alert } from '../alert.js';
import type { TelegramConfig } from '../config/schema.js';
import type { Integration, NotificationContext } from '../notify/notifier.js';
import { templateData } from '../notify/template-data.js';
import { goTemplateData, type NotificationTemplate } from '../template/notification-template.js';
import { postJson } from './http-client.js';
import { truncateRunes } from './truncate.js';

/** `telegram_configs`: the Bot API's `sendMessage` at `{api_url}/bot{token}/sendMessage`, text ≤ 4096 runes. */
export class TelegramIntegration implements Integration {
  readonly name = 'telegram';
  readonly sendResolved: boolean;

  constructor(
    private readonly cfg: TelegramConfig,
    readonly index: number,
    private readonly tmpl: NotificationTemplate,
  ) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  async notify(ctx: NotificationContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.cfg;
    const data = goTemplateData(templateData(ctx.receiver, ctx.groupLabels, alerts, ctx.externalUrl, ctx.now));
    const text = truncateRunes(this.tmpl.expand(c.message ?? '{{ template "telegram.default.message" . }}', data), 4096);
    const body = {
      chat_id: c.chat_id,
      text,
      ...(c.parse_mode ? { parse_mode: c.parse_mode } : {}),
      disable_notification: c.disable_notifications,
    };
    const base = (c.api_url ?? 'https://api.telegram.org').replace(/\/+$/, '');
    const res = await postJson(`${base}/bot${c.bot_token}/sendMessage`, body, c.http_config, ctx.signal);
    await res.arrayBuffer().catch(() => undefined);
  }
}
