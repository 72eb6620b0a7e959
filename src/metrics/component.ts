import { readFileSync } from 'node:fs';
import type { FastifyReply } from 'fastify';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError, splitHostPort } from '../config/index.js';
import { Notifier, RuleLoadError, alertingOrBuiltin, builtinAlertmanagerUrl, RuleManager, gatedRuleEngine, promqlRuleEngine, toNotifierAlerts, validatePromql } from '../rules/index.js';
import { version } from '../lib/version.js';
import { ConcurrencyGate } from '../lib/worker-pool/index.js';
import type { Component, ComponentContext } from '../server/index.js';
import type { Appendable } from './storage-api/index.js';
import { DEFAULT_TENANT, createHttpServer, defaultMemoryLimit, listen } from '../server/index.js';
import { prometheusFlags, registerFederation, registerPrometheusApi, registerWebPages, type BuildInfo } from './api/index.js';
import { Labels } from '../model/index.js';
import { buildPrometheusConfig, loadPrometheusConfig, type PrometheusConfig } from './promconfig/index.js';
import { Engine, PooledEngine, QueryPool, formatQuery, parseExpr, workerHeapMb } from './promql/index.js';
import { compileRelabels, relabel } from './relabel/index.js';
import { RemoteWriteSender, registerRemoteWriteReceiver, remoteName } from './remote/index.js';
import { prometheusReceiverOverrides } from './limits/index.js';
import { ScrapeManager } from './scrape/index.js';
import { ExtraScrapeJobs, type ScrapeJobSink } from './extra-scrape-jobs.js';
import { Tsdb, tsdbOptionsFromConfig } from './tsdb/index.js';

/** Prometheus-compatible build info; Grafana reads the version to pick its Prometheus feature set. */
export function buildInfo(): BuildInfo {
  return { version: `3.0.0-sightline-${version()}`, revision: '', branch: 'main', buildUser: 'sightline', buildDate: '', goVersion: `node ${process.version}` };
}

/** The running Prometheus role; `appendable` is its TSDB, where OTLP metrics and generated metrics land. */
export interface MetricsComponent extends Component {
  readonly appendable: Appendable;
  /** Static scrape jobs from the web UI, merged with prometheus.yml's and applied without a restart. */
  readonly scrapeJobs: ScrapeJobSink;
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

  // prometheus.yml's `storage.tsdb.out_of_order_time_window`, when given, wins over `metrics.tsdb` (and reloads).
  const oooWindow = (c: PrometheusConfig) => c.storage.tsdb?.out_of_order_time_window ?? cfg.tsdb.out_of_order_time_window;
  const tsdb = await Tsdb.open({ ...tsdbOptionsFromConfig(cfg.tsdb, ctx.dataDir, ctx.registry, log), outOfOrderWindowMs: oooWindow(promConfig) });
  const engineOptions = {
    lookbackDelta: cfg.query.lookback_delta,
    maxSamples: cfg.query.max_samples,
    timeoutMs: cfg.query.timeout,
    defaultSubqueryStepMs: promConfig.global.evaluation_interval,
  };
  const engine = new Engine(tsdb, engineOptions);
  // API and rule queries run in worker threads (the TSDB stays here and answers their selects), so no query holds
  // the event loop ingest shares; with `workers: 0` both use this engine (time-sliced).
  const queryPool =
    cfg.query.workers > 0
      ? new QueryPool({
          workers: cfg.query.workers,
          maxWorkerHeapMb: workerHeapMb(cfg.query.worker_heap_limit, ctx.config.server.memory_limit ?? defaultMemoryLimit(), cfg.query.workers),
          registry: ctx.registry,
          onWorkerExit: (reason) => log.warn({ reason }, 'PromQL query worker replaced'),
        })
      : undefined;
  const apiEngine = queryPool ? new PooledEngine(queryPool, tsdb, engineOptions) : engine;
  const gate = new ConcurrencyGate(cfg.query.max_concurrency);
  const scrape = new ScrapeManager(tsdb, { registry: ctx.registry, logger: log });

