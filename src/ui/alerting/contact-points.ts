import { createHash } from 'node:crypto';
import * as z from 'zod';

/** A contact point integration as Grafana's provisioning API shapes it (`EmbeddedContactPoint`). */
export interface ContactPoint {
  uid: string;
  name: string;
  type: string;
  settings: Record<string, unknown>;
  disableResolveMessage: boolean;
  provenance?: string;
}

export const contactPointSchema = z.object({
  uid: z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/, 'uid: 1-40 characters of a-z, A-Z, 0-9, - and _').optional().or(z.literal('')),
  name: z.string().min(1, 'name is required').max(190),
  type: z.string().min(1, 'type is required'),
  settings: z.record(z.string(), z.unknown()).default({}),
  disableResolveMessage: z.boolean().default(false),
});

/**
 * Grafana's integration types as Alertmanager receiver configs: the `*_configs` key and the Grafana setting → the
 * Alertmanager field, in both directions (a contact point from alertmanager.yml is shown in Grafana's terms).
 */
const INTEGRATIONS: Record<string, { key: string; fields: [string, string][]; required: string }> = {
  webhook: { key: 'webhook_configs', fields: [['url', 'url'], ['maxAlerts', 'max_alerts']], required: 'url' },
  slack: { key: 'slack_configs', fields: [['url', 'api_url'], ['recipient', 'channel'], ['username', 'username'], ['title', 'title'], ['text', 'text']], required: 'url' },
  email: { key: 'email_configs', fields: [['addresses', 'to']], required: 'addresses' },
  pagerduty: { key: 'pagerduty_configs', fields: [['integrationKey', 'routing_key'], ['severity', 'severity'], ['class', 'class'], ['component', 'component'], ['group', 'group'], ['url', 'url']], required: 'integrationKey' },
  discord: { key: 'discord_configs', fields: [['url', 'webhook_url'], ['title', 'title'], ['message', 'message']], required: 'url' },
  teams: { key: 'msteams_configs', fields: [['url', 'webhook_url'], ['title', 'title'], ['message', 'text']], required: 'url' },
  telegram: { key: 'telegram_configs', fields: [['bottoken', 'bot_token'], ['chatid', 'chat_id'], ['message', 'message']], required: 'bottoken' },
  opsgenie: { key: 'opsgenie_configs', fields: [['apiKey', 'api_key'], ['apiUrl', 'api_url'], ['message', 'message']], required: 'apiKey' },
  pushover: { key: 'pushover_configs', fields: [['userKey', 'user_key'], ['apiToken', 'token'], ['title', 'title'], ['message', 'message']], required: 'userKey' },
};

export const CONTACT_POINT_TYPES = Object.keys(INTEGRATIONS);

export class ContactPointError extends Error {
  override name = 'ContactPointError';
}

/** Checks the type and its required setting (Grafana answers 400 with the same kind of message). */
export function validateContactPoint(cp: Pick<ContactPoint, 'type' | 'settings'>): void {
  const spec = INTEGRATIONS[cp.type];
  if (!spec) throw new ContactPointError(`unsupported contact point type ${JSON.stringify(cp.type)}; supported: ${CONTACT_POINT_TYPES.join(', ')}`);
  const v = cp.settings[spec.required];
  if (v === undefined || v === null || v === '') throw new ContactPointError(`${cp.type}: could not find ${spec.required} property in settings`);
}

/** The Alertmanager receiver config (`key` and one entry) of a Grafana integration. */
export function toReceiverConfig(cp: ContactPoint): { key: string; config: Record<string, unknown> } {
  validateContactPoint(cp);
  const spec = INTEGRATIONS[cp.type];
  const config: Record<string, unknown> = { send_resolved: !cp.disableResolveMessage };
  for (const [g, a] of spec.fields) {
    const v = cp.settings[g];
    if (v === undefined || v === null || v === '') continue;
    config[a] = v;
  }
  if (cp.type === 'email') config.to = String(cp.settings.addresses).split(/[;,\n]/).map((s) => s.trim()).filter(Boolean).join(', ');
  if (cp.type === 'telegram' && /^-?\d+$/.test(String(cp.settings.chatid))) config.chat_id = Number(cp.settings.chatid);
  if (cp.type === 'webhook' && typeof cp.settings.username === 'string' && cp.settings.username !== '') {
    config.http_config = { basic_auth: { username: cp.settings.username, password: String(cp.settings.password ?? '') } };
  }
  if (cp.type === 'webhook' && cp.settings.maxAlerts !== undefined) config.max_alerts = Number(cp.settings.maxAlerts);
  return { key: spec.key, config };
}

/** The integrations of an alertmanager.yml receiver in Grafana's terms (read-only: provenance `file`). */
export function fromReceiverConfigs(receiver: Record<string, unknown>): ContactPoint[] {
  const name = String(receiver.name);
  const out: ContactPoint[] = [];
  for (const [type, spec] of Object.entries(INTEGRATIONS)) {
    const list = receiver[spec.key];
    if (!Array.isArray(list)) continue;
    list.forEach((c: Record<string, unknown>, i) => {
      const settings: Record<string, unknown> = {};
      for (const [g, a] of spec.fields) if (c[a] !== undefined) settings[g] = c[a];
      const uid = 'f' + createHash('sha1').update(`${name}\0${type}\0${i}`).digest('hex').slice(0, 13);
      out.push({ uid, name, type, settings, disableResolveMessage: c.send_resolved === false, provenance: 'file' });
    });
  }
  return out;
}

/** Grafana's placeholder for a secret setting in an answer; sent back unchanged, it keeps the stored value. */
export const REDACTED = '[REDACTED]';

/** The settings Grafana keeps secret, by integration type. */
const SECRET_SETTINGS: Record<string, string[]> = {
  webhook: ['password'],
  slack: ['url', 'token'],
  pagerduty: ['integrationKey'],
  telegram: ['bottoken'],
  opsgenie: ['apiKey'],
  pushover: ['userKey', 'apiToken'],
};

/** The names of the secret settings of an integration type. */
export const secretSettings = (type: string): readonly string[] => SECRET_SETTINGS[type] ?? [];

/** The contact point as the API shows it: secrets replaced by `[REDACTED]`. */
export function redactContactPoint(cp: ContactPoint): ContactPoint {
  const settings = { ...cp.settings };
  for (const k of SECRET_SETTINGS[cp.type] ?? []) if (settings[k] !== undefined && settings[k] !== '') settings[k] = REDACTED;
  return { ...cp, settings };
}

/** New settings with every `[REDACTED]` (or left-out secret) taken from the stored ones of the same type. */
export function keepSecrets(settings: Record<string, unknown>, type: string, stored: ContactPoint | undefined): Record<string, unknown> {
  const out = { ...settings };
  for (const k of SECRET_SETTINGS[type] ?? []) {
    if ((out[k] === REDACTED || out[k] === undefined) && stored?.type === type && stored.settings[k] !== undefined) out[k] = stored.settings[k];
  }
  return out;
}
