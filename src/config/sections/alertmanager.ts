import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { durationMs, listenAddress } from '../zod-helpers.js';
import { listenerSecurityFields } from './web-config.js';

/**
 * The built-in Alertmanager (9093). Its routing, receivers and inhibition come from an unchanged `alertmanager.yml`
 * (`config_file`, or `--alertmanager.config FILE`) or the same YAML inline under `config`; with neither, every alert
 * goes to one receiver without integrations (visible in the API, notifying nobody).
 */
export const alertmanagerSection = lazySchema(() => z.strictObject({
  listen_address: listenAddress.default('127.0.0.1:9093'),
  ...listenerSecurityFields,
  config_file: z.string().optional(),
  /** alertmanager.yml inline (same schema, validated when the component starts). */
  config: z.record(z.string(), z.unknown()).optional(),
  /** The URL users reach Alertmanager at (Alertmanager's `--web.external-url`), used in notifications. */
  external_url: z.string().optional(),
  /** How long resolved alerts, expired silences and notification-log entries are kept (`--data.retention`). */
  data_retention: durationMs.default(120 * 3600_000),
  /** How often silences and the notification log are snapshotted and garbage-collected. */
  maintenance_interval: durationMs.default(15 * 60_000),
  /** fsync the state log at most this often (every write is flushed to the OS before it is acknowledged). */
  wal_fsync_interval: durationMs.default(1000),
  /** Where `pushover_configs` send (fixed to Pushover's API in Alertmanager; move it to a relay or a stand-in). */
  pushover_api_url: z.url().default('https://api.pushover.net/1/messages.json'),
  /** `--web.get-concurrency`: concurrent GET requests allowed (0: the number of CPUs, at least 8); more get 503. */
  web_get_concurrency: z.number().int().default(0),
  /** `--web.timeout`: a request not answered in this time gets 503 (0: no timeout). */
  web_timeout: durationMs.default(0),
}));

export type AlertmanagerSection = z.output<typeof alertmanagerSection>;