  // Recording and alerting rules of prometheus.yml's `rule_files`, evaluated by this engine into this TSDB.
  const port0 = Number(cfg.listen_address.slice(cfg.listen_address.lastIndexOf(':') + 1));
  const externalURL = (ctx.config.rules.external_url || `http://${hostname()}:${port0}`).replace(/\/$/, '');
  const externalLabels = Labels.fromObject(promConfig.global.external_labels);
  // In `--target all` with no `alerting:` in prometheus.yml, alerts go to the built-in Alertmanager.
  const builtinAm = builtinAlertmanagerUrl(ctx);
  const notifier = new Notifier(alertingOrBuiltin(promConfig.alerting, builtinAm), {
    registry: ctx.registry,
    logger: log.child({ component: 'notifier' }),
    queueCapacity: ctx.config.rules.notification_queue_capacity,
    externalLabels,
  });
  const rules = new RuleManager({
    notify: (expr, alerts) => notifier.send(toNotifierAlerts(externalURL, expr, alerts)),
    // Rule queries take slots of `--query.max-concurrency` as API queries do (Prometheus's engine counts both).
    engine: gatedRuleEngine(promqlRuleEngine(apiEngine, formatQuery), gate),
    appendable: tsdb,
    queryable: tsdb,
    registry: ctx.registry,
    logger: log.child({ component: 'rules' }),
    validateExpr: validatePromql,
    externalLabels,
    externalURL,
    evaluationInterval: promConfig.global.evaluation_interval,
    queryOffset: promConfig.global.rule_query_offset,
    resendDelay: ctx.config.rules.alert.resend_delay,
    outageTolerance: ctx.config.rules.alert.for_outage_tolerance,
    forGracePeriod: ctx.config.rules.alert.for_grace_period,
  });
  const applyRules = async (pc: PrometheusConfig) => {
    const { files, missing } = RuleManager.expandFiles(pc.rule_files);
    for (const m of missing) log.warn({ file: m }, 'rule file does not exist; skipped (as Prometheus does)');
    await rules.update(files);
    return files.length;
  };
  try {
    await applyRules(promConfig);
  } catch (e) {
    await rules.stop();
    notifier.stop();
    await queryPool?.close();
    await tsdb.close();
    if (e instanceof RuleLoadError) throw new ConfigError(configFile ?? '', 'rule_files', `error loading rules:\n  ${e.errors.join('\n  ')}`);
    throw e;
  }

  let ready = false;
  const app = createHttpServer({ name: 'metrics', listenAddress: cfg.listen_address, logger: ctx.logger, registry: ctx.registry, ready: () => ready });
  registerPrometheusApi(
    app,
    {
      queryable: tsdb,
      engine: apiEngine,
      formatQuery,
      parseQuery: (q) => parseExpr(q),
      metadata: tsdb,
      exemplars: tsdb,
      targets: scrape,
      tsdbStatus: (limit) => tsdb.stats(limit),
      configYaml: () => currentYaml,
      flags: () => prometheusFlags(cfg, ctx.dataDir, configFile),
      buildInfo: buildInfo(),
      rules: () => rules.status(),
      alerts: () => rules.alerts(),
      snapshot: cfg.enable_admin_api ? (name, skipHead) => tsdb.snapshot(join(tsdb.opts.dir, 'snapshots', name), skipHead) : undefined,
      deleteSeries: cfg.enable_admin_api ? (matchers, start, end) => tsdb.deleteSeries(matchers, start, end) : undefined,
      cleanTombstones: cfg.enable_admin_api ? () => tsdb.cleanTombstones() : undefined,
      walReplay: () => tsdb.walReplayStatus,
      alertmanagers: () => notifier.alertmanagers(),
    },
    { gate, queryTimeoutMs: cfg.query.timeout, registry: ctx.registry },
  );
  registerFederation(app, { queryable: tsdb, externalLabels, lookbackDeltaMs: cfg.query.lookback_delta });
  if (ctx.config.remote.prometheus_receiver_enabled) {
    registerRemoteWriteReceiver(
      app,
      '/api/v1/write',
      {
        appendable: () => tsdb,
        tenancy: { multiTenant: false, defaultTenant: DEFAULT_TENANT.mimir },
        overrides: prometheusReceiverOverrides(ctx.config.remote, DEFAULT_TENANT.mimir),
        registry: ctx.registry,
        maxMessageSize: ctx.config.remote.max_recv_msg_size,
      },
      { successStatus: 204 },
    );
  }

