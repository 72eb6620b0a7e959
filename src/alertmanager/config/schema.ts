import * as z from 'zod';
import { parseDuration } from '../../config/index.js';
import type { Matcher } from '../../model/index.js';
import { MatcherParseError, newMatcher, parseMatchers, sortMatchers } from './am-matchers.js';
import {
  TimeIntervalError,
  parseDayOfMonthRange,
  parseLocation,
  parseMonthRange,
  parseTimeRange,
  parseWeekdayRange,
  parseYearRange,
  type TimeInterval,
} from './time-interval.js';

/**
 * The zod schema of `alertmanager.yml` with Alertmanager 0.25's fields, defaults and per-field checks. Checks that
 * span sections (receivers referenced by routes, globals filled into receivers, unique names) are in
 * `validate-config.ts`.
 */

/** Go's YAML decoder gives a string field the text of any scalar (`receiver: 123`). */
export const str = z.preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), z.string());

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A Prometheus duration (`5m`, `1h30m`, `0`), in milliseconds. */
export const amDuration = z.preprocess(
  (v) => (typeof v === 'number' && v === 0 ? '0' : v),
  z.string().transform((s, ctx) => {
    try {
      return parseDuration(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  }),
);

/** Alertmanager's URL: http or https with a host. */
export const amUrl = str.superRefine((s, ctx) => {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: `parse ${JSON.stringify(s)}: invalid URL` });
    return;
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'http' && scheme !== 'https') ctx.addIssue({ code: 'custom', message: `unsupported scheme ${JSON.stringify(scheme)} for URL` });
  else if (u.host === '') ctx.addIssue({ code: 'custom', message: 'missing host for URL' });
});

/** `host:port` (Go's net.SplitHostPort, port required). */
const hostPort = str.superRefine((s, ctx) => {
  if (s === '') return;
  const m = /^(\[[^\]]*\]|[^:]*):([^:]*)$/.exec(s);
  if (!m) ctx.addIssue({ code: 'custom', message: `address ${s}: missing port in address` });
  else if (m[2] === '') ctx.addIssue({ code: 'custom', message: `address ${JSON.stringify(s)}: port cannot be empty` });
});

const labelNameMap = <T extends z.ZodType>(value: T) =>
  z.record(z.string(), value).superRefine((obj, ctx) => {
    for (const k of Object.keys(obj)) if (!LABEL_NAME_RE.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: `invalid label name ${JSON.stringify(k)}` });
  });

/** `matchers:` — a list of strings, each one or more matchers in Alertmanager's syntax; sorted as Alertmanager does. */
const matchersList = z.array(str).transform((lines, ctx) => {
  const out: Matcher[] = [];
  lines.forEach((line, i) => {
    try {
      out.push(...parseMatchers(line));
    } catch (e) {
      if (!(e instanceof MatcherParseError)) throw e;
      ctx.addIssue({ code: 'custom', path: [i], message: e.message });
    }
  });
  return sortMatchers(out);
});

/** `match_re:` — label name to regex, anchored. */
const matchRe = labelNameMap(str).transform((obj, ctx) => {
  const out: Matcher[] = [];
  for (const [k, v] of Object.entries(obj)) {
    try {
      out.push(newMatcher('=~', k, v));
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: [k], message: (e as Error).message });
    }
  }
  return out;
});

const tlsConfig = z.strictObject({
  ca: str.optional(),
  ca_file: str.optional(),
  cert: str.optional(),
  cert_file: str.optional(),
  key: str.optional(),
  key_file: str.optional(),
  server_name: str.optional(),
  insecure_skip_verify: z.boolean().default(false),
  min_version: str.optional(),
  max_version: str.optional(),
});

/** Prometheus common `HTTPClientConfig`. */
export const httpConfig = z.strictObject({
  basic_auth: z.strictObject({ username: str.default(''), password: str.optional(), password_file: str.optional() }).optional(),
  authorization: z.strictObject({ type: str.default('Bearer'), credentials: str.optional(), credentials_file: str.optional() }).optional(),
  oauth2: z
    .strictObject({
      client_id: str,
      client_secret: str.optional(),
      client_secret_file: str.optional(),
      scopes: z.array(str).optional(),
      token_url: str,
      endpoint_params: z.record(z.string(), str).optional(),
      tls_config: tlsConfig.optional(),
      proxy_url: str.optional(),
    })
    .optional(),
  bearer_token: str.optional(),
  bearer_token_file: str.optional(),
  proxy_url: str.optional(),
  tls_config: tlsConfig.optional(),
  follow_redirects: z.boolean().default(true),
  enable_http2: z.boolean().default(true),
});
export type HttpConfig = z.output<typeof httpConfig>;

