import type { Appendable } from '../metrics/storage-api/index.js';
import type { ExportTraceServiceRequest } from './proto/types.js';
import type { LogsPushTarget } from './translate/logs-to-loki.js';

/** The outcome of handing data to a store: how much it refused (partial success) and why. */
export interface PushOutcome {
  rejected: number;
  message: string;
}

/**
 * Where OTLP traces go (the trace store's distributor). Resolves once the accepted spans are durable; throws
 * `HttpError` to refuse the whole request (400 invalid, 429 over the tenant's limits, 503 unavailable).
 */
export interface TracesConsumer {
  pushTraces(tenant: string, req: ExportTraceServiceRequest): Promise<PushOutcome>;
}

/**
 * The stores the OTLP receivers hand data to, passed by whoever starts them (the CLI: the stores of the same
 * process). A signal without a sink goes to its configured forwarder, or answers 503 / UNAVAILABLE.
 */
export interface OtlpSinks {
  traces?: TracesConsumer;
  metrics?: Appendable;
  /**
   * The tenant's own metrics store (Mimir's per-tenant TSDB). With `otlp.multitenancy_enabled`, metrics go there,
   * never into the shared single-tenant `metrics` store, which any reader of the Prometheus API would see.
   */
  metricsForTenant?: (tenant: string) => Promise<Appendable>;
  logs?: LogsPushTarget;
}
