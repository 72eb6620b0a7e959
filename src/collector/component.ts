import { createHttpServer, listen, type Component, type ComponentContext } from '../server/index.js';
import type { OtlpSinks } from '../otlp/index.js';
import { loadCollectorConfig } from './config/collector-config.js';
import { listenAddressOf } from './receivers/otlp-receiver.js';
import { buildCollector, planCollector } from './service.js';
import { CollectorMetrics } from './telemetry/collector-metrics.js';

export interface CollectorStartOptions {
  /** The OpenTelemetry Collector configuration file (`--otelcol.config`). */
  configFile: string;
  /** Sightline's stores in this process, for the `sightline` exporter. */
  inProcess?: OtlpSinks;
  env?: NodeJS.ProcessEnv;
}

/**
 * The telemetry collector (`--target collector`): the OpenTelemetry Collector's configuration file, used unchanged,
 * built into receivers → processors → exporters pipelines; its own metrics (`otelcol_*`) on
 * `service.telemetry.metrics.address` (default localhost:8888).
 */
export async function startCollector(ctx: ComponentContext, opts: CollectorStartOptions): Promise<Component> {
  const config = loadCollectorConfig(opts.configFile, opts.env);
  const plan = planCollector(config, opts.configFile);
  const logger = ctx.logger.child({ component: 'collector' });
  const telemetry = new CollectorMetrics();
  const ports: Record<string, number> = {};
  const service = buildCollector(plan, { logger, telemetry, dataDir: ctx.dataDir, inProcess: opts.inProcess, ports });
  await service.start();
  const level = config.service.telemetry?.metrics?.level ?? 'normal';
  let app: ReturnType<typeof createHttpServer> | undefined;
  if (level !== 'none') {
    const address = listenAddressOf(config.service.telemetry?.metrics?.address ?? 'localhost:8888');
    app = createHttpServer({ name: 'otelcol-telemetry', listenAddress: address, logger, registry: telemetry.registry });
    try {
      ports.otelcol_metrics = await listen(app, address);
    } catch (e) {
      await service.shutdown();
      throw e;
    }
  }
  logger.info({ file: opts.configFile, pipelines: plan.pipelines.map((p) => p.id), ports }, 'collector started');
  return {
    name: 'collector',
    ports,
    async stop() {
      await service.shutdown();
      await app?.close();
    },
  };
}
