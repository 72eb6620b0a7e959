export { TenantTokenBuckets as IngestionRateLimiter } from '../../lib/token-bucket.js';
export { SeriesTracker } from './series-tracker.js';
export { DEFAULT_TENANT_LIMITS, PROMETHEUS_RECEIVER_LIMITS, mimirTenantLimits, Overrides, tenantLimitsSchema, tenantOverridesSchema, type TenantLimits } from '../../config/index.js';
export {
  appendErrorFailure,
  ingestionRateLimitedMessage,
  invalidLabelValueFailure,
  rawLabelsString,
  seriesLimitMessage,
  validateSampleTime,
  validateSeriesLabels,
  type ValidationFailure,
} from './validation.js';
export { prometheusReceiverOverrides } from './prometheus-receiver-overrides.js';
