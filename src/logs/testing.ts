import { sightlineConfigSchema } from '../config/index.js';
import { createSelfMetricsRegistry, silentLogger, type Component } from '../server/index.js';
import { startLogs, type LogsDeps } from './component.js';
import type { LogqlEngine, LogqlQueries } from './logql/index.js';

export interface RunningLogs {
  component: Component & { engine: LogqlEngine; queries: LogqlQueries };
  base: string;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

/** Start the logs component in-process on a free port (tests and benches). */
export async function startLogsForTest(dataDir: string, logs: Record<string, unknown> = {}, deps: LogsDeps = {}): Promise<RunningLogs> {
  const config = sightlineConfigSchema.parse({ logs: { listen_address: '127.0.0.1:0', ...logs } });
  const registry = createSelfMetricsRegistry();
  const component = await startLogs({ config, dataDir, logger: silentLogger(), registry }, deps);
  return {
    component,
    base: `http://127.0.0.1:${component.ports.loki}`,
    metrics: () => registry.metrics(),
    stop: () => component.stop(),
  };
}