  // Prometheus's lifecycle reload (`POST /-/reload`, SIGHUP): re-read prometheus.yml and re-apply the scrape
  // configuration (unchanged jobs keep their loops). A bad file is refused and the running config stays.
  // The web UI's scrape jobs are merged into the file's on every apply (prometheus.yml stays as written).
  let currentYaml = configYaml;
  let currentConfig = promConfig;
  const extraJobs = new ExtraScrapeJobs();
  const applyScrape = (): string[] => {
    const { config, skipped } = extraJobs.merge(currentConfig);
    for (const job of skipped) log.warn({ job }, 'scrape job from the UI is shadowed by a prometheus.yml job of the same name; left out');
    scrape.applyConfig(config);
    return skipped;
  };
  /** Re-read prometheus.yml and apply it; returns one line per configuration reloaded (the answer's body). */
  const reload = async (): Promise<string[]> => {
    const done: string[] = [];
    if (configFile) {
      const next = loadPrometheusConfig(configFile);
      let ruleFiles: number;
      try {
        ruleFiles = await applyRules(next);
      } catch (e) {
        if (e instanceof RuleLoadError) throw new Error(`error loading rules, previous rule set restored: ${e.errors.join('; ')}`, { cause: e });
        throw e;
      }
      notifier.applyConfig(alertingOrBuiltin(next.alerting, builtinAm));
      tsdb.setOutOfOrderWindow(oooWindow(next));
      currentConfig = next;
      currentYaml = readFileSync(configFile, 'utf8');
      const alertmanagers = next.alerting.alertmanagers.length;
      done.push(`prometheus.yml ${configFile}: ${next.scrape_configs.length} scrape job(s), ${ruleFiles} rule file(s), ${alertmanagers} alertmanager config(s)`);
      log.info({ file: configFile, jobs: next.scrape_configs.length, ruleFiles, alertmanagers }, 'reloaded prometheus.yml (scrape configs, rules, alerting)');
    }
    const skipped = applyScrape();
    if (extraJobs.count > 0) done.push(`scrape jobs from the UI: ${extraJobs.count - skipped.length} applied${skipped.length ? `, ${skipped.join(', ')} shadowed by prometheus.yml` : ''}`);
    return done;
  };
  // Prometheus answers 200 (its body empty) and 500 with the error text; Sightline's 200 body says what it reloaded,
  // or that there is nothing to reload (no --prometheus.config and no scrape jobs from the UI).
  const reloadHandler = async (_req: unknown, reply: FastifyReply) => {
    try {
      const done = await reload();
      const text = done.length ? `reloaded:\n${done.map((d) => `  ${d}\n`).join('')}` : 'nothing to reload: started without --prometheus.config and no scrape jobs were added in the UI\n';
      return reply.code(200).type('text/plain; charset=utf-8').send(text);
    } catch (e) {
      return reply.code(500).type('text/plain; charset=utf-8').send(`failed to reload config: ${(e as Error).message}\n`);
    }
  };
  app.post('/-/reload', reloadHandler);
  app.put('/-/reload', reloadHandler);
  // Prometheus's page paths (`/`, `/targets`, ...): to the web UI's pages when it runs here, else a page naming the API.
  registerWebPages(app, { uiPort: () => ctx.ports?.ui, uiHost: splitHostPort(ctx.config.ui.listen_address).host });
  const onHup = () => {
    reload().catch((e: unknown) => log.error({ err: (e as Error).message }, 'reload failed; keeping the running configuration'));
  };
  process.on('SIGHUP', onHup);

  let port: number;
  try {
    port = await listen(app, cfg.listen_address);
  } catch (e) {
    process.off('SIGHUP', onHup);
    await rules.stop();
    notifier.stop();
    await queryPool?.close();
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
  applyScrape();
  ready = true;
  log.info({ address: cfg.listen_address, port, jobs: promConfig.scrape_configs.length, remoteWrites: senders.length }, 'Prometheus API listening');

  return {
    name: 'metrics',
    ports: { prometheus: port },
    appendable: tsdb,
    scrapeJobs: {
      set(jobs) {
        extraJobs.set(currentConfig, jobs);
        applyScrape();
        log.info({ jobs: jobs.map((j) => j.job_name) }, 'applied scrape jobs from the UI');
      },
      fileJobNames: () => currentConfig.scrape_configs.map((s) => s.job_name),
    },
    async stop() {
      ready = false;
      process.off('SIGHUP', onHup);
      await scrape.stop();
      await rules.stop();
      notifier.stop();
      await Promise.all(senders.map((s) => s.stop()));
      await app.close();
      await queryPool?.close();
      await tsdb.close();
    },
  };
}
