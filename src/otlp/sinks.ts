import type { Appendable } from '../metrics/storage-api/index.js';
import type { ComponentContext } from '../server/index.js';
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

/** The stores the OTLP receivers hand data to; a signal without a sink answers 503 / UNAVAILABLE. */
export interface OtlpSinks {
  traces?: TracesConsumer;
  metrics?: Appendable;
  logs?: LogsPushTarget;
}

const registry = new WeakMap<object, OtlpSinks>();

/**
 * Components of one process register their stores here (the trace store, the metrics store, the log store); the
 * OTLP receivers look them up per request, so the start order of components does not matter.
 */
export function registerOtlpSinks(ctx: ComponentContext, sinks: OtlpSinks): void {
  const cur = registry.get(ctx) ?? {};
  registry.set(ctx, { ...cur, ...sinks });
}

export function unregisterOtlpSink(ctx: ComponentContext, signal: keyof OtlpSinks): void {
  const cur = registry.get(ctx);
  if (cur) delete cur[signal];
}

export function otlpSinks(ctx: ComponentContext): OtlpSinks {
  return registry.get(ctx) ?? {};
}