const timeIntervalSpec = z
  .strictObject({
    times: z.array(z.unknown()).nullish(),
    weekdays: z.array(z.unknown()).nullish(),
    days_of_month: z.array(z.unknown()).nullish(),
    months: z.array(z.unknown()).nullish(),
    years: z.array(z.unknown()).nullish(),
    location: z.unknown().optional(),
  })
  .transform((o, ctx): TimeInterval => {
    const out: TimeInterval = {};
    const each = <T>(key: string, list: unknown[] | null | undefined, f: (v: unknown) => T): T[] | undefined => {
      if (!list) return undefined;
      const res: T[] = [];
      list.forEach((v, i) => {
        try {
          res.push(f(v));
        } catch (e) {
          if (!(e instanceof TimeIntervalError)) throw e;
          ctx.addIssue({ code: 'custom', path: [key, i], message: e.message });
        }
      });
      return res;
    };
    out.times = each('times', o.times, parseTimeRange);
    out.weekdays = each('weekdays', o.weekdays, parseWeekdayRange);
    out.daysOfMonth = each('days_of_month', o.days_of_month, parseDayOfMonthRange);
    out.months = each('months', o.months, parseMonthRange);
    out.years = each('years', o.years, parseYearRange);
    if (o.location !== undefined && o.location !== null) {
      try {
        out.location = parseLocation(o.location);
      } catch (e) {
        if (!(e instanceof TimeIntervalError)) throw e;
        ctx.addIssue({ code: 'custom', path: ['location'], message: e.message });
      }
    }
    return out;
  });

const namedTimeInterval = (what: string) =>
  z.strictObject({ name: str.default(''), time_intervals: z.array(timeIntervalSpec).default([]) }).superRefine((o, ctx) => {
    if (o.name === '') ctx.addIssue({ code: 'custom', path: ['name'], message: `missing name in ${what}` });
  });

export interface RouteConfig {
  receiver?: string;
  group_by?: string[];
  /** `group_by: ['...']`: every label. */
  groupByAll: boolean;
  /** `match`, `match_re` and `matchers` together. */
  matchers: Matcher[];
  hasMatchers: boolean;
  mute_time_intervals: string[];
  active_time_intervals: string[];
  continue: boolean;
  routes: RouteConfig[];
  group_wait?: number;
  group_interval?: number;
  repeat_interval?: number;
}

const routeObject = z.strictObject({
  receiver: str.optional(),
  group_by: z.array(str).optional(),
  match: labelNameMap(str).optional(),
  match_re: matchRe.optional(),
  matchers: matchersList.optional(),
  mute_time_intervals: z.array(str).default([]),
  active_time_intervals: z.array(str).default([]),
  continue: z.boolean().default(false),
  get routes() {
    return z.array(routeSchema).default([]);
  },
  group_wait: amDuration.optional(),
  group_interval: amDuration.optional(),
  repeat_interval: amDuration.optional(),
});

export const routeSchema: z.ZodType<RouteConfig> = routeObject.transform((r, ctx): RouteConfig => {
  let groupByAll = false;
  const groupBy: string[] = [];
  for (const l of r.group_by ?? []) {
    if (l === '...') groupByAll = true;
    else if (!LABEL_NAME_RE.test(l)) ctx.addIssue({ code: 'custom', path: ['group_by'], message: `invalid label name ${JSON.stringify(l)} in group_by list` });
    else groupBy.push(l);
  }
  if (groupBy.length > 0 && groupByAll) ctx.addIssue({ code: 'custom', path: ['group_by'], message: 'cannot have wildcard group_by (`...`) and other other labels at the same time' });
  const seen = new Set<string>();
  for (const l of groupBy) {
    if (seen.has(l)) ctx.addIssue({ code: 'custom', path: ['group_by'], message: `duplicated label ${JSON.stringify(l)} in group_by` });
    seen.add(l);
  }
  if (r.group_interval === 0) ctx.addIssue({ code: 'custom', path: ['group_interval'], message: 'group_interval cannot be zero' });
  if (r.repeat_interval === 0) ctx.addIssue({ code: 'custom', path: ['repeat_interval'], message: 'repeat_interval cannot be zero' });
  const matchers: Matcher[] = [];
  for (const [k, v] of Object.entries(r.match ?? {})) matchers.push(newMatcher('=', k, v));
  matchers.push(...(r.match_re ?? []), ...(r.matchers ?? []));
  return {
    receiver: r.receiver === '' ? undefined : r.receiver,
    group_by: r.group_by === undefined ? undefined : groupBy,
    groupByAll,
    matchers: sortMatchers(matchers),
    hasMatchers: Object.keys(r.match ?? {}).length > 0 || (r.match_re ?? []).length > 0 || (r.matchers ?? []).length > 0,
    mute_time_intervals: r.mute_time_intervals,
    active_time_intervals: r.active_time_intervals,
    continue: r.continue,
    routes: r.routes,
    group_wait: r.group_wait,
    group_interval: r.group_interval,
    repeat_interval: r.repeat_interval,
  };
});

