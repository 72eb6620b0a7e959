import { Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per running instance (not the global one), so several instances can live in one test process. */
export function createSelfMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export { Registry };
