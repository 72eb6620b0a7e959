import type { Component, ComponentContext } from '../server/index.js';
import { createHttpServer, listen } from '../server/index.js';

/** The Prometheus role: the HTTP API listener (9090). */
export async function startMetrics(ctx: ComponentContext): Promise<Component> {
  const cfg = ctx.config.metrics;
  const app = createHttpServer({ name: 'metrics', listenAddress: cfg.listen_address, logger: ctx.logger, registry: ctx.registry });
  const port = await listen(app, cfg.listen_address);
  ctx.logger.info({ component: 'metrics', address: cfg.listen_address, port }, 'Prometheus API listening');
  return {
    name: 'metrics',
    ports: { prometheus: port },
    async stop() {
      await app.close();
    },
  };
}
