import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import { splitHostPort, type SightlineConfig } from '../config/index.js';
import { createHttpServer, HttpError, setTenantTokenSource } from '../server/index.js';
import { ApiKeyStore } from './auth/api-key-store.js';
import { AuditLog } from './audit/audit-log.js';
import { TenantTokenStore } from './auth/tenant-token-store.js';
import { registerAuditHook, registerSecurityRoutes } from './http/security-routes.js';
import { Authenticator } from './auth/authenticator.js';
import { LoginLimiter } from './auth/login-limiter.js';
import { SecretBox } from './auth/secret-box.js';
import { SessionStore } from './auth/session-store.js';
import { UserStore } from './auth/user-store.js';
import { DashboardProvisioner, readDashboardProviders } from './dashboards/dashboard-provisioning.js';
import { provisionBuiltInDashboards } from './dashboards/builtin-dashboards.js';
import { DashboardStore } from './dashboards/dashboard-store.js';
import { DatasourceStore } from './datasources/datasource-store.js';
import { DatasourceUrlPolicy } from './datasources/url-policy.js';
import { applyProvisioning, readProvisioningFolder, selfDatasources } from './datasources/provisioning.js';
import type { UiDatabase } from './db/open.js';
import { registerAccountRoutes } from './http/account-routes.js';
import { registerAuthRoutes } from './http/auth-routes.js';
import { registerDashboardRoutes } from './http/dashboard-routes.js';
import { registerAnnotationRoutes } from './http/annotation-routes.js';
import { AnnotationStore } from './dashboards/annotation-store.js';
import type { UiRouteContext } from './http/context.js';
import { readCookie } from './http/cookies.js';
import { registerDatasourceRoutes } from './http/datasource-routes.js';
import { registerProxyRoutes } from './http/proxy-routes.js';
import './http/request-user.js';
import { registerStaticFiles } from './http/static-files.js';
import { registerWebSocketProxy } from './http/websocket-proxy.js';
import type { ScrapeJobSink } from '../metrics/index.js';
import { registerScrapeJobRoutes } from './http/scrape-job-routes.js';
import type { Alertmanager } from '../alertmanager/index.js';
import { startAlerting } from './alerting/alerting.js';

export type UiConfig = SightlineConfig['ui'];

export class UiConfigError extends Error {
  override name = 'UiConfigError';
}

/** The development-mode admin password (Grafana's well-known default), refused outside development mode. */
const DEV_ADMIN_PASSWORD = 'admin';

export interface UiServerOptions {
  config: UiConfig;
  /** Listen address of this process's Prometheus API, for the self-provisioned datasource. */
  metricsListenAddress?: string;
  logsListenAddress?: string;
  tracesListenAddress?: string;
  alertmanagerListenAddress?: string;
  /** This process's OTLP/HTTP receiver, shown in Home's OTLP snippet (none when OTLP runs elsewhere). */
  otlpHttpListenAddress?: string;
  db: UiDatabase;
  secretKey: string;
  /** Where a generated initial admin password is written (mode 0600) when none is configured. */
  initialPasswordFile?: string;
  logger: Logger;
  registry: Registry;
  env?: NodeJS.ProcessEnv;
  /** This process's Prometheus role, which applies the scrape jobs added in the UI (none with `--target ui`). */
  scrapeJobs?: ScrapeJobSink;
  /** This process's Alertmanager: the UI's alerting configuration is applied to it (none with `--target ui`). */
  alertmanager?: Alertmanager;
}

/**
 * The app's scripts, styles and API calls are all same-origin; nothing may frame it (clickjacking), and other sites
 * learn no path from the Referer. Styles allow inline `style` attributes (charts set them).
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

function securityHeaders(reply: FastifyReply, tls: boolean): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('content-security-policy', CSP);
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'same-origin');
  // Only over TLS: on plain HTTP the header is ignored anyway, and a localhost answer must not pin other ports.
  if (tls) reply.header('strict-transport-security', 'max-age=31536000');
}

/** Paths reachable without signing in. Everything else under /api/ needs a session or a token. */
const PUBLIC_API = new Set(['/api/health', '/api/login', '/login', '/logout']);

