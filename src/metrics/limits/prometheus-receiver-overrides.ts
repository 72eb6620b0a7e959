import { Overrides, PROMETHEUS_RECEIVER_LIMITS, mimirTenantLimits, type RemoteConfig, type TenantLimits } from '../../config/index.js';

/**
 * The limits of the Prometheus role's receiver (`/api/v1/write` on the Prometheus port). Prometheus's receiver has
 * no ingestion limits, so none apply unless configured: when `remote.limits` is set, or `remote.overrides` names the
 * receiver's tenant, the same limits as on the Mimir port apply (Mimir's defaults under what is configured).
 */
export function prometheusReceiverOverrides(remote: Pick<RemoteConfig, 'limits' | 'overrides'>, tenant: string): Overrides<TenantLimits> {
  if (remote.limits === undefined && remote.overrides[tenant] === undefined) return new Overrides(PROMETHEUS_RECEIVER_LIMITS);
  return new Overrides(mimirTenantLimits(remote.limits), remote.overrides);
}
