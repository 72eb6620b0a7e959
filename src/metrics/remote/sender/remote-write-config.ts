import * as z from 'zod';
import { durationMs } from '../../../config/index.js';
import { tlsConfigSchema } from '../../promconfig/index.js';

/**
 * One `remote_write` entry of prometheus.yml, with Prometheus's field names and defaults (2.42). Durations in ms.
 * `write_relabel_configs` are passed through untouched: the caller compiles them with the relabel module and hands
 * the sender a function.
 */
export const queueConfigSchema = z.strictObject({
  capacity: z.number().int().positive().default(2500),
  max_shards: z.number().int().positive().default(200),
  min_shards: z.number().int().positive().default(1),
  max_samples_per_send: z.number().int().positive().default(500),
  batch_send_deadline: durationMs.default(5000),
  min_backoff: durationMs.default(30),
  max_backoff: durationMs.default(5000),
  retry_on_http_429: z.boolean().default(true),
  /** Accepted for compatibility; the sender does not use it. */
  max_retries: z.number().int().optional(),
  sample_age_limit: durationMs.optional(),
});

const secret = z.string();

/** Headers the sender sets itself; Prometheus refuses them in `headers`. */
const RESERVED_HEADERS = new Set(['authorization', 'host', 'content-encoding', 'content-length', 'content-type', 'user-agent', 'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'www-authenticate', 'retry-after', 'x-prometheus-remote-write-version']);

export const remoteWriteConfigSchema = z
  .object({
    url: z.url(),
    name: z.string().optional(),
    remote_timeout: durationMs.default(30_000),
    headers: z.record(z.string(), z.string()).default({}),
    write_relabel_configs: z.array(z.record(z.string(), z.unknown())).default([]),
    /** Prometheus 3's choice of message: remote write 1.0 (default) or 2.0. */
    protobuf_message: z.enum(['prometheus.WriteRequest', 'io.prometheus.write.v2.Request']).default('prometheus.WriteRequest'),
    send_exemplars: z.boolean().default(false),
    send_native_histograms: z.boolean().default(false),
    basic_auth: z.strictObject({ username: z.string().default(''), password: secret.optional(), password_file: z.string().optional() }).optional(),
    authorization: z.strictObject({ type: z.string().default('Bearer'), credentials: secret.optional(), credentials_file: z.string().optional() }).optional(),
    bearer_token: secret.optional(),
    bearer_token_file: z.string().optional(),
    queue_config: queueConfigSchema.prefault({}),
    metadata_config: z.record(z.string(), z.unknown()).optional(),
    tls_config: tlsConfigSchema.optional(),
    proxy_url: z.string().optional(),
    no_proxy: z.string().optional(),
    proxy_connect_header: z.record(z.string(), z.array(z.string())).optional(),
    follow_redirects: z.boolean().optional(),
    enable_http2: z.boolean().optional(),
  })
  .loose()
  .superRefine((c, ctx) => {
    const auths = [c.basic_auth, c.authorization, c.bearer_token ?? c.bearer_token_file].filter((a) => a !== undefined);
    if (auths.length > 1) ctx.addIssue({ code: 'custom', message: 'at most one of basic_auth, authorization and bearer_token may be configured' });
    for (const h of Object.keys(c.headers)) {
      if (RESERVED_HEADERS.has(h.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['headers', h], message: `${h} is a reserved header. It must not be changed` });
    }
    if (c.queue_config.min_shards > c.queue_config.max_shards) ctx.addIssue({ code: 'custom', path: ['queue_config', 'min_shards'], message: 'min_shards must not exceed max_shards' });
  });

export type RemoteWriteConfig = z.output<typeof remoteWriteConfigSchema>;
export type QueueConfig = z.output<typeof queueConfigSchema>;
