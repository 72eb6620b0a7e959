import { readFileSync } from 'node:fs';
import { isResolved, type Alert } from '../alert.js';
import type { MsteamsConfig } from '../config/schema.js';
import type { Integration, NotificationContext } from '../notify/notifier.js';
import { templateData } from '../notify/template-data.js';
import { goTemplateData, type NotificationTemplate } from '../template/notification-template.js';
import { postJson } from './http-client.js';

const COLOR_FIRING = '8C1A1A';
const COLOR_RESOLVED = '2DC72D';

/**
 * `msteams_configs`: an Office 365 connector webhook receiving a legacy MessageCard (`@context`, `type`, `title`,
 * `summary`, `text`, `themeColor`: dark red while any alert fires, green when all resolved), as Alertmanager 0.27.
 */
export class MsteamsIntegration implements Integration {
  readonly name = 'msteams';
  readonly sendResolved: boolean;

  constructor(
    private readonly cfg: MsteamsConfig,
    readonly index: number,
    private readonly tmpl: NotificationTemplate,
  ) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  async notify(ctx: NotificationContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.cfg;
    const data = goTemplateData(templateData(ctx.receiver, ctx.groupLabels, alerts, ctx.externalUrl, ctx.now));
    const t = (s: string) => this.tmpl.expand(s, data);
    const body = {
      '@context': 'http://schema.org/extensions',
      type: 'MessageCard',
      title: t(c.title ?? '{{ template "msteams.default.title" . }}'),
      summary: t(c.summary ?? '{{ template "msteams.default.summary" . }}'),
      text: t(c.text ?? '{{ template "msteams.default.text" . }}'),
      themeColor: alerts.some((a) => !isResolved(a, ctx.now)) ? COLOR_FIRING : COLOR_RESOLVED,
    };
    const url = c.webhook_url ?? readFileSync(c.webhook_url_file!, 'utf8').trim();
    const res = await postJson(url, body, c.http_config, ctx.signal);
    await res.arrayBuffer().catch(() => undefined);
  }
}
