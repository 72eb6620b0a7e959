import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Alert } from '../alert.js';
import type { PagerdutyConfig } from '../config/schema.js';
import type { Integration, NotificationContext } from '../notify/notifier.js';
import { templateData } from '../notify/template-data.js';
import { goTemplateData, type NotificationTemplate } from '../template/notification-template.js';
import { postJson } from './http-client.js';

const DEFAULT_DETAILS: Record<string, string> = {
  firing: '{{ template "pagerduty.default.instances" .Alerts.Firing }}',
  resolved: '{{ template "pagerduty.default.instances" .Alerts.Resolved }}',
  num_firing: '{{ .Alerts.Firing | len }}',
  num_resolved: '{{ .Alerts.Resolved | len }}',
};
const V1_URL = 'https://events.pagerduty.com/generic/2010-04-15/create_event.json';

const truncateRunes = (s: string, n: number) => {
  const r = Array.from(s);
  return r.length <= n ? s : `${r.slice(0, n - 1).join('')}…`;
};

/**
 * `pagerduty_configs`: Events API v2 (`routing_key`: trigger/resolve with `dedup_key` = sha256 of the group key and
 * a payload), or the v1 generic API (`service_key`), as Alertmanager 0.25 sends them.
 */
export class PagerdutyIntegration implements Integration {
  readonly name = 'pagerduty';
  readonly sendResolved: boolean;

  constructor(
    private readonly cfg: PagerdutyConfig,
    readonly index: number,
    private readonly tmpl: NotificationTemplate,
  ) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  async notify(ctx: NotificationContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.cfg;
    const td = templateData(ctx.receiver, ctx.groupLabels, alerts, ctx.externalUrl, ctx.now);
    const data = goTemplateData(td);
    const t = (s: string | undefined) => this.tmpl.expand(s, data);
    const client = t(c.client ?? '{{ template "pagerduty.default.client" . }}');
    const clientUrl = t(c.client_url ?? '{{ template "pagerduty.default.clientURL" . }}');
    const description = c.description ?? '{{ template "pagerduty.default.description" .}}';
    const details: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...DEFAULT_DETAILS, ...(c.details ?? {}) })) details[k] = t(v);
    const resolved = td.status === 'resolved';
    const dedupKey = createHash('sha256').update(ctx.groupKey).digest('hex');
    const omitEmpty = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== undefined));
    let body: unknown;
    let url: string;
    let retryCodes: number[];
    if (c.service_key || c.service_key_file) {
      const serviceKey = c.service_key || readFileSync(c.service_key_file!, 'utf8').trim();
      body = omitEmpty({
        service_key: t(serviceKey),
        incident_key: dedupKey,
        event_type: resolved ? 'resolve' : 'trigger',
        description: truncateRunes(t(description), 1024),
        event_action: '',
        payload: null,
        details: Object.keys(details).length > 0 ? details : undefined,
        ...(resolved ? {} : { client: client, client_url: clientUrl }),
      });
      url = V1_URL;
      retryCodes = [403];
    } else {
      const routingKey = c.routing_key || readFileSync(c.routing_key_file!, 'utf8').trim();
      const images = c.images.map((i) => ({ src: t(i.src), alt: t(i.alt), href: t(i.href) })).filter((i) => i.src !== '');
      const links = c.links.map((l) => ({ href: t(l.href), text: t(l.text) })).filter((l) => l.href !== '');
      body = {
        routing_key: t(routingKey),
        dedup_key: dedupKey,
        event_action: resolved ? 'resolve' : 'trigger',
        payload: {
          summary: truncateRunes(t(description), 1024),
          source: t(c.source ?? c.client ?? '{{ template "pagerduty.default.client" . }}'),
          severity: t(c.severity || 'error'),
          ...omitEmpty({ class: t(c.class), component: t(c.component), group: t(c.group) }),
          ...(Object.keys(details).length > 0 ? { custom_details: details } : {}),
        },
        ...omitEmpty({ client, client_url: clientUrl }),
        ...(images.length > 0 ? { images } : {}),
        ...(links.length > 0 ? { links } : {}),
      };
      url = c.url!;
      retryCodes = [429];
    }
    const res = await postJson(url, body, c.http_config, ctx.signal, retryCodes);
    await res.arrayBuffer().catch(() => undefined);
  }
}