/**
 * The admin password from config, then `GF_SECURITY_ADMIN_PASSWORD` / `SIGHTLINE_ADMIN_PASSWORD`; `admin` in
 * development mode; else undefined (a random initial password is generated into the data dir).
 */
export function resolveAdminPassword(cfg: UiConfig, env: NodeJS.ProcessEnv): string | undefined {
  const pw = cfg.admin_password ?? env.GF_SECURITY_ADMIN_PASSWORD ?? env.SIGHTLINE_ADMIN_PASSWORD;
  if (pw) return pw;
  return cfg.development_mode ? DEV_ADMIN_PASSWORD : undefined;
}

/** `http://host:port` for a listen address, with wildcard hosts replaced by loopback. */
function localUrl(listenAddress: string): string {
  const { host, port } = splitHostPort(listenAddress);
  const h = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

/** The Vite build of the web app: configured, else `dist/web` beside the installed code (or source tree). */
export function defaultStaticDir(): string | undefined {
  for (const cand of [resolve(import.meta.dirname, '..', 'web'), resolve(import.meta.dirname, '..', '..', 'dist', 'web')]) {
    if (existsSync(join(cand, 'index.html'))) return cand;
  }
  return undefined;
}

/**
 * Build the UI's HTTP server over an open database: seeds the admin, applies datasource provisioning and
 * registers the API, the datasource proxy and the static app. The caller listens and closes.
 */
export async function createUiServer(opts: UiServerOptions & { staticDir?: string }): Promise<FastifyInstance> {
  const cfg = opts.config;
  const env = opts.env ?? process.env;
  const { db } = opts.db;
  const adminPassword = resolveAdminPassword(cfg, env);
  if (adminPassword === DEV_ADMIN_PASSWORD && !cfg.development_mode) throw new UiConfigError('ui: the admin password "admin" is only allowed in development mode');

  const users = new UserStore(db);
  const sessions = new SessionStore(db, { lifetimeMs: cfg.session_lifetime, idleTimeoutMs: cfg.session_idle_timeout });
  const keys = new ApiKeyStore(db);
  const limiter = new LoginLimiter(db, { maxAttempts: cfg.login.max_attempts, lockoutMs: cfg.login.lockout, maxLockoutMs: cfg.login.max_lockout });
  const datasources = new DatasourceStore(db, new SecretBox(opts.secretKey));
  const auth = new Authenticator(users, sessions, keys, limiter);

  if (adminPassword !== undefined) await users.ensureAdmin(cfg.admin_user, adminPassword);
  else if (!(await users.byLogin(cfg.admin_user))) {
    if (!opts.initialPasswordFile) throw new UiConfigError('ui: no admin password: set ui.admin_password or GF_SECURITY_ADMIN_PASSWORD');
    const generated = randomBytes(18).toString('base64url');
    mkdirSync(dirname(opts.initialPasswordFile), { recursive: true });
    writeFileSync(opts.initialPasswordFile, generated + '\n', { mode: 0o600 });
    await users.ensureAdmin(cfg.admin_user, generated);
    opts.logger.warn({ component: 'ui', user: cfg.admin_user, file: opts.initialPasswordFile }, 'no admin password configured: generated one; read it from the file, then change it');
  }
  await sessions.deleteExpired();
  if (cfg.provisioning_path) {
    const p = readProvisioningFolder(cfg.provisioning_path, env);
    await applyProvisioning(datasources, p, opts.logger);
    opts.logger.info({ component: 'ui', files: p.files, datasources: p.upsert.map((d) => d.name) }, 'datasources provisioned');
  } else if (cfg.provision_self) {
    const prometheus = cfg.self_urls.prometheus ?? localUrl(opts.metricsListenAddress ?? '127.0.0.1:9090');
    const loki = cfg.self_urls.loki ?? localUrl(opts.logsListenAddress ?? '127.0.0.1:3100');
    const tempo = cfg.self_urls.tempo ?? localUrl(opts.tracesListenAddress ?? '127.0.0.1:3200');
    const alertmanager = cfg.self_urls.alertmanager ?? localUrl(opts.alertmanagerListenAddress ?? '127.0.0.1:9093');
    await applyProvisioning(datasources, selfDatasources({ prometheus, loki, tempo, alertmanager }), opts.logger);
  }

  const loginAttempts = new Counter({ name: 'sightline_ui_login_attempts_total', help: 'Password sign-ins at /login by result (success, failure, blocked).', labelNames: ['result'], registers: [opts.registry] });
  const proxyRequests = new Histogram({
    name: 'sightline_ui_datasource_proxy_request_duration_seconds',
    help: 'Datasource proxy requests: time until the upstream answered (headers), by datasource type and status code.',
    labelNames: ['datasource_type', 'code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [opts.registry],
  });

  const app = createHttpServer({ name: 'ui', listenAddress: cfg.listen_address, logger: opts.logger, registry: opts.registry, bodyLimit: 4 * 1024 * 1024, trustedProxies: cfg.trusted_proxies });
  const c: UiRouteContext = { db: opts.db, users, keys, datasources, auth, logger: opts.logger, cookieName: cfg.cookie_name, cookieSecure: cfg.cookie_secure && !cfg.development_mode, proxyTimeoutMs: cfg.proxy_timeout, urlPolicy: new DatasourceUrlPolicy(cfg.datasource_proxy.allowed_hosts), observeProxy: (type, code, seconds) => proxyRequests.observe({ datasource_type: type, code: String(code) }, seconds) };

  app.addHook('onResponse', async (req, reply) => {
    if (req.method === 'POST' && (req.url === '/login' || req.url === '/api/login')) {
      loginAttempts.inc({ result: reply.statusCode === 200 ? 'success' : reply.statusCode === 429 ? 'blocked' : 'failure' });
    }
  });
  // Housekeeping: expired sessions and stale failure counters.
  const housekeeping = setInterval(() => {
    Promise.all([sessions.deleteExpired(), limiter.prune()]).catch((err: unknown) => opts.logger.warn({ component: 'ui', err }, 'UI database housekeeping failed'));
  }, 3600_000);
  housekeeping.unref();
  app.addHook('onClose', async () => clearInterval(housekeeping));

  app.setErrorHandler((err: Error & { statusCode?: number; retryAfterSeconds?: number }, _req, reply) => {
    if (err instanceof HttpError) {
      const retryAfter = (err as HttpError & { retryAfterSeconds?: number }).retryAfterSeconds;
      if (retryAfter) reply.header('retry-after', String(retryAfter));
      const grafanaStatus = (err as HttpError & { grafanaStatus?: string }).grafanaStatus;
      return reply.code(err.status).send(grafanaStatus ? { message: err.message, status: grafanaStatus } : { message: err.message });
    }
    // Grafana answers an unreadable dashboard/folder body with its binding message.
    if (err.statusCode === 400 && /^\/api\/(dashboards|folders)(\/|\?|$)/.test(_req.url) && (err instanceof SyntaxError || String((err as { code?: string }).code).startsWith('FST_ERR_CTP'))) return reply.code(400).send({ message: 'bad request data' });
    if (err.statusCode && err.statusCode < 500) return reply.code(err.statusCode).send({ message: err.message });
    opts.logger.error({ component: 'ui', err }, 'request failed');
    return reply.code(500).send({ message: 'Internal server error' });
  });

  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0];
    securityHeaders(reply, req.protocol === 'https');
    const isApi = path.startsWith('/api/');
    // Static files need no user; only the API, /login and /logout do.
    if (!isApi && path !== '/login' && path !== '/logout') return;
    const user = await auth.authenticate({ sessionToken: readCookie(req.headers.cookie, c.cookieName), authorization: isApi ? req.headers.authorization : undefined, clientIp: req.ip });
    req.uiUser = user;
    if (isApi) reply.header('cache-control', 'no-store');
    if (user?.authMethod === 'session' && !['GET', 'HEAD', 'OPTIONS'].includes(req.method)) {
      // Cookie-authenticated changes must come from our own pages (CSRF).
      // `Origin: null` (sandboxed frames, file: pages, some redirects) is never our own page.
      const origin = req.headers.origin;
      if (origin === 'null') throw new HttpError(403, 'forbidden', 'origin not allowed');
      if (origin) {
        let host = '';
        try {
          host = new URL(origin).host;
        } catch {
          /* refused below */
        }
        if (host !== req.headers.host) throw new HttpError(403, 'forbidden', 'origin not allowed');
      } else if (req.headers['sec-fetch-site'] === 'cross-site') throw new HttpError(403, 'forbidden', 'origin not allowed');
    }
    if (isApi && !PUBLIC_API.has(path) && !user) throw new HttpError(401, 'unauthorized', 'Unauthorized');
  });

  app.get('/api/health', async (_req, reply) => {
    let database = 'ok';
    try {
      await db.selectFrom('users').select('id').limit(1).execute();
    } catch {
      database = 'failing';
    }
    return reply.code(database === 'ok' ? 200 : 503).send({ commit: 'unknown', database, version: '0.1.0' });
  });

  // Where this process receives pushed data that no datasource URL tells (Home's "Send data" snippets).
  app.get('/api/sightline/ingest-endpoints', async () => ({ otlpHttp: opts.otlpHttpListenAddress ? localUrl(opts.otlpHttpListenAddress) : null }));

  // The audit log sees every route's answer (hook first, then the routes).
  const audit = new AuditLog(db);
  registerAuditHook(app, c, audit);
  const tenantTokens = new TenantTokenStore(db);
  await tenantTokens.publish();
  // Another replica (shared PostgreSQL) may have added or revoked one.
  const tokenRefresh = setInterval(() => tenantTokens.publish().catch((err: unknown) => opts.logger.warn({ component: 'ui', err }, 'reloading tenant tokens failed')), 30_000);
  tokenRefresh.unref();
  app.addHook('onClose', async () => {
    clearInterval(tokenRefresh);
    setTenantTokenSource('ui', undefined);
  });
  registerSecurityRoutes(app, tenantTokens, audit);
  registerAuthRoutes(app, c);
  registerDatasourceRoutes(app, c);
  registerAccountRoutes(app, c);
  const dashboards = new DashboardStore(db);
  registerDashboardRoutes(app, { ...c, dashboards });
  registerAnnotationRoutes(app, { ...c, dashboards, annotations: new AnnotationStore(db) });
  // With the self-provisioned datasources (the single-process default), Sightline's own health dashboard too.
  if (!cfg.provisioning_path && cfg.provision_self) await provisionBuiltInDashboards(dashboards, opts.logger);
  if (cfg.provisioning_path) {
    const provisioner = new DashboardProvisioner(dashboards, readDashboardProviders(cfg.provisioning_path, env), opts.logger);
    await provisioner.syncAll();
    provisioner.start();
    app.addHook('onClose', async () => provisioner.stop());
  }
  await registerScrapeJobRoutes(app, c, opts.scrapeJobs);
  await startAlerting(app, c, {
    alertmanager: opts.alertmanager,
    alertmanagerUrl: opts.alertmanager && opts.alertmanagerListenAddress ? localUrl(opts.alertmanagerListenAddress) : undefined,
    provisioningPath: cfg.provisioning_path,
    env,
    secretKey: opts.secretKey,
    rootUrl: () => {
      const a = app.server.address();
      return a && typeof a === 'object' ? `http://localhost:${a.port}` : localUrl(cfg.listen_address);
    },
  });
  await registerProxyRoutes(app, c);
  registerWebSocketProxy(app, c);
  registerStaticFiles(app, opts.staticDir ?? cfg.static_dir ?? defaultStaticDir());
  return app;
}
