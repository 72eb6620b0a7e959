import { readFileSync } from 'node:fs';
import type { FastifyReply } from 'fastify';
import { join } from 'node:path';
import { version } from '../lib/version.js';
import type { Component, ComponentContext } from '../server/index.js';
import type { Appendable } from './storage-api/index.js';
import { DEFAULT_TENANT, createHttpServer, listen } from '../server/index.js';
import { prometheusFlags, registerPrometheusApi, type BuildInfo } from './api/index.js';
import type { Labels } from '../model/index.js';
import { buildPrometheusConfig, loadPrometheusConfig, type PrometheusConfig } from './promconfig/index.js';
import { Engine, formatQuery, parseExpr } from './promql/index.js';
import { compileRelabels, relabel } from './relabel/index.js';
import { RemoteWriteSender, registerRemoteWriteReceiver, remoteName } from './remote/index.js';
import { ScrapeManager } from './scrape/index.js';
import { Tsdb, tsdbOptionsFromConfig } from './tsdb/index.js';

/** Prometheus-compatible build info; Grafana reads the version to pick its Prometheus feature set. */
export function buildInfo(): BuildInfo {
  return { version: `3.0.0-sightline-${version()}`, revision: '', branch: 'main', buildUser: 'sightline', buildDate: '', goVersion: `node ${process.version}` };
}

/** The running Prometheus role; `appendable` is its TSDB, where OTLP metrics and generated metrics land. */
export interface MetricsComponent extends Component {
  readonly appendable: Appendable;
}

/**
 * The Prometheus role on one listener (9090): the TSDB under `<data>/metrics`, the PromQL engine over it, the
 * scrape manager fed by prometheus.yml (plus Sightline's own `/metrics`), the remote-write senders of
 * prometheus.yml reading the WAL, the remote-write receiver at `/api/v1/write`, and the Prometheus HTTP API.
 */
export async function startMetrics(ctx: ComponentContext): Promise<MetricsComponent> {
  const cfg = ctx.config.metrics;
  const log = ctx.logger.child({ component: 'metrics' });
  const configFile = cfg.prometheus_config_file;
  const promConfig: PrometheusConfig = configFile ? loadPrometheusConfig(configFile) : buildPrometheusConfig({});
  const configYaml = configFile ? readFileSync(configFile, 'utf8') : '';

  const tsdb = await Tsdb.open(tsdbOptionsFromConfig(cfg.tsdb, ctx.dataDir, ctx.registry, log));
  const engine = new Engine(tsdb, {
    lookbackDelta: cfg.query.lookback_delta,
    maxSamples: cfg.query.max_samples,
    timeoutMs: cfg.query.timeout,
    defaultSubqueryStepMs: promConfig.global.evaluation_interval,
  });
  const scrape = new ScrapeManager(tsdb, { registry: ctx.registry, logger: log });

  let ready = false;
  const app = createHttpServer({ name: 'metrics', listenAddress: cfg.listen_address, logger: ctx.logger, registry: ctx.registry, ready: () => ready });
  registerPrometheusApi(
    app,
    {
      queryable: tsdb,
      engine,
      formatQuery,
      parseQuery: (q) => parseExpr(q),
      metadata: tsdb,
      exemplars: tsdb,
      targets: scrape,
      tsdbStatus: (limit) => tsdb.stats(limit),
      configYaml: () => currentYaml,
      flags: () => prometheusFlags(cfg, ctx.dataDir, configFile),
      buildInfo: buildInfo(),
    },
    { maxConcurrentQueries: cfg.query.max_concurrency, queryTimeoutMs: cfg.query.timeout },
  );
  if (ctx.config.remote.prometheus_receiver_enabled) {
    registerRemoteWriteReceiver(
      app,
      '/api/v1/write',
      {
        appendable: () => tsdb,
        tenancy: { multiTenant: false, defaultTenant: DEFAULT_TENANT.mimir },
        registry: ctx.registry,
        maxMessageSize: ctx.config.remote.max_recv_msg_size,
      },
      { successStatus: 204 },
    );
  }

  // Prometheus's lifecycle reload (`POST /-/reload`, SIGHUP): re-read prometheus.yml and re-apply the scrape
  // configuration (unchanged jobs keep their loops). A bad file is refused and the running config stays.
  let currentYaml = configYaml;
  const reload = (): void => {
    if (!configFile) return;
    const next = loadPrometheusConfig(configFile);
    scrape.applyConfig(next);
    currentYaml = readFileSync(configFile, 'utf8');
    log.info({ file: configFile, jobs: next.scrape_configs.length }, 'reloaded prometheus.yml (scrape configs)');
  };
  const reloadHandler = async (_req: unknown, reply: FastifyReply) => {
    try {
      reload();
      return reply.code(200).send();
    } catch (e) {
      return reply.code(500).type('text/plain').send(`failed to reload config: ${(e as Error).message}\n`);
    }
  };
  app.post('/-/reload', reloadHandler);
  app.put('/-/reload', reloadHandler);
  const onHup = () => {
    try {
      reload();
    } catch (e) {
      log.error({ err: (e as Error).message }, 'reload failed; keeping the running configuration');
    }
  };
  process.on('SIGHUP', onHup);

  let port: number;
  try {
    port = await listen(app, cfg.listen_address);
  } catch (e) {
    process.off('SIGHUP', onHup);
    await tsdb.close();
    throw e;
  }

  const senders = promConfig.remote_write.map((rw) => {
    const rules = compileRelabels(rw.write_relabel_configs);
    const name = remoteName(rw);
    return new RemoteWriteSender({
      config: rw,
      openReader: (from) => tsdb.openWalReader(from ?? { segment: 0, offset: 0 }),
      positionFile: join(ctx.dataDir, 'metrics', 'remote-write', `${name}.json`),
      registry: ctx.registry,
      logger: log,
      relabel: rules.length === 0 ? undefined : (l: Labels) => relabel(l, rules) ?? null,
    }).start();
  });

  if (cfg.scrape_self) scrape.addSelfScrape({ address: `127.0.0.1:${port}`, intervalMs: cfg.self_scrape_interval, jobName: 'sightline' });
  scrape.applyConfig(promConfig);
  ready = true;
  log.info({ address: cfg.listen_address, port, jobs: promConfig.scrape_configs.length, remoteWrites: senders.length }, 'Prometheus API listening');

  return {
    name: 'metrics',
    ports: { prometheus: port },
    appendable: tsdb,
    async stop() {
      ready = false;
      process.off('SIGHUP', onHup);
      await scrape.stop();
      await Promise.all(senders.map((s) => s.stop()));
      await app.close();
      await tsdb.close();
    },
  };
}
