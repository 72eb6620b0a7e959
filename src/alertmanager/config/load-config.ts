import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError, validate } from '../../config/index.js';
import {
  alertmanagerConfigSchema,
  type GlobalConfig,
  type InhibitRuleConfig,
  type ReceiverConfig,
  type RouteConfig,
} from './schema.js';
import type { TimeInterval } from './time-interval.js';
import type { TemplateFileSource } from '../template/notification-template.js';

/** A loaded, validated `alertmanager.yml`: globals filled into receivers as Alertmanager 0.25 does. */
export interface AlertmanagerConfig {
  global: GlobalConfig;
  route: RouteConfig;
  inhibitRules: InhibitRuleConfig[];
  receivers: ReceiverConfig[];
  /** Template file globs, relative paths resolved against the config file's directory. */
  templates: string[];
  /** Where `templates` are read: the disk when unset, a tenant's uploaded `template_files` in Mimir's Alertmanager. */
  templateFiles?: TemplateFileSource;
  /** `time_intervals` and the deprecated `mute_time_intervals`, by name. */
  timeIntervals: Map<string, TimeInterval[]>;
  /** The text the config was read from (served by `/api/v2/status`). */
  original: string;
}

/** Go's YAML decoder leaves a field at its zero value when the YAML says `key:` (null); so do we. */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== null) out[k] = dropNulls(x);
    return out;
  }
  return v;
}

function fail(file: string, path: string, reason: string): never {
  throw new ConfigError(file, path, reason);
}

