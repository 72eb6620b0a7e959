import type { Alert } from '../alert.js';
import type { PushoverConfig } from '../config/schema.js';
import type { Integration, NotificationContext } from '../notify/notifier.js';
import { templateData } from '../notify/template-data.js';
import { goTemplateData, type NotificationTemplate } from '../template/notification-template.js';
import { post } from './http-client.js';
import { truncateRunes } from './truncate.js';

/** Pushover's message API; Alertmanager has it fixed, Sightline lets `alertmanager.pushover_api_url` move it. */
export const PUSHOVER_API_URL = 'https://api.pushover.net/1/messages.json';

/** Pushover's limits (https://pushover.net/api#limits), in runes. */
const MAX_TITLE = 250;
const MAX_MESSAGE = 1024;
const MAX_URL = 512;

/**
 * `pushover_configs`: one POST to Pushover's message API with every parameter in the query string (form encoding,
 * keys sorted, empty `text/plain` body) as Alertmanager 0.25 sends it. Defaults: the `pushover.default.*` templates,
 * priority 2 (emergency) while firing and 0 once resolved, retry 60 s, expire 3600 s.
 */
export class PushoverIntegration implements Integration {
  readonly name = 'pushover';
  readonly sendResolved: boolean;

  constructor(
    private readonly cfg: PushoverConfig,
    readonly index: number,
    private readonly tmpl: NotificationTemplate,
    private readonly apiUrl: string = PUSHOVER_API_URL,
  ) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  /** The parameters sent for these alerts. */
  parameters(ctx: NotificationContext, alerts: readonly Alert[]): URLSearchParams {
    const c = this.cfg;
    const data = goTemplateData(templateData(ctx.receiver, ctx.groupLabels, alerts, ctx.externalUrl, ctx.now));
    const t = (s: string | undefined) => this.tmpl.expand(s, data);
    const message = truncateRunes(t(c.message ?? '{{ template "pushover.default.message" . }}'), MAX_MESSAGE).trim();
    const p: [string, string][] = [
      ['token', t(c.token)],
      ['user', t(c.user_key)],
      ['title', truncateRunes(t(c.title ?? '{{ template "pushover.default.title" . }}'), MAX_TITLE)],
      ...(c.html ? [['html', '1'] as [string, string]] : []),
      // Pushover refuses an empty message.
      ['message', message === '' ? '(no details)' : message],
      ['url', truncateRunes(t(c.url ?? '{{ template "pushover.default.url" . }}'), MAX_URL)],
      ['url_title', t(c.url_title)],
      ['priority', t(c.priority ?? '{{ if eq .Status "firing" }}2{{ else }}0{{ end }}')],
      ['retry', String(Math.trunc((c.retry ?? 60_000) / 1000))],
      ['expire', String(Math.trunc((c.expire ?? 3_600_000) / 1000))],
      ['sound', t(c.sound)],
    ];
    // Go's url.Values.Encode sorts by key.
    return new URLSearchParams(p.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  }

  async notify(ctx: NotificationContext, alerts: readonly Alert[]): Promise<void> {
    const u = new URL(this.apiUrl);
    u.search = this.parameters(ctx, alerts).toString();
    const res = await post(u.toString(), 'text/plain', undefined, this.cfg.http_config, ctx.signal);
    await res.arrayBuffer().catch(() => undefined);
  }
}
