import * as z from 'zod';
import { lazySchema } from '../../config/index.js';
import { fileSdConfigSchema, kubernetesSdConfigSchema, relabelConfigSchema } from '../../metrics/promconfig/index.js';
import { stageSchema } from '../pipeline/stage-config.js';
import { goDuration } from './go-duration.js';

/**
 * promtail.yaml as Promtail 2.9/3.x reads it, with Promtail's defaults, unknown keys refused at their path.
 * Durations are milliseconds. Sections Sightline accepts but does not run (syslog, windows_events, ...) are listed
 * in `UNSUPPORTED_SCRAPE` and logged at start.
 */

const text = lazySchema(() => z.preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), z.string()));
const labelNameRe = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const labelSet = lazySchema(() => z.record(z.string(), text).superRefine((obj, ctx) => {
  for (const k of Object.keys(obj)) if (!labelNameRe.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: `${JSON.stringify(k)} is not a valid label name` });
}));
/** A byte size: a number of bytes or `256KB`/`1MiB`. */
const bytes = lazySchema(() => z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB|k|m|g)?$/i.exec(v.trim());
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `not a valid byte size: ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  const u = (m[2] ?? 'b').toLowerCase();
  const mult: Record<string, number> = { b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };
  return Math.floor(Number(m[1]) * mult[u]);
}));

const tlsConfig = lazySchema(() => z.strictObject({
  ca_file: z.string().optional(),
  cert_file: z.string().optional(),
  key_file: z.string().optional(),
  server_name: z.string().optional(),
  insecure_skip_verify: z.boolean().default(false),
  min_version: z.string().optional(),
}));

export const serverSchema = lazySchema(() => z.strictObject({
  disable: z.boolean().default(false),
  http_listen_network: z.string().default('tcp'),
  http_listen_address: z.string().default(''),
  http_listen_port: z.number().int().min(0).max(65535).default(80),
  http_listen_conn_limit: z.number().int().nonnegative().optional(),
  grpc_listen_network: z.string().optional(),
  grpc_listen_address: z.string().default(''),
  grpc_listen_port: z.number().int().min(0).max(65535).default(9095),
  grpc_listen_conn_limit: z.number().int().nonnegative().optional(),
  register_instrumentation: z.boolean().default(true),
  graceful_shutdown_timeout: goDuration.default(30_000),
  http_server_read_timeout: goDuration.optional(),
  http_server_write_timeout: goDuration.optional(),
  http_server_idle_timeout: goDuration.optional(),
  grpc_server_max_recv_msg_size: z.number().int().optional(),
  grpc_server_max_send_msg_size: z.number().int().optional(),
  grpc_server_max_concurrent_streams: z.number().int().optional(),
  // Unset: the agent logs at the process's level (sightline.yaml's `server.log_level`, `--log.level`; info by default).
  log_level: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  log_format: z.enum(['logfmt', 'json']).default('logfmt'),
  http_path_prefix: z.string().default(''),
  health_check_target: z.boolean().optional(),
  enable_runtime_reload: z.boolean().default(false),
  profiling_enabled: z.boolean().optional(),
}));

export const positionsSchema = lazySchema(() => z.strictObject({
  filename: z.string().default('/var/log/positions.yaml'),
  sync_period: goDuration.default(10_000),
  ignore_invalid_yaml: z.boolean().default(false),
  readonly: z.boolean().default(false),
}));

const backoffSchema = lazySchema(() => z.strictObject({
  min_period: goDuration.default(500),
  max_period: goDuration.default(300_000),
  max_retries: z.number().int().nonnegative().default(10),
}));

export const clientSchema = lazySchema(() => z
  .strictObject({
    url: z.string().url('url must be a valid URL'),
    name: z.string().optional(),
    headers: z.record(z.string(), text).default({}),
    tenant_id: z.string().default(''),
    batchwait: goDuration.default(1000),
    batchsize: z.number().int().positive().default(1024 * 1024),
    basic_auth: z
      .strictObject({ username: text.default(''), password: text.optional(), password_file: z.string().optional() })
      .refine((b) => b.password === undefined || b.password_file === undefined, 'at most one of basic_auth password & password_file must be configured')
      .optional(),
    authorization: z.strictObject({ type: z.string().default('Bearer'), credentials: text.optional(), credentials_file: z.string().optional() }).optional(),
    bearer_token: z.string().optional(),
    bearer_token_file: z.string().optional(),
    proxy_url: z.string().optional(),
    tls_config: tlsConfig.optional(),
    follow_redirects: z.boolean().default(true),
    enable_http2: z.boolean().default(true),
    backoff_config: backoffSchema.prefault({}),
    drop_rate_limited_batches: z.boolean().default(false),
    external_labels: labelSet.default({}),
    timeout: goDuration.default(10_000),
  })
  .superRefine((c, ctx) => {
    const auth = [c.basic_auth, c.authorization, c.bearer_token ?? c.bearer_token_file].filter((x) => x !== undefined).length;
    if (auth > 1) ctx.addIssue({ code: 'custom', message: 'at most one of basic_auth, authorization, bearer_token & bearer_token_file must be configured' });
  }));

const staticConfigSchema = lazySchema(() => z.strictObject({
  targets: z.array(text).nullable().default([]),
  labels: labelSet.nullable().default({}),
}));

const journalSchema = lazySchema(() => z.strictObject({
  max_age: goDuration.default(7 * 3600_000),
  json: z.boolean().default(false),
  labels: labelSet.default({}),
  path: z.string().optional(),
  matches: z.string().optional(),
}));

const pushApiSchema = lazySchema(() => z.strictObject({
  server: serverSchema.prefault({}),
  labels: labelSet.default({}),
  use_incoming_timestamp: z.boolean().default(false),
}));

/** Receivers Promtail has and Sightline accepts in a config without running (a warning at start). */
export const UNSUPPORTED_SCRAPE = [
  'syslog', 'gcplog', 'windows_events', 'kafka', 'gelf', 'cloudflare', 'heroku_drain', 'azure_event_hubs',
  'docker_sd_configs', 'consul_sd_configs', 'consulagent_sd_configs', 'dns_sd_configs', 'ec2_sd_configs', 'gce_sd_configs',
] as const;

export const scrapeConfigSchema = lazySchema(() => z
  .strictObject({
    job_name: z.string().min(1, 'job_name is required'),
    pipeline_stages: z.array(stageSchema).nullable().default([]),
    encoding: z.string().optional(),
    decompression: z
      .strictObject({ enabled: z.boolean().default(false), initial_delay: goDuration.default(0), format: z.enum(['gz', 'z', 'bz2', 'zip']).optional() })
      .optional(),
    static_configs: z.array(staticConfigSchema).default([]),
    file_sd_configs: z.array(fileSdConfigSchema).default([]),
    kubernetes_sd_configs: z.array(kubernetesSdConfigSchema).default([]),
    relabel_configs: z.array(relabelConfigSchema).nullable().default([]),
    journal: journalSchema.optional(),
    loki_push_api: pushApiSchema.optional(),
    ...(Object.fromEntries(UNSUPPORTED_SCRAPE.map((k) => [k, z.unknown().optional()])) as Record<(typeof UNSUPPORTED_SCRAPE)[number], z.ZodOptional<z.ZodUnknown>>),
  })
  .transform((s) => ({ ...s, pipeline_stages: s.pipeline_stages ?? [], relabel_configs: s.relabel_configs ?? [] })));

export const limitsSchema = lazySchema(() => z.strictObject({
  readline_rate_enabled: z.boolean().default(false),
  readline_rate: z.number().positive().default(10_000),
  readline_burst: z.number().int().positive().default(10_000),
  readline_rate_drop: z.boolean().default(true),
  max_streams: z.number().int().nonnegative().default(0),
  max_line_size: bytes.default(0),
  max_line_size_truncate: z.boolean().default(false),
}));

export const promtailConfigSchema = lazySchema(() => z
  .strictObject({
    server: serverSchema.nullable().prefault({}),
    positions: positionsSchema.nullable().prefault({}),
    clients: z.array(clientSchema).nullable().default([]),
    /** Promtail's deprecated single client. */
    client: clientSchema.optional(),
    scrape_configs: z.array(scrapeConfigSchema).nullable().default([]),
    limits_config: limitsSchema.nullable().prefault({}),
    target_config: z.strictObject({ sync_period: goDuration.default(10_000), stdin: z.boolean().optional() }).nullable().prefault({}),
    global: z
      .strictObject({
        file_watch_config: z.strictObject({ min_poll_frequency: goDuration.default(250), max_poll_frequency: goDuration.default(250) }).prefault({}),
      })
      .nullable()
      .prefault({}),
    options: z.strictObject({ stream_lag_labels: z.array(z.string()).optional() }).nullable().optional(),
    tracing: z.strictObject({ enabled: z.boolean().default(false) }).nullable().optional(),
    wal: z.strictObject({ enabled: z.boolean().default(false), dir: z.string().optional(), max_segment_age: goDuration.optional() }).nullable().optional(),
  })
  .transform((c) => {
    const clients = [...(c.clients ?? [])];
    if (c.client) clients.push(c.client);
    return {
      server: c.server ?? serverSchema.parse({}),
      positions: c.positions ?? positionsSchema.parse({}),
      clients,
      scrape_configs: c.scrape_configs ?? [],
      limits_config: c.limits_config ?? limitsSchema.parse({}),
      target_config: c.target_config ?? { sync_period: 10_000 },
      global: c.global ?? { file_watch_config: { min_poll_frequency: 250, max_poll_frequency: 250 } },
    };
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.scrape_configs.forEach((s, i) => {
      if (seen.has(s.job_name)) ctx.addIssue({ code: 'custom', path: ['scrape_configs', i, 'job_name'], message: `found multiple scrape configs with job name ${JSON.stringify(s.job_name)}` });
      seen.add(s.job_name);
    });
  }));

export type PromtailConfig = z.output<typeof promtailConfigSchema>;
export type PromtailScrapeConfig = PromtailConfig['scrape_configs'][number];
export type PromtailClientConfig = PromtailConfig['clients'][number];
export type PromtailLimits = PromtailConfig['limits_config'];