const inhibitRule = z
  .strictObject({
    source_match: labelNameMap(str).optional(),
    source_match_re: matchRe.optional(),
    source_matchers: matchersList.optional(),
    target_match: labelNameMap(str).optional(),
    target_match_re: matchRe.optional(),
    target_matchers: matchersList.optional(),
    equal: z.array(str).default([]),
  })
  .transform((r) => {
    const side = (m: Record<string, string> | undefined, re: Matcher[] | undefined, ms: Matcher[] | undefined) => [
      ...Object.entries(m ?? {}).map(([k, v]) => newMatcher('=', k, v)),
      ...(re ?? []),
      ...(ms ?? []),
    ];
    return {
      sourceMatchers: side(r.source_match, r.source_match_re, r.source_matchers),
      targetMatchers: side(r.target_match, r.target_match_re, r.target_matchers),
      equal: r.equal,
    };
  });
export type InhibitRuleConfig = z.output<typeof inhibitRule>;

const notifier = { send_resolved: z.boolean().optional(), http_config: httpConfig.optional() };

const webhookConfig = z
  .strictObject({ ...notifier, url: str.optional(), max_alerts: z.number().int().nonnegative().default(0) })
  .superRefine((c, ctx) => {
    if (c.url === undefined) return ctx.addIssue({ code: 'custom', message: 'missing URL in webhook config' });
    let scheme: string;
    try {
      scheme = new URL(c.url).protocol.replace(/:$/, '');
    } catch {
      return ctx.addIssue({ code: 'custom', path: ['url'], message: `parse ${JSON.stringify(c.url)}: invalid URL` });
    }
    if (scheme !== 'http' && scheme !== 'https') ctx.addIssue({ code: 'custom', path: ['url'], message: 'scheme required for webhook url' });
  });

