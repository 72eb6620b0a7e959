import { readFileSync } from 'node:fs';
import type { Alert } from '../alert.js';
import type { SlackConfig } from '../config/schema.js';
import type { Integration, NotificationContext } from '../notify/notifier.js';
import { templateData } from '../notify/template-data.js';
import { goTemplateData, type NotificationTemplate } from '../template/notification-template.js';
import { postJson } from './http-client.js';

const DEFAULTS = {
  color: '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}',
  username: '{{ template "slack.default.username" . }}',
  title: '{{ template "slack.default.title" . }}',
  title_link: '{{ template "slack.default.titlelink" . }}',
  icon_emoji: '{{ template "slack.default.iconemoji" . }}',
  icon_url: '{{ template "slack.default.iconurl" . }}',
  pretext: '{{ template "slack.default.pretext" . }}',
  text: '{{ template "slack.default.text" . }}',
  fallback: '{{ template "slack.default.fallback" . }}',
  callback_id: '{{ template "slack.default.callbackid" . }}',
  footer: '{{ template "slack.default.footer" . }}',
};

const truncateRunes = (s: string, n: number) => {
  const r = Array.from(s);
  return r.length <= n ? s : `${r.slice(0, n - 1).join('')}…`;
};

/** `slack_configs`: Slack's incoming-webhook message with one attachment, as Alertmanager 0.25 builds it. */
export class SlackIntegration implements Integration {
  readonly name = 'slack';
  readonly sendResolved: boolean;

  constructor(
    private readonly cfg: SlackConfig,
    readonly index: number,
    private readonly tmpl: NotificationTemplate,
  ) {
    this.sendResolved = cfg.send_resolved ?? false;
  }

  async notify(ctx: NotificationContext, alerts: readonly Alert[]): Promise<void> {
    const c = { ...DEFAULTS, ...Object.fromEntries(Object.entries(this.cfg).filter(([, v]) => v !== undefined)) } as SlackConfig & typeof DEFAULTS;
    const data = goTemplateData(templateData(ctx.receiver, ctx.groupLabels, alerts, ctx.externalUrl, ctx.now));
    const t = (s: string | undefined) => this.tmpl.expand(s, data);
    const omitEmpty = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== undefined && v !== false));
    const attachment = {
      ...omitEmpty({ title: truncateRunes(t(c.title), 1024), title_link: t(c.title_link), pretext: t(c.pretext) }),
      text: t(c.text),
      fallback: t(c.fallback),
      callback_id: t(c.callback_id),
      ...(c.fields.length > 0 ? { fields: c.fields.map((f) => ({ title: t(f.title), value: t(f.value), short: f.short ?? c.short_fields })) } : {}),
      ...(c.actions.length > 0
        ? {
            actions: c.actions.map((a) =>
              omitEmpty({
                type: t(a.type),
                text: t(a.text),
                url: t(a.url),
                style: t(a.style),
                name: t(a.name),
                value: t(a.value),
                confirm: a.confirm ? omitEmpty({ text: t(a.confirm.text), title: t(a.confirm.title), ok_text: t(a.confirm.ok_text), dismiss_text: t(a.confirm.dismiss_text) }) : undefined,
              }),
            ),
          }
        : {}),
      ...omitEmpty({ image_url: t(c.image_url), thumb_url: t(c.thumb_url) }),
      footer: t(c.footer),
      ...omitEmpty({ color: t(c.color) }),
      mrkdwn_in: c.mrkdwn_in && c.mrkdwn_in.length > 0 ? c.mrkdwn_in : ['fallback', 'pretext', 'text'],
    };
    const body = {
      ...omitEmpty({ channel: t(c.channel), username: t(c.username), icon_emoji: t(c.icon_emoji), icon_url: t(c.icon_url), link_names: c.link_names }),
      attachments: [attachment],
    };
    const url = c.api_url ?? readFileSync(c.api_url_file!, 'utf8').trim();
    const res = await postJson(url, body, c.http_config, ctx.signal);
    await res.arrayBuffer().catch(() => undefined);
  }
}
