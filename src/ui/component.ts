import { join } from 'node:path';
import { splitHostPort } from '../config/index.js';
import type { Alertmanager } from '../alertmanager/index.js';
import type { ScrapeJobSink } from '../metrics/index.js';
import type { Component, ComponentContext } from '../server/index.js';
import { listen } from '../server/index.js';
import { loadOrCreateSecretKey } from './auth/secret-box.js';
import { openUiDatabase, type DatabaseOptions } from './db/open.js';
import { createUiServer, type UiConfig } from './ui-server.js';

/** Where the UI keeps its state: PostgreSQL when a `postgresql` block is configured and enabled, else SQLite. */
export function uiDatabaseOptions(cfg: UiConfig, dataDir: string): DatabaseOptions {
  const pg = cfg.postgresql;
  if (pg && pg.enabled) {
    return { type: 'postgres', host: pg.host, port: pg.port, database: pg.database, user: pg.user ?? pg.username ?? 'grafana', password: pg.password, sslMode: pg.ssl_mode, maxConnections: pg.max_connections };
  }
  return { type: 'sqlite', path: cfg.database.path ?? join(dataDir, 'ui', 'sightline.db') };
}

/**
 * A component's listen address with the port it actually bound in this process (`ctx.ports`, e.g. `prometheus`),
 * so self-provisioned datasources work when the other components listen on port 0.
 */
export function boundListenAddress(listenAddress: string, boundPort: number | undefined): string {
  if (boundPort === undefined) return listenAddress;
  const { host } = splitHostPort(listenAddress);
  return `${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
}

/** Where a generated admin password is written when none is configured (read by the start-up banner). */
export function initialAdminPasswordFile(dataDir: string): string {
  return join(dataDir, 'ui', 'initial-admin-password');
}

/** The web UI (Grafana's role): the app and its API on port 3000. */
export async function startUi(ctx: ComponentContext, deps: { scrapeJobs?: ScrapeJobSink; alertmanager?: Alertmanager } = {}): Promise<Component> {
  const cfg = ctx.config.ui;
  const env = process.env;
  const secretKey = loadOrCreateSecretKey(cfg.secret_key ?? env.GF_SECURITY_SECRET_KEY ?? env.SIGHTLINE_SECRET_KEY, join(ctx.dataDir, 'ui', 'secret.key'));
  const db = await openUiDatabase(uiDatabaseOptions(cfg, ctx.dataDir));
  try {
    const app = await createUiServer({ config: cfg, metricsListenAddress: boundListenAddress(ctx.config.metrics.listen_address, ctx.ports?.prometheus),
      logsListenAddress: boundListenAddress(ctx.config.logs.listen_address, ctx.ports?.loki),
      tracesListenAddress: boundListenAddress(ctx.config.traces.listen_address, ctx.ports?.tempo),
      alertmanagerListenAddress: boundListenAddress(ctx.config.alertmanager.listen_address, ctx.ports?.alertmanager),
      otlpHttpListenAddress: ctx.ports?.otlp_http === undefined ? undefined : boundListenAddress(ctx.config.otlp.http_listen_address, ctx.ports.otlp_http),
      db, secretKey, initialPasswordFile: initialAdminPasswordFile(ctx.dataDir), logger: ctx.logger, registry: ctx.registry, env, scrapeJobs: deps.scrapeJobs, alertmanager: deps.alertmanager });
    const port = await listen(app, cfg.listen_address);
    ctx.logger.info({ component: 'ui', address: cfg.listen_address, port, database: db.dialect }, 'web UI listening');
    return {
      name: 'ui',
      ports: { ui: port },
      async stop() {
        await app.close();
        await db.close();
      },
    };
  } catch (e) {
    await db.close();
    throw e;
  }
}