/** Parse and validate alertmanager.yml text. `file` names it in errors and resolves relative template paths. */
export function parseAlertmanagerConfig(text: string, file = 'alertmanager.yml'): AlertmanagerConfig {
  const doc = parseDocument(text, { uniqueKeys: true, version: '1.1' });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    fail(file, pos ? `line ${pos.line} column ${pos.col}` : '', e.message.split('\n')[0]);
  }
  const js = doc.toJS() as unknown;
  if (js !== null && js !== undefined && (typeof js !== 'object' || Array.isArray(js))) fail(file, '', 'the top level must be a mapping');
  const cfg = validate(alertmanagerConfigSchema, dropNulls(js ?? {}), file);
  const g = cfg.global;

  if (!cfg.route) fail(file, 'route', 'no route provided in config');
  if (cfg.route.continue) fail(file, 'route.continue', 'cannot have continue in root route');
  if (g.slack_api_url && g.slack_api_url_file) fail(file, 'global', 'at most one of slack_api_url & slack_api_url_file must be configured');
  if (g.opsgenie_api_key && g.opsgenie_api_key_file) fail(file, 'global', 'at most one of opsgenie_api_key & opsgenie_api_key_file must be configured');
  if (g.victorops_api_key && g.victorops_api_key_file) fail(file, 'global', 'at most one of victorops_api_key & victorops_api_key_file must be configured');
  if (g.smtp_auth_password && g.smtp_auth_password_file) fail(file, 'global', 'at most one of smtp_auth_password & smtp_auth_password_file must be configured');

  const names = new Set<string>();
  cfg.receivers.forEach((rcv, i) => {
    const at = `receivers[${i}]`;
    if (names.has(rcv.name)) fail(file, `${at}.name`, `notification config name ${JSON.stringify(rcv.name)} is not unique`);
    names.add(rcv.name);
    for (const c of [...rcv.webhook_configs, ...rcv.slack_configs, ...rcv.pagerduty_configs, ...rcv.opsgenie_configs, ...rcv.pushover_configs,
      ...rcv.victorops_configs, ...rcv.wechat_configs, ...rcv.telegram_configs, ...rcv.discord_configs, ...rcv.webex_configs, ...rcv.sns_configs, ...rcv.msteams_configs]) {
      c.http_config ??= g.http_config;
    }
    rcv.email_configs.forEach((ec, j) => {
      if (!ec.smarthost) {
        if (!g.smtp_smarthost) fail(file, `${at}.email_configs[${j}]`, 'no global SMTP smarthost set');
        ec.smarthost = g.smtp_smarthost;
      }
      if (!ec.from) {
        if (!g.smtp_from) fail(file, `${at}.email_configs[${j}]`, 'no global SMTP from set');
        ec.from = g.smtp_from;
      }
      ec.hello ||= g.smtp_hello;
      ec.auth_username ||= g.smtp_auth_username;
      if (!ec.auth_password && !ec.auth_password_file) {
        ec.auth_password = g.smtp_auth_password;
        ec.auth_password_file = g.smtp_auth_password_file;
      }
      ec.auth_secret ||= g.smtp_auth_secret;
      ec.auth_identity ||= g.smtp_auth_identity;
      ec.require_tls ??= g.smtp_require_tls;
    });
    rcv.slack_configs.forEach((sc, j) => {
      if (!sc.api_url && !sc.api_url_file) {
        if (!g.slack_api_url && !g.slack_api_url_file) fail(file, `${at}.slack_configs[${j}]`, 'no global Slack API URL set either inline or in a file');
        sc.api_url = g.slack_api_url;
        sc.api_url_file = g.slack_api_url_file;
      }
    });
    for (const pd of rcv.pagerduty_configs) pd.url ??= g.pagerduty_url;
    rcv.opsgenie_configs.forEach((og, j) => {
      og.api_url ??= g.opsgenie_api_url;
      if (!og.api_url.endsWith('/')) og.api_url += '/';
      if (!og.api_key && !og.api_key_file) {
        if (!g.opsgenie_api_key && !g.opsgenie_api_key_file) fail(file, `${at}.opsgenie_configs[${j}]`, 'no global OpsGenie API Key set either inline or in a file');
        og.api_key = g.opsgenie_api_key;
        og.api_key_file = g.opsgenie_api_key_file;
      }
    });
    rcv.wechat_configs.forEach((wc, j) => {
      wc.api_url ??= g.wechat_api_url;
      if (!wc.api_secret) {
        if (!g.wechat_api_secret) fail(file, `${at}.wechat_configs[${j}]`, 'no global Wechat ApiSecret set');
        wc.api_secret = g.wechat_api_secret;
      }
      if (!wc.corp_id) {
        if (!g.wechat_api_corp_id) fail(file, `${at}.wechat_configs[${j}]`, 'no global Wechat CorpID set');
        wc.corp_id = g.wechat_api_corp_id;
      }
    });
    rcv.victorops_configs.forEach((vc, j) => {
      vc.api_url ??= g.victorops_api_url;
      if (!vc.api_key && !vc.api_key_file) {
        if (!g.victorops_api_key && !g.victorops_api_key_file) fail(file, `${at}.victorops_configs[${j}]`, 'no global VictorOps API Key set');
        vc.api_key = g.victorops_api_key;
        vc.api_key_file = g.victorops_api_key_file;
      }
    });
    for (const t of rcv.telegram_configs) t.api_url ??= g.telegram_api_url;
    rcv.discord_configs.forEach((d, j) => {
      if (!d.webhook_url) fail(file, `${at}.discord_configs[${j}]`, 'no discord webhook URL provided');
    });
    for (const w of rcv.webex_configs) w.api_url ??= g.webex_api_url;
  });

  const route = cfg.route;
  if (!route.receiver) fail(file, 'route.receiver', 'root route must specify a default receiver');
  if (route.hasMatchers) fail(file, 'route', 'root route must not have any matchers');
  if (route.mute_time_intervals.length > 0) fail(file, 'route.mute_time_intervals', 'root route must not have any mute time intervals');
  if (route.active_time_intervals.length > 0) fail(file, 'route.active_time_intervals', 'root route must not have any active time intervals');

  const checkReceivers = (r: RouteConfig, path: string): void => {
    r.routes.forEach((sr, i) => checkReceivers(sr, `${path}.routes[${i}]`));
    if (r.receiver !== undefined && !names.has(r.receiver)) fail(file, `${path}.receiver`, `undefined receiver ${JSON.stringify(r.receiver)} used in route`);
  };
  checkReceivers(route, 'route');

  const timeIntervals = new Map<string, TimeInterval[]>();
  cfg.mute_time_intervals.forEach((mt, i) => {
    if (timeIntervals.has(mt.name)) fail(file, `mute_time_intervals[${i}].name`, `mute time interval ${JSON.stringify(mt.name)} is not unique`);
    timeIntervals.set(mt.name, mt.time_intervals);
  });
  cfg.time_intervals.forEach((ti, i) => {
    if (timeIntervals.has(ti.name)) fail(file, `time_intervals[${i}].name`, `time interval ${JSON.stringify(ti.name)} is not unique`);
    timeIntervals.set(ti.name, ti.time_intervals);
  });
  const checkIntervals = (r: RouteConfig, path: string): void => {
    r.routes.forEach((sr, i) => checkIntervals(sr, `${path}.routes[${i}]`));
    for (const n of [...r.active_time_intervals, ...r.mute_time_intervals]) {
      if (!timeIntervals.has(n)) fail(file, path, `undefined time interval ${JSON.stringify(n)} used in route`);
    }
  };
  checkIntervals(route, 'route');

  const base = dirname(file);
  return {
    global: g,
    route,
    inhibitRules: cfg.inhibit_rules,
    receivers: cfg.receivers,
    templates: cfg.templates.map((t) => (t !== '' && !isAbsolute(t) ? join(base, t) : t)),
    timeIntervals,
    original: text,
  };
}

export function loadAlertmanagerConfig(file: string): AlertmanagerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, '', `cannot read file: ${(e as Error).message}`);
  }
  return parseAlertmanagerConfig(text, file);
}
