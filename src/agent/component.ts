import { hostname } from 'node:os';
import { compactHeap, startIdleHeapCompaction } from '../lib/heap-compaction.js';
import type { Component, ComponentContext } from '../server/index.js';
import { Agent } from './agent.js';
import { loadPromtailHelmValues } from './config/helm-values.js';
import { loadPromtailConfig } from './config/load.js';
import { NOT_READY_BODY, READY_BODY, agentRoutes } from './web/pages.js';
import { AgentServer } from './web/server.js';
import { clientSchema, type PromtailConfig } from './config/promtail-schema.js';

/**
 * The log agent role (`--target agent`, or inside the single process when a promtail.yaml is configured): Promtail's
 * job with its configuration unchanged, self-monitoring on `server.http_listen_port` (`/metrics`, `/ready`,
 * `/targets`, `/service-discovery`). In the single process a config without clients ships into the Loki role started
 * before it.
 */
export interface StartAgentOptions {
  /**
   * The process runs the agent alone (`--target agent`): once a burst of reading is over and the process idles,
   * compact the heap and drop the kept buffers (`startIdleHeapCompaction`), for a small resident set on every node.
   */
  compactWhenIdle?: boolean;
}

export async function startAgent(ctx: ComponentContext, opts: StartAgentOptions = {}): Promise<Component> {
  const section = ctx.config.agent;
  const configFile = section.promtail_config_file ?? section.promtail_helm_values_file;
  if (configFile === undefined) {
    return { name: 'agent', ports: {}, stop: async () => {} };
  }
  const config: PromtailConfig = section.promtail_config_file
    ? loadPromtailConfig(section.promtail_config_file, { expandEnv: section.promtail_config_expand_env })
    : loadPromtailHelmValues(configFile);
  // promtail.yaml's `server.log_level` sets the agent's level, as Promtail's does; unset, the process's level stays.
  const level = config.server.log_level;
  const logger = ctx.logger.child({ component: 'agent' }, level === undefined ? {} : { level });
  if (config.clients.length === 0 && ctx.ports?.loki !== undefined) {
    config.clients.push(clientSchema.parse({ url: `http://127.0.0.1:${ctx.ports.loki}/loki/api/v1/push` }));
  }
  if (config.clients.length === 0) logger.warn('no clients configured: lines are read but not shipped');
  const agent = new Agent({ config, configFile, registry: ctx.registry, logger, hostname: process.env.HOSTNAME ?? hostname() });
  let ready = false;
  const ports: Record<string, number> = {};
  let app: AgentServer | undefined;
  if (!config.server.disable) {
    app = new AgentServer({
      name: 'agent',
      registry: ctx.registry,
      readyProbe: () => (ready && agent.isReady() ? { status: 200, body: READY_BODY } : { status: 500, body: NOT_READY_BODY }),
      routes: agentRoutes(agent),
    });
    const addr = section.listen_address ?? `${config.server.http_listen_address === '' ? '0.0.0.0' : config.server.http_listen_address}:${config.server.http_listen_port}`;
    ports.agent = await app.listen(addr);
    logger.info({ address: addr, port: ports.agent }, 'agent server listening');
  }
  await agent.start();
  let compaction: { stop(): void } | undefined;
  if (opts.compactWhenIdle) {
    // The start-up burst (configuration, schemas, discovery) is over: its pages go back at once.
    compactHeap();
    compaction = startIdleHeapCompaction({
      beforeCompact: () => agent.releaseIdleBuffers(),
      onCompacted: (before, after) => logger.debug({ beforeBytes: before, afterBytes: after }, 'idle: heap compacted'),
    });
  }
  ready = true;
  logger.info({ positions: config.positions.filename, clients: config.clients.map((c) => c.url), jobs: config.scrape_configs.map((s) => s.job_name) }, 'log agent started');
  return {
    name: 'agent',
    ports,
    async stop() {
      ready = false;
      compaction?.stop();
      await agent.stop();
      await app?.close();
    },
  };
}
