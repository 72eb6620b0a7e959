import { join } from 'node:path';
import { Gauge } from 'prom-client';
import { stringify } from 'yaml';
import type { Component, ComponentContext } from '../server/index.js';
import { createHttpServer, listen } from '../server/index.js';
import { Alertmanager } from './alertmanager.js';
import { registerV2Routes } from './api/v2-routes.js';
import { installWebLimits } from './api/web-limits.js';
import { loadAlertmanagerConfig, parseAlertmanagerConfig, type AlertmanagerConfig } from './config/load-config.js';

/** With no alertmanager.yml: every alert goes to one receiver without integrations. */
const DEFAULT_CONFIG = 'route:\n  receiver: default\nreceivers:\n  - name: default\n';

function readConfig(ctx: ComponentContext): AlertmanagerConfig {
  const s = ctx.config.alertmanager;
  if (s.config_file) return loadAlertmanagerConfig(s.config_file);
  if (s.config) return parseAlertmanagerConfig(stringify(s.config), 'alertmanager.config');
  return parseAlertmanagerConfig(DEFAULT_CONFIG, '<default alertmanager config>');
}

export interface AlertmanagerComponent extends Component {
  readonly alertmanager: Alertmanager;
}

/** The Alertmanager role: API v2 on `alertmanager.listen_address` (9093), dispatcher, silences, notification log. */
export async function startAlertmanager(ctx: ComponentContext, deps: { version?: string; initialBackoffMs?: number } = {}): Promise<AlertmanagerComponent> {
  const s = ctx.config.alertmanager;
  const config = readConfig(ctx);
  const app = createHttpServer({ name: 'alertmanager', listenAddress: s.listen_address, logger: ctx.logger, registry: ctx.registry });
  // eslint-disable-next-line prefer-const -- assigned below, read only by request handlers after listening
  let am: Alertmanager | undefined;
  installWebLimits(app, ctx.registry, { getConcurrency: s.web_get_concurrency, timeoutMs: s.web_timeout });
  // `/-/reload` and SIGHUP re-read the file; a configuration set by the UI (the overlay) stays in force.
  const reload = async () => {
    let config: AlertmanagerConfig;
    try {
      config = readConfig(ctx);
    } catch (e) {
      am!.metrics.config.failed();
      throw e;
    }
    await am!.reloadFile(config);
    ctx.logger.info({ component: 'alertmanager' }, 'configuration reloaded');
  };
  registerV2Routes(app, { am: () => am!, version: deps.version ?? '', reload });
  const onHup = () => {
    reload().catch((e: unknown) => ctx.logger.error({ component: 'alertmanager', err: (e as Error).message }, 'reload failed; keeping the running configuration'));
  };
  let port = 0;
  const host = s.listen_address.replace(/:\d+$/, '') || 'localhost';
  am = new Alertmanager({
    config,
    dataDir: join(ctx.dataDir, 'alertmanager'),
    externalUrl: () => (s.external_url ?? `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`).replace(/\/$/, ''),
    retentionMs: s.data_retention,
    fsyncIntervalMs: s.wal_fsync_interval,
    logger: ctx.logger,
    registry: ctx.registry,
    initialBackoffMs: deps.initialBackoffMs,
    endpoints: { pushoverApiUrl: s.pushover_api_url },
  });
  try {
    port = await listen(app, s.listen_address);
  } catch (e) {
    await am.stop();
    throw e;
  }
  process.on('SIGHUP', onHup);
  const maintenance = setInterval(() => {
    try {
      am!.maintenance();
    } catch (e) {
      ctx.logger.error({ component: 'alertmanager', err: e }, 'maintenance failed');
    }
  }, s.maintenance_interval);
  maintenance.unref();
  new Gauge({
    name: 'alertmanager_build_info',
    help: "A metric with a constant '1' value labeled by version, revision, branch, goversion from which alertmanager was built, and the goos and goarch for the build.",
    labelNames: ['version', 'revision', 'branch', 'goversion', 'goos', 'goarch'] as const,
    registers: [ctx.registry],
  }).set({ version: '0.25.0', revision: deps.version ?? '', branch: 'sightline', goversion: `node ${process.version}`, goos: process.platform, goarch: process.arch === 'x64' ? 'amd64' : process.arch }, 1);
  ctx.logger.info({ component: 'alertmanager', address: s.listen_address, port }, 'Alertmanager API listening');
  const alertmanager = am;
  return {
    name: 'alertmanager',
    ports: { alertmanager: port },
    alertmanager,
    async stop() {
      clearInterval(maintenance);
      process.off('SIGHUP', onHup);
      await app.close();
      await alertmanager.stop();
    },
  };
}
