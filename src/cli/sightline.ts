import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { SightlineConfig } from '../config/index.js';
import { startAgent } from '../agent/index.js';
import { startLogs } from '../logs/index.js';
import { startMetrics } from '../metrics/index.js';
import { startMimir } from '../metrics/mimir/index.js';
import { startOtlp } from '../otlp/index.js';
import { startTraces } from '../traces/index.js';
import { startUi } from '../ui/index.js';
import { createSelfMetricsRegistry, type Component, type ComponentContext } from '../server/index.js';
import type { Target } from './args.js';

export interface StartOptions {
  config: SightlineConfig;
  dataDir: string;
  target: Target;
  logger: Logger;
}

export interface RunningSightline {
  readonly components: readonly Component[];
  /** Bound ports of every listener, e.g. `{ prometheus: 9090 }`. */
  readonly ports: Record<string, number>;
  stop(): Promise<void>;
}

const STARTERS: Record<Exclude<Target, 'all'>, (ctx: ComponentContext) => Promise<Component>> = {
  metrics: startMetrics,
  mimir: startMimir,
  logs: startLogs,
  traces: (ctx) => startTraces(ctx),
  // Last: the receivers hand data to the stores started before them.
  otlp: startOtlp,
  ui: startUi,
  // After the stores: in the single process it ships into the Loki role started above.
  agent: startAgent,
};

/** Start the components of a target in one process. Stops in reverse order. */
export async function startSightline(opts: StartOptions): Promise<RunningSightline> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const bound: Record<string, number> = {};
  const ctx: ComponentContext = { config: opts.config, dataDir, logger: opts.logger, registry: createSelfMetricsRegistry(), ports: bound };
  const names = opts.target === 'all' ? (Object.keys(STARTERS) as Exclude<Target, 'all'>[]) : [opts.target];
  const components: Component[] = [];
  try {
    for (const n of names) {
      const c = await STARTERS[n](ctx);
      components.push(c);
      Object.assign(bound, c.ports);
    }
  } catch (e) {
    for (const c of components.reverse()) await c.stop().catch(() => {});
    throw e;
  }
  const ports = Object.assign({}, ...components.map((c) => c.ports)) as Record<string, number>;
  let stopping: Promise<void> | undefined;
  return {
    components,
    ports,
    stop() {
      stopping ??= (async () => {
        for (const c of [...components].reverse()) {
          try {
            await c.stop();
          } catch (e) {
            opts.logger.error({ err: e, component: c.name }, 'error while stopping');
          }
        }
      })();
      return stopping;
    },
  };
}
