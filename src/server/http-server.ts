import { createRequire } from 'node:module';
import type * as FastifyModule from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { splitHostPort } from '../config/index.js';
import { corsHook } from './cors.js';
import { requestGuardsHook } from './request-guards.js';
import { tenantAuthHook } from './tenant-auth.js';
import { webConfigFor, webConfigHook, type WebConfig } from './web-config.js';

/**
 * Fastify (CommonJS) is required on first use rather than imported: a process whose listeners do not use it (the
 * log agent's self-monitoring server is `node:http`) does not hold its ~17 MB of resident memory for importing this
 * module's siblings.
 */
const require = createRequire(import.meta.url);
let fastifyModule: typeof FastifyModule | undefined;
const fastify = (): typeof FastifyModule => (fastifyModule ??= require('fastify') as typeof FastifyModule);

const CORS_LISTENERS = new Set(['metrics', 'mimir', 'logs', 'traces', 'zipkin', 'jaeger', 'otlp', 'alertmanager']);

export interface HttpServerOptions {
  name: string;
  listenAddress: string;
  logger: Logger;
  registry: Registry;
  /** Readiness: 503 until it returns true. */
  ready?: () => boolean;
  /** Replaces `ready` for `/ready` and `/-/ready` when a component answers in its original system's words (the agent: Promtail's). */
  readyProbe?: () => { status: number; body: string };
  bodyLimit?: number;
  /** This listener's own TLS (a collector receiver's `tls`), instead of the process's web configuration. */
  tls?: WebConfig;
  /** Peers (IPs or CIDRs) whose `X-Forwarded-For` sets `req.ip`; from anyone else it is ignored. */
  trustedProxies?: readonly string[];
}

const routesByListener = new Map<string, Set<string>>();

/**
 * Every route (`METHOD /url`, Fastify's pattern) registered on each listener name in this process, for diagnostics
 * and for the test that walks every route of every data listener through the tenant-auth check.
 */
export function registeredRoutes(): ReadonlyMap<string, ReadonlySet<string>> {
  return routesByListener;
}

/**
 * A Fastify listener with the endpoints every Sightline component serves: `/-/healthy`, `/-/ready`, `/ready`,
 * `/metrics`. Components add their routes before `listen`.
 */
export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
  // A receiver's own TLS (collector `tls:`), else the listener's web configuration (`<section>.web_config_file` /
  // `web_config`), else the global one.
  const web = opts.tls ?? webConfigFor(opts.name);
  const https = web?.httpsOptions();
  const { default: Fastify, LogController } = fastify();
  const app = Fastify({
    ...(https ? { https } : {}),
    loggerInstance: opts.logger.child({ component: opts.name }) as unknown as FastifyBaseLogger,
    // Access logs are off: a push or scrape per second per client would drown everything else.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 64 * 1024 * 1024,
    forceCloseConnections: true,
    ...(opts.trustedProxies?.length ? { trustProxy: [...opts.trustedProxies] } : {}),
  });
  const routes = routesByListener.get(opts.name) ?? new Set<string>();
  routesByListener.set(opts.name, routes);
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) routes.add(`${m} ${r.url}`);
  });
  // The web configuration (TLS client certificates, basic auth) first: nothing answers an unauthenticated client.
  app.addHook('onRequest', webConfigHook(opts.name));
  // Then tenant tokens (server.tenant_tokens): who the client is, which tenants and scopes it holds.
  app.addHook('onRequest', tenantAuthHook(opts.name));
  // CORS (server.cors_origin, default none) on the stores' APIs. The UI is same-origin; the Collector's receivers
  // keep their own `cors` setting.
  if (CORS_LISTENERS.has(opts.name)) app.addHook('onRequest', corsHook);
  app.addHook('onRequest', requestGuardsHook);
  if (https && web) {
    const stop = web.watchCertificates((ctx) => (app.server as unknown as { setSecureContext(o: object): void }).setSecureContext({ ...https, ...ctx }));
    app.addHook('onClose', async () => stop());
  }
  const ready = opts.ready ?? (() => true);
  app.get('/-/healthy', async (_req, reply) => reply.type('text/plain').send('Healthy.\n'));
  const probe = opts.readyProbe;
  const readyHandler = probe
    ? async (_req: unknown, reply: FastifyReply) => {
        const r = probe();
        return reply.code(r.status).type('text/plain').send(r.body);
      }
    : async (_req: unknown, reply: FastifyReply) => (ready() ? reply.type('text/plain').send('ready\n') : reply.code(503).type('text/plain').send('not ready\n'));
  app.get('/-/ready', readyHandler);
  app.get('/ready', readyHandler);
  app.get('/metrics', async (_req, reply) => {
    const body = await opts.registry.metrics();
    return reply.type(opts.registry.contentType).send(body);
  });
  return app;
}

/** Listen on `host:port` and return the bound port (useful with port 0 in tests). */
export async function listen(app: FastifyInstance, listenAddress: string): Promise<number> {
  const { host, port } = splitHostPort(listenAddress);
  await app.listen({ host, port });
  const addr = app.server.address();
  return typeof addr === 'object' && addr ? addr.port : port;
}
