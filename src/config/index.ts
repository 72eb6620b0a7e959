export { ConfigError } from './errors.js';
export { formatDuration, parseByteSize, parseDuration } from '../lib/duration.js';
export { expandEnv, loadYamlConfig, parseYamlConfig, validate, type LoadOptions } from './load.js';
export { sightlineConfigSchema, type SightlineConfig } from './schema.js';
export type { MetricsConfig } from './sections/metrics.js';
export { byteSize, durationMs, listenAddress, splitHostPort } from './zod-helpers.js';
export { Overrides } from './overrides.js';
export { objectStorageSchema, s3StorageSchema, type ObjectStorageConfig } from './sections/object-storage.js';
export { DEFAULT_TENANT_LIMITS, tenantLimitsSchema, tenantOverridesSchema, type TenantLimits } from './sections/remote-limits.js';
