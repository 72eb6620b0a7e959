import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { durationMs } from '../zod-helpers.js';

/**
 * Loki's `ruler` block, under `logs.ruler`: LogQL alerting and recording rules per tenant, read from a local
 * directory (`<directory>/<tenant>/<namespace>.yaml`, Loki's `storage.type: local`), evaluated every
 * `evaluation_interval`, re-read every `poll_interval`, alerts to `alertmanager_url`, recording-rule results
 * remote-written when `remote_write.enabled` (else discarded, as Loki does).
 *
 * ```yaml
 * logs:
 *   ruler:
 *     storage: { type: local, local: { directory: /etc/loki/rules } }
 *     alertmanager_url: http://alertmanager:9093
 *     remote_write: { enabled: true, client: { url: http://mimir:9009/api/v1/push } }
 * ```
 */
export const lokiRulerSection = lazySchema(() => z.strictObject({
  storage: z
    .strictObject({
      type: z.literal('local').default('local'),
      local: z.strictObject({ directory: z.string().default('') }).prefault({}),
    })
    .prefault({}),
  /** Loki's scratch directory for rule files; accepted, unused (rules are read in place). */
  rule_path: z.string().optional(),
  /** Comma-separated Alertmanager URLs (Loki's `alertmanager_url`); alerts are not sent when empty. */
  alertmanager_url: z.string().default(''),
  /** The URL alerts link back to (`generatorURL`). */
  external_url: z.string().default(''),
  external_labels: z.record(z.string(), z.string()).default({}),
  evaluation_interval: durationMs.default(60_000),
  poll_interval: durationMs.default(60_000),
  /** Loki's `for_outage_tolerance`: longest outage after which alerts' `for` progress is still restored. */
  for_outage_tolerance: durationMs.default(3600_000),
  /** Loki's `for_grace_period`: minimum time left before a restored alert may fire (rules with a shorter `for` are not restored). */
  for_grace_period: durationMs.default(600_000),
  /** Loki's `resend_delay`: firing alerts are re-sent this often. */
  resend_delay: durationMs.default(60_000),
  /** Loki's `enable_api`: `/loki/api/v1/rules`, `/prometheus/api/v1/rules` and `/prometheus/api/v1/alerts`. */
  enable_api: z.boolean().default(true),
  remote_write: z
    .strictObject({
      enabled: z.boolean().default(false),
      client: z.strictObject({ url: z.string().default(''), headers: z.record(z.string(), z.string()).default({}) }).prefault({}),
    })
    .prefault({})
    .refine((r) => !r.enabled || r.client.url !== '', { message: 'remote_write.enabled needs remote_write.client.url', path: ['client', 'url'] }),
}));

export type LokiRulerConfig = z.output<typeof lokiRulerSection>;
