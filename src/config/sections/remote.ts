import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { tenantOverridesSchema } from './remote-limits.js';
import { byteSize } from '../zod-helpers.js';

/**
 * The remote-write receiver of the Mimir role (`/api/v1/push` on 8080, `/api/v1/write` on the Prometheus port):
 * tenancy, message size, and per-tenant limits with Mimir's names and defaults. The Prometheus port applies
 * `limits`/`overrides` only when `limits` is configured (Prometheus's receiver has none).
 *
 * ```yaml
 * remote:
 *   multitenancy_enabled: true
 *   limits: { ingestion_rate: 50000, ingestion_burst_size: 500000, past_grace_period: 2h }
 *   overrides:
 *     team-a: { max_global_series_per_user: 1000000 }
 * ```
 */
export const remoteSection = lazySchema(() => z.strictObject({
  /** When on, writes must carry `X-Scope-OrgID` (401 otherwise); when off every write goes to `anonymous`. */
  multitenancy_enabled: z.boolean().default(false),
  /** Largest accepted push body, compressed and decompressed (Mimir's `-distributor.max-recv-msg-size`). */
  max_recv_msg_size: byteSize.default(100 * 1024 * 1024),
  /** Accept remote write on the Prometheus port too (`/api/v1/write`, Prometheus's `--web.enable-remote-write-receiver`). */
  prometheus_receiver_enabled: z.boolean().default(true),
  /**
   * Defaults for every tenant, over Mimir's defaults (`mimirTenantLimits`). Kept as written so that the Prometheus
   * port can tell "not configured" (no limits there, as Prometheus) from configured (applied on both ports).
   */
  limits: tenantOverridesSchema.optional(),
  overrides: z.record(z.string(), tenantOverridesSchema).default({}),
}));

export type RemoteConfig = z.output<typeof remoteSection>;