const canonicalHeader = (h: string) => h.toLowerCase().replace(/(^|-)([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase());

const emailConfig = z
  .strictObject({
    ...notifier,
    to: str.default(''),
    from: str.optional(),
    hello: str.optional(),
    smarthost: hostPort.optional(),
    auth_username: str.optional(),
    auth_password: str.optional(),
    auth_password_file: str.optional(),
    auth_secret: str.optional(),
    auth_identity: str.optional(),
    headers: z.record(z.string(), str).default({}),
    html: str.optional(),
    text: str.optional(),
    require_tls: z.boolean().optional(),
    tls_config: tlsConfig.optional(),
  })
  .transform((c, ctx) => {
    if (c.to === '') ctx.addIssue({ code: 'custom', message: 'missing to address in email config' });
    const headers: Record<string, string> = {};
    for (const [h, v] of Object.entries(c.headers)) {
      const n = canonicalHeader(h);
      if (n in headers) ctx.addIssue({ code: 'custom', path: ['headers'], message: `duplicate header ${JSON.stringify(n)} in email config` });
      headers[n] = v;
    }
    return { ...c, headers };
  });

const pagerdutyConfig = z
  .strictObject({
    ...notifier,
    service_key: str.optional(),
    service_key_file: str.optional(),
    routing_key: str.optional(),
    routing_key_file: str.optional(),
    url: amUrl.optional(),
    client: str.optional(),
    client_url: str.optional(),
    description: str.optional(),
    details: z.record(z.string(), str).optional(),
    images: z.array(z.strictObject({ src: str.optional(), alt: str.optional(), href: str.optional() })).default([]),
    links: z.array(z.strictObject({ href: str.optional(), text: str.optional() })).default([]),
    source: str.optional(),
    severity: str.optional(),
    class: str.optional(),
    component: str.optional(),
    group: str.optional(),
  })
  .superRefine((c, ctx) => {
    if (!c.routing_key && !c.service_key && !c.routing_key_file && !c.service_key_file) ctx.addIssue({ code: 'custom', message: 'missing service or routing key in PagerDuty config' });
    if (c.routing_key && c.routing_key_file) ctx.addIssue({ code: 'custom', message: 'at most one of routing_key & routing_key_file must be configured' });
    if (c.service_key && c.service_key_file) ctx.addIssue({ code: 'custom', message: 'at most one of service_key & service_key_file must be configured' });
  });

const slackConfig = z
  .strictObject({
    ...notifier,
    api_url: amUrl.optional(),
    api_url_file: str.optional(),
    channel: str.optional(),
    username: str.optional(),
    color: str.optional(),
    title: str.optional(),
    title_link: str.optional(),
    pretext: str.optional(),
    text: str.optional(),
    fields: z
      .array(z.strictObject({ title: str.default(''), value: str.default(''), short: z.boolean().optional() }))
      .default([])
      .superRefine((fs, ctx) =>
        fs.forEach((f, i) => {
          if (f.title === '') ctx.addIssue({ code: 'custom', path: [i], message: 'missing title in Slack field configuration' });
          else if (f.value === '') ctx.addIssue({ code: 'custom', path: [i], message: 'missing value in Slack field configuration' });
        }),
      ),
    short_fields: z.boolean().default(false),
    footer: str.optional(),
    fallback: str.optional(),
    callback_id: str.optional(),
    icon_emoji: str.optional(),
    icon_url: str.optional(),
    image_url: str.optional(),
    thumb_url: str.optional(),
    link_names: z.boolean().default(false),
    mrkdwn_in: z.array(str).optional(),
    actions: z
      .array(
        z.strictObject({
          type: str.default(''),
          text: str.default(''),
          url: str.optional(),
          style: str.optional(),
          name: str.optional(),
          value: str.optional(),
          confirm: z.strictObject({ text: str.default(''), title: str.optional(), ok_text: str.optional(), dismiss_text: str.optional() }).optional(),
        }),
      )
      .default([])
      .superRefine((as, ctx) =>
        as.forEach((a, i) => {
          if (a.type === '') ctx.addIssue({ code: 'custom', path: [i], message: 'missing type in Slack action configuration' });
          else if (a.text === '') ctx.addIssue({ code: 'custom', path: [i], message: 'missing text in Slack action configuration' });
          else if (!a.url && !a.name) ctx.addIssue({ code: 'custom', path: [i], message: 'missing name or url in Slack action configuration' });
          else if (a.confirm && a.confirm.text === '') ctx.addIssue({ code: 'custom', path: [i, 'confirm'], message: 'missing text in Slack confirmation configuration' });
        }),
      ),
  })
  .superRefine((c, ctx) => {
    if (c.api_url && c.api_url_file) ctx.addIssue({ code: 'custom', message: 'at most one of api_url & api_url_file must be configured' });
  });

const opsgenieConfig = z
  .strictObject({
    ...notifier,
    api_key: str.optional(),
    api_key_file: str.optional(),
    api_url: amUrl.optional(),
    message: str.optional(),
    description: str.optional(),
    source: str.optional(),
    details: z.record(z.string(), str).optional(),
    entity: str.optional(),
    responders: z.array(z.strictObject({ id: str.optional(), name: str.optional(), username: str.optional(), type: str.default('') })).default([]),
    actions: str.optional(),
    tags: str.optional(),
    note: str.optional(),
    priority: str.optional(),
    update_alerts: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    if (c.api_key && c.api_key_file) ctx.addIssue({ code: 'custom', message: 'at most one of api_key & api_key_file must be configured' });
    c.responders.forEach((r, i) => {
      if (!r.id && !r.name && !r.username)
        ctx.addIssue({ code: 'custom', path: ['responders', i], message: `opsGenieConfig responder ${JSON.stringify(r)} has to have at least one of id, username or name specified` });
      else if (!r.type.includes('{{') && !/^(team|teams|user|escalation|schedule)$/i.test(r.type))
        ctx.addIssue({ code: 'custom', path: ['responders', i, 'type'], message: `opsGenieConfig responder type does not match valid options ^(team|teams|user|escalation|schedule)$` });
    });
  });

const discordConfig = z
  .strictObject({ ...notifier, webhook_url: amUrl.optional(), title: str.optional(), message: str.optional() });

const telegramConfig = z
  .strictObject({
    ...notifier,
    api_url: amUrl.optional(),
    bot_token: str.optional(),
    chat_id: z.number().int().optional(),
    message: str.optional(),
    disable_notifications: z.boolean().default(false),
    parse_mode: str.default('HTML'),
  })
  .superRefine((c, ctx) => {
    if (!c.bot_token) ctx.addIssue({ code: 'custom', message: 'missing bot_token on telegram_config' });
    else if (!c.chat_id) ctx.addIssue({ code: 'custom', message: 'missing chat_id on telegram_config' });
    else if (!['', 'Markdown', 'MarkdownV2', 'HTML'].includes(c.parse_mode))
      ctx.addIssue({ code: 'custom', message: 'unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string' });
  });

const pushoverConfig = z
  .strictObject({
    ...notifier,
    user_key: str.optional(),
    token: str.optional(),
    title: str.optional(),
    message: str.optional(),
    url: str.optional(),
    url_title: str.optional(),
    sound: str.optional(),
    priority: str.optional(),
    retry: amDuration.optional(),
    expire: amDuration.optional(),
    html: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    if (!c.user_key) ctx.addIssue({ code: 'custom', message: 'missing user key in Pushover config' });
    else if (!c.token) ctx.addIssue({ code: 'custom', message: 'missing token in Pushover config' });
  });

/**
 * `msteams_configs` (Alertmanager 0.26+, with 0.27's `summary` and `webhook_url_file`): an Office 365 connector
 * webhook receiving a MessageCard.
 */
const msteamsConfig = z
  .strictObject({ ...notifier, webhook_url: amUrl.optional(), webhook_url_file: str.optional(), title: str.optional(), summary: str.optional(), text: str.optional() })
  .superRefine((c, ctx) => {
    if (!c.webhook_url && !c.webhook_url_file) ctx.addIssue({ code: 'custom', message: 'one of webhook_url or webhook_url_file must be configured' });
    else if (c.webhook_url && c.webhook_url_file) ctx.addIssue({ code: 'custom', message: 'at most one of webhook_url & webhook_url_file must be configured' });
  });

const victoropsConfig = z
  .strictObject({
    ...notifier,
    api_key: str.optional(),
    api_key_file: str.optional(),
    api_url: amUrl.optional(),
    routing_key: str.default(''),
    message_type: str.optional(),
    state_message: str.optional(),
    entity_display_name: str.optional(),
    monitoring_tool: str.optional(),
    custom_fields: z.record(z.string(), str).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.routing_key === '') ctx.addIssue({ code: 'custom', message: 'missing Routing key in VictorOps config' });
    else if (c.api_key && c.api_key_file) ctx.addIssue({ code: 'custom', message: 'at most one of api_key & api_key_file must be configured' });
    for (const k of Object.keys(c.custom_fields ?? {}))
      if (['routing_key', 'message_type', 'state_message', 'entity_display_name', 'monitoring_tool', 'entity_id', 'entity_state'].includes(k))
        ctx.addIssue({ code: 'custom', message: `victorOps config contains custom field ${k} which cannot be used as it conflicts with the fixed/static fields` });
  });

const wechatConfig = z
  .strictObject({
    ...notifier,
    api_secret: str.optional(),
    corp_id: str.optional(),
    message: str.optional(),
    api_url: amUrl.optional(),
    to_user: str.optional(),
    to_party: str.optional(),
    to_tag: str.optional(),
    agent_id: str.optional(),
    message_type: str.default('text'),
  })
  .superRefine((c, ctx) => {
    if (!/^(text|markdown)$/.test(c.message_type)) ctx.addIssue({ code: 'custom', message: `weChat message type ${JSON.stringify(c.message_type)} does not match valid options ^(text|markdown)$` });
  });

const snsConfig = z
  .strictObject({
    ...notifier,
    api_url: str.optional(),
    sigv4: z.strictObject({ region: str.optional(), access_key: str.optional(), secret_key: str.optional(), profile: str.optional(), role_arn: str.optional() }).optional(),
    topic_arn: str.optional(),
    phone_number: str.optional(),
    target_arn: str.optional(),
    subject: str.optional(),
    message: str.optional(),
    attributes: z.record(z.string(), str).optional(),
  })
  .superRefine((c, ctx) => {
    if (!c.topic_arn && !c.target_arn && !c.phone_number) ctx.addIssue({ code: 'custom', message: 'must provide either a Target ARN, Topic ARN, or Phone Number for SNS config' });
  });

const webexConfig = z
  .strictObject({ ...notifier, api_url: amUrl.optional(), message: str.optional(), room_id: str.default('') })
  .superRefine((c, ctx) => {
    if (c.room_id === '') ctx.addIssue({ code: 'custom', message: 'missing room_id on webex_config' });
    else if (!c.http_config?.authorization?.credentials && !c.http_config?.authorization?.credentials_file)
      ctx.addIssue({ code: 'custom', message: 'missing webex_configs.http_config.authorization' });
  });

const receiver = z
  .strictObject({
    name: str.default(''),
    discord_configs: z.array(discordConfig).default([]),
    email_configs: z.array(emailConfig).default([]),
    pagerduty_configs: z.array(pagerdutyConfig).default([]),
    slack_configs: z.array(slackConfig).default([]),
    webhook_configs: z.array(webhookConfig).default([]),
    opsgenie_configs: z.array(opsgenieConfig).default([]),
    wechat_configs: z.array(wechatConfig).default([]),
    pushover_configs: z.array(pushoverConfig).default([]),
    victorops_configs: z.array(victoropsConfig).default([]),
    sns_configs: z.array(snsConfig).default([]),
    telegram_configs: z.array(telegramConfig).default([]),
    webex_configs: z.array(webexConfig).default([]),
    msteams_configs: z.array(msteamsConfig).default([]),
  })
  .superRefine((r, ctx) => {
    if (r.name === '') ctx.addIssue({ code: 'custom', path: ['name'], message: 'missing name in receiver' });
  });
export type ReceiverConfig = z.output<typeof receiver>;
export type WebhookConfig = z.output<typeof webhookConfig>;
export type EmailConfig = z.output<typeof emailConfig>;
export type SlackConfig = z.output<typeof slackConfig>;
export type PagerdutyConfig = z.output<typeof pagerdutyConfig>;
export type OpsgenieConfig = z.output<typeof opsgenieConfig>;
export type DiscordConfig = z.output<typeof discordConfig>;
export type TelegramConfig = z.output<typeof telegramConfig>;
export type PushoverConfig = z.output<typeof pushoverConfig>;
export type MsteamsConfig = z.output<typeof msteamsConfig>;

export const globalSchema = z.strictObject({
  resolve_timeout: amDuration.default(5 * 60_000),
  http_config: httpConfig.optional(),
  smtp_from: str.default(''),
  smtp_hello: str.default('localhost'),
  smtp_smarthost: hostPort.default(''),
  smtp_auth_username: str.default(''),
  smtp_auth_password: str.default(''),
  smtp_auth_password_file: str.default(''),
  smtp_auth_secret: str.default(''),
  smtp_auth_identity: str.default(''),
  smtp_require_tls: z.boolean().default(true),
  slack_api_url: amUrl.optional(),
  slack_api_url_file: str.optional(),
  pagerduty_url: amUrl.default('https://events.pagerduty.com/v2/enqueue'),
  opsgenie_api_url: amUrl.default('https://api.opsgenie.com/'),
  opsgenie_api_key: str.default(''),
  opsgenie_api_key_file: str.default(''),
  wechat_api_url: amUrl.default('https://qyapi.weixin.qq.com/cgi-bin/'),
  wechat_api_secret: str.default(''),
  wechat_api_corp_id: str.default(''),
  victorops_api_url: amUrl.default('https://alert.victorops.com/integrations/generic/20131114/alert/'),
  victorops_api_key: str.default(''),
  victorops_api_key_file: str.default(''),
  telegram_api_url: amUrl.default('https://api.telegram.org'),
  webex_api_url: amUrl.default('https://webexapis.com/v1/messages'),
});
export type GlobalConfig = z.output<typeof globalSchema>;

export const alertmanagerConfigSchema = z.strictObject({
  global: globalSchema.prefault({}),
  route: routeSchema.optional(),
  inhibit_rules: z.array(inhibitRule).default([]),
  receivers: z.array(receiver).default([]),
  templates: z.array(str).default([]),
  mute_time_intervals: z.array(namedTimeInterval('mute time interval')).default([]),
  time_intervals: z.array(namedTimeInterval('time interval')).default([]),
});
export type AlertmanagerConfigInput = z.output<typeof alertmanagerConfigSchema>;
