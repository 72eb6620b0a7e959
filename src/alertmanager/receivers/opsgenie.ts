import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isResolved, type Alert } from '../alert.js';
import type { OpsgenieConfig } from '../config/schema.js';
import type { Integration, NotificationContext } from '../notify/notifier.js';
import { templateData } from '../notify/template-data.js';
import { goTemplateData, type NotificationTemplate } from '../template/notification-template.js';
import { postJson } from './http-client.js';
import { truncateRunes } from './truncate.js';

/**
 * `opsgenie_configs`: Opsgenie's Alert API v2 as Alertmanager 0.25 calls it — `POST {api_url}v2/alerts` to create
 * (alias = sha256 of the group key, message ≤ 130 runes, tags split on commas) and
 * `POST {api_url}v2/alerts/{alias}/close?identifierType=alias` when the whole group resolved; `GenieKey` auth.
 */
export class OpsgenieIntegration implements Integration {
  readonly name = 'opsgenie';
  readonly sendResolved: boolean;

  constructor(
    private readonly cfg: OpsgenieConfig,
    readonly index: number,
    private readonly tmpl: NotificationTemplate,
  ) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  async notify(ctx: NotificationContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.cfg;
    const data = goTemplateData(templateData(ctx.receiver, ctx.groupLabels, alerts, ctx.externalUrl, ctx.now));
    const t = (s: string | undefined) => this.tmpl.expand(s, data);
    const alias = createHash('sha256').update(ctx.groupKey).digest('hex');
    const key = c.api_key || (c.api_key_file ? readFileSync(c.api_key_file, 'utf8').trim() : '');
    const base = (c.api_url ?? 'https://api.opsgenie.com/').replace(/\/?$/, '/');
    const http = { ...c.http_config, authorization: { type: 'GenieKey', credentials: key } } as NonNullable<OpsgenieConfig['http_config']>;
    const source = t(c.source ?? '{{ template "opsgenie.default.source" . }}');
    const resolved = alerts.every((a) => isResolved(a, ctx.now));
    let res: Response;
    if (resolved) {
      res = await postJson(`${base}v2/alerts/${alias}/close?identifierType=alias`, { source }, http, ctx.signal);
    } else {
      const details: Record<string, string> = {};
      for (const [k, v] of Object.entries(c.details ?? {})) details[k] = t(v);
      const tags = t(c.tags ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const actions = t(c.actions ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const responders = c.responders.map((r) => {
        const type = t(r.type).toLowerCase();
        return { ...(r.id ? { id: t(r.id) } : {}), ...(r.name ? { name: t(r.name) } : {}), ...(r.username ? { username: t(r.username) } : {}), type: type === 'teams' ? 'team' : type };
      });
      const body = {
        alias,
        message: truncateRunes(t(c.message ?? '{{ template "opsgenie.default.message" . }}'), 130),
        description: t(c.description ?? '{{ template "opsgenie.default.description" . }}'),
        details,
        source,
        ...(responders.length > 0 ? { responders } : {}),
        ...(tags.length > 0 ? { tags } : {}),
        ...(c.note ? { note: t(c.note) } : {}),
        ...(c.priority ? { priority: t(c.priority) } : {}),
        ...(c.entity ? { entity: t(c.entity) } : {}),
        ...(actions.length > 0 ? { actions } : {}),
      };
      res = await postJson(`${base}v2/alerts`, body, http, ctx.signal, [429]);
    }
    await res.arrayBuffer().catch(() => undefined);
  }
}
