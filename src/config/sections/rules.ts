import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { durationMs } from '../zod-helpers.js';

/**
 * Rule evaluation and alert notification (Prometheus's `--rules.*`, `--alertmanager.*` and `--web.external-url`
 * flags). The rule files and Alertmanagers themselves come from prometheus.yml (`rule_files`, `alerting`).
 */
export const rulesSection = lazySchema(() => z.strictObject({
  alert: z
    .strictObject({
      /** Longest outage after which `for` state is still restored from `ALERTS_FOR_STATE`. */
      for_outage_tolerance: durationMs.default(3600_000),
      /** Minimum time left before a restored alert may fire. */
      for_grace_period: durationMs.default(600_000),
      /** Firing alerts are re-sent to Alertmanager this often. */
      resend_delay: durationMs.default(60_000),
    })
    .prefault({}),
  /** Alerts waiting for Alertmanager; the oldest are dropped beyond this. */
  notification_queue_capacity: z.number().int().positive().default(10_000),
  /** The URL Prometheus is reached at (alert `generatorURL`, `$externalURL`); default `http://HOSTNAME:PORT`. */
  external_url: z.string().default(''),
}));

export type RulesConfig = z.output<typeof rulesSection>;
