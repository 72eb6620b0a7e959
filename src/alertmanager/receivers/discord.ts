import { isResolved, type Alert } from '../alert.js';
import type { DiscordConfig } from '../config/schema.js';
import type { Integration, NotificationContext } from '../notify/notifier.js';
import { templateData } from '../notify/template-data.js';
import { goTemplateData, type NotificationTemplate } from '../template/notification-template.js';
import { postJson } from './http-client.js';
import { truncateRunes } from './truncate.js';

const COLOR_RED = 0x992d22;
const COLOR_GREEN = 0x2ecc71;

/** `discord_configs`: a Discord webhook execution with one embed (title ≤ 256, description ≤ 4096 runes), as Alertmanager 0.25. */
export class DiscordIntegration implements Integration {
  readonly name = 'discord';
  readonly sendResolved: boolean;

  constructor(
    private readonly cfg: DiscordConfig,
    readonly index: number,
    private readonly tmpl: NotificationTemplate,
  ) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  async notify(ctx: NotificationContext, alerts: readonly Alert[]): Promise<void> {
    const data = goTemplateData(templateData(ctx.receiver, ctx.groupLabels, alerts, ctx.externalUrl, ctx.now));
    const t = (s: string) => this.tmpl.expand(s, data);
    const firing = alerts.some((a) => !isResolved(a, ctx.now));
    const body = {
      content: '',
      embeds: [
        {
          title: truncateRunes(t(this.cfg.title ?? '{{ template "discord.default.title" . }}'), 256),
          description: truncateRunes(t(this.cfg.message ?? '{{ template "discord.default.message" . }}'), 4096),
          color: firing ? COLOR_RED : COLOR_GREEN,
        },
      ],
    };
    const res = await postJson(this.cfg.webhook_url!, body, this.cfg.http_config, ctx.signal);
    await res.arrayBuffer().catch(() => undefined);
  }
}
