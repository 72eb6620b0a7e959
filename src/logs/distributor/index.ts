/** The logs distributor: validation and per-tenant limits between the adapters and the ingester, with Loki's rules and messages. */
export { Distributor } from './distributor.js';
export { InvalidEntriesError, PushRejectedError, RateLimitedError, StreamLimitError } from './errors.js';
export { createDistributorMetrics, type DistributorMetrics } from './metrics.js';
