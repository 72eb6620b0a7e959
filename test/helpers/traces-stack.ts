import { sightlineConfigSchema } from '../../src/config/index.js';
import { createSelfMetricsRegistry, silentLogger, type Component, type ComponentContext } from '../../src/server/index.js';
import { startOtlp, type OtlpSinks } from '../../src/otlp/index.js';
import { startTraces } from '../../src/traces/index.js';
import { tempDir } from './process.js';

export interface TracesStack {
  ctx: ComponentContext;
  tempo: string;
  zipkin: string;
  jaeger: string;
  otlpHttp: string;
  otlpGrpc: string;
  components: Component[];
  stop(): Promise<void>;
}

/** The traces and OTLP components in this process on port 0, with optional extra sinks (metrics, logs). */
export async function startTracesStack(opts: { dataDir?: string; config?: Record<string, unknown>; sinks?: OtlpSinks } = {}): Promise<TracesStack> {
  const cfgIn = opts.config ?? {};
  const config = sightlineConfigSchema.parse({
    ...cfgIn,
    traces: { listen_address: '127.0.0.1:0', zipkin: { listen_address: '127.0.0.1:0' }, jaeger: { listen_address: '127.0.0.1:0' }, ...(cfgIn.traces as object) },
    otlp: { grpc_listen_address: '127.0.0.1:0', http_listen_address: '127.0.0.1:0', ...(cfgIn.otlp as object) },
  });
  const ctx: ComponentContext = { config, dataDir: opts.dataDir ?? tempDir('sightline-traces-'), logger: silentLogger(), registry: createSelfMetricsRegistry() };
  const traces = await startTraces(ctx, { metrics: opts.sinks?.metrics });
  const otlp = await startOtlp(ctx, { traces: traces.traces, ...opts.sinks });
  return {
    ctx,
    tempo: `http://127.0.0.1:${traces.ports.tempo}`,
    zipkin: `http://127.0.0.1:${traces.ports.zipkin}`,
    jaeger: `http://127.0.0.1:${traces.ports.jaeger}`,
    otlpHttp: `http://127.0.0.1:${otlp.ports.otlp_http}`,
    otlpGrpc: `http://127.0.0.1:${otlp.ports.otlp_grpc}`,
    components: [traces, otlp],
    async stop() {
      await otlp.stop();
      await traces.stop();
    },
  };
}
