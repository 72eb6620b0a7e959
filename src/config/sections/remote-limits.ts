import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { durationMs } from '../zod-helpers.js';

/**
 * Per-tenant limits of the write path, named and defaulted as Mimir's `limits` block. Durations in ms.
 * `past_grace_period` 0 disables the "too far in the past" check (Mimir's default); the storage still refuses
 * samples older than its head allows (`AppendError` 'too_old' / 'out_of_bounds').
 */
const limitFields = lazySchema(() => ({
  /** Samples + exemplars + metadata per second, token bucket refill rate. */
  ingestion_rate: z.number().nonnegative(),
  ingestion_burst_size: z.number().int().nonnegative(),
  /** In-memory series per tenant; 0 = unlimited. */
  max_global_series_per_user: z.number().int().nonnegative(),
  max_label_names_per_series: z.number().int().positive(),
  max_label_name_length: z.number().int().positive(),
  max_label_value_length: z.number().int().positive(),
  creation_grace_period: durationMs,
  past_grace_period: durationMs,
  out_of_order_time_window: durationMs,
}));

export const tenantLimitsSchema = lazySchema(() => z.strictObject({
  ingestion_rate: limitFields.ingestion_rate.default(10_000),
  ingestion_burst_size: limitFields.ingestion_burst_size.default(200_000),
  max_global_series_per_user: limitFields.max_global_series_per_user.default(150_000),
  max_label_names_per_series: limitFields.max_label_names_per_series.default(30),
  max_label_name_length: limitFields.max_label_name_length.default(1024),
  max_label_value_length: limitFields.max_label_value_length.default(2048),
  creation_grace_period: limitFields.creation_grace_period.default(10 * 60_000),
  past_grace_period: limitFields.past_grace_period.default(0),
  out_of_order_time_window: limitFields.out_of_order_time_window.default(0),
}));

/** A tenant's overrides: any subset of the limits, no defaults filled in. */
export const tenantOverridesSchema = lazySchema(() => z.strictObject(limitFields).partial());

export type TenantLimits = z.output<typeof tenantLimitsSchema>;

export const DEFAULT_TENANT_LIMITS: TenantLimits = tenantLimitsSchema.parse({});

/**
 * The Prometheus role's receiver (`/api/v1/write` on the Prometheus port) when `remote.limits` is not configured:
 * Prometheus's own receiver has no ingestion rate, series or label-length limit and accepts future timestamps, so
 * none applies (the TSDB head still refuses what it cannot take). `ingestion_rate: Infinity` means "no rate limit".
 */
export const PROMETHEUS_RECEIVER_LIMITS: TenantLimits = {
  ingestion_rate: Number.POSITIVE_INFINITY,
  ingestion_burst_size: Number.POSITIVE_INFINITY,
  max_global_series_per_user: 0,
  max_label_names_per_series: Number.MAX_SAFE_INTEGER,
  max_label_name_length: Number.MAX_SAFE_INTEGER,
  max_label_value_length: Number.MAX_SAFE_INTEGER,
  creation_grace_period: Number.POSITIVE_INFINITY,
  past_grace_period: 0,
  out_of_order_time_window: 0,
};

/** `remote.limits` as written (a subset) over Mimir's defaults. */
export function mimirTenantLimits(configured: Partial<TenantLimits> | undefined): TenantLimits {
  return { ...DEFAULT_TENANT_LIMITS, ...(configured ?? {}) };
}
