import { parse } from 'yaml';

/** The loaded alertmanager.yml (`/api/v2/status` → `config.original`, secrets shown as `<secret>`), as plain data. */
export interface AmRoute {
  receiver?: string;
  group_by?: string[];
  match?: Record<string, string>;
  match_re?: Record<string, string>;
  matchers?: string[];
  continue?: boolean;
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  mute_time_intervals?: string[];
  active_time_intervals?: string[];
  routes?: AmRoute[];
}

export interface AmReceiver {
  name: string;
  [kind: string]: unknown;
}

export interface AmConfig {
  global?: Record<string, unknown>;
  route?: AmRoute;
  receivers?: AmReceiver[];
  inhibit_rules?: Record<string, unknown>[];
  mute_time_intervals?: { name: string; time_intervals?: unknown[] }[];
  time_intervals?: { name: string; time_intervals?: unknown[] }[];
}

export function parseAmConfig(original: string): AmConfig {
  return (parse(original) as AmConfig | null) ?? {};
}

/** A route's matchers in one list of strings: `matchers`, then the legacy `match` and `match_re`. */
export function routeMatchers(r: AmRoute): string[] {
  return [
    ...(r.matchers ?? []),
    ...Object.entries(r.match ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`),
    ...Object.entries(r.match_re ?? {}).map(([k, v]) => `${k}=~${JSON.stringify(v)}`),
  ];
}

/** Where an integration sends, from its most telling field (secrets stay `<secret>`). */
export function integrationTarget(kind: string, c: Record<string, unknown>): string {
  const keys = ['url', 'webhook_url', 'api_url', 'to', 'channel', 'chat_id', 'room_id', 'routing_key', 'service_key', 'user_key', 'topic_arn', 'to_user'];
  for (const k of keys) if (c[k] !== undefined && c[k] !== '') return `${k}: ${String(c[k])}`;
  return kind === 'email_configs' ? 'global SMTP settings' : 'global settings';
}
