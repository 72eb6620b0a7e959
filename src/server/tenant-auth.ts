import { lazyBuiltin } from '../lib/lazy-builtin.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TENANT_SCOPES } from '../config/index.js';
import type * as NodeCrypto from 'node:crypto';

/** `node:crypto` on the first hash, not at import: the log agent loads it only when a config asks (docs/agent.md, Figures). */
const crypto = lazyBuiltin<typeof NodeCrypto>('node:crypto');

export { TENANT_SCOPES };
/** What a credential may do: read or write one signal, rules, alerts, or everything (`admin`). */
export type TenantScope = (typeof TENANT_SCOPES)[number];

/** A tenant-bound credential as configured: the SHA-256 of the token (never the token), its tenants and scopes. */
export interface TenantTokenEntry {
  name?: string;
  token_sha256: string;
  tenants: string[];
  scopes: TenantScope[];
}

/** Who a request authenticated as. */
export interface TenantPrincipal {
  name: string;
  tenants: readonly string[];
  scopes: ReadonlySet<TenantScope>;
}

/** The hex SHA-256 of a token: what the configuration stores (tokens are random, so a fast hash is enough). */
export function hashTenantToken(token: string): string {
  return crypto().createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token and its SHA-256 (32 random bytes: guessing is hopeless, so a fast hash may be stored). */
export function newTenantToken(): { token: string; sha256: string } {
  const token = crypto().randomBytes(32).toString('base64url');
  return { token, sha256: hashTenantToken(token) };
}

/** Whether tenant auth is on for the process's listeners (at least one `server.tenant_tokens` entry). */
export function tenantAuthInForce(): boolean {
  return processTokens !== undefined;
}

/**
 * The tenant-bound tokens of the process (`server.tenant_tokens`). A request presents its token as
 * `Authorization: Bearer <token>` or as the password of basic auth (any user name), as Grafana Cloud clients do.
 */
export class TenantTokens {
  private readonly byHash = new Map<string, TenantPrincipal>();

  constructor(entries: readonly TenantTokenEntry[]) {
    indexEntries(this.byHash, entries, 'token-');
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The principal of an `Authorization` header, or undefined when it carries no known token. */
  authenticate(authorization: string | undefined): TenantPrincipal | undefined {
    const token = tokenOf(authorization);
    if (token === undefined || token === '') return undefined;
    const h = hashTenantToken(token);
    // looked up by hash: the lookup's timing reveals nothing about the token itself
    const configured = this.byHash.get(h);
    if (configured) return configured;
    for (const source of extraSources.values()) {
      const p = source.get(h);
      if (p) return p;
    }
    return undefined;
  }
}

function indexEntries(into: Map<string, TenantPrincipal>, entries: readonly TenantTokenEntry[], unnamed: string): void {
  entries.forEach((e, i) => into.set(e.token_sha256.toLowerCase(), { name: e.name ?? `${unnamed}${i}`, tenants: [...e.tenants], scopes: new Set(e.scopes) }));
}

/** Tokens kept elsewhere than the configuration (the UI's Administration → Tokens), by source name. */
const extraSources = new Map<string, Map<string, TenantPrincipal>>();

/**
 * Replace the tokens of one source (e.g. `ui`), honoured next to `server.tenant_tokens` from the next request on,
 * without a restart; undefined removes the source. They take effect while tenant auth is on (at least one
 * configured token): adding one never turns authentication on for listeners that had none.
 */
export function setTenantTokenSource(source: string, entries: readonly TenantTokenEntry[] | undefined): void {
  if (!entries) {
    extraSources.delete(source);
    return;
  }
  const m = new Map<string, TenantPrincipal>();
  indexEntries(m, entries, `${source}-token-`);
  extraSources.set(source, m);
}

function tokenOf(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const sp = authorization.indexOf(' ');
  if (sp < 0) return undefined;
  const scheme = authorization.slice(0, sp).toLowerCase();
  const rest = authorization.slice(sp + 1).trim();
  if (scheme === 'bearer') return rest;
  if (scheme === 'basic') {
    const decoded = Buffer.from(rest, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    return i < 0 ? undefined : decoded.slice(i + 1);
  }
  return undefined;
}

let processTokens: TenantTokens | undefined;

/** Install the process's tenant tokens (the CLI does, before any listener starts); undefined turns them off. */
export function setProcessTenantTokens(t: TenantTokens | undefined): void {
  processTokens = t && t.size > 0 ? t : undefined;
}

export function processTenantTokensInForce(): TenantTokens | undefined {
  return processTokens;
}

/** The principal bound to a request's headers by `tenantAuthHook` (read by `resolveTenant`). */
const principals = new WeakMap<object, TenantPrincipal>();

export function principalOf(headers: object): TenantPrincipal | undefined {
  return principals.get(headers);
}

/** Bind a principal to a request's headers (or gRPC metadata object) for `resolveTenant`. */
export function bindPrincipal(headers: object, principal: TenantPrincipal): void {
  principals.set(headers, principal);
}

/** Which signal a listener serves, by its name; listeners not named here (the UI, agents) authenticate otherwise. */
const LISTENER_SIGNAL: Record<string, 'metrics' | 'logs' | 'traces' | 'alerts' | 'otlp'> = {
  metrics: 'metrics',
  mimir: 'metrics',
  logs: 'logs',
  traces: 'traces',
  zipkin: 'traces',
  jaeger: 'traces',
  otlp: 'otlp',
  alertmanager: 'alerts',
};

const PROBES = new Set(['/-/healthy', '/-/ready', '/ready']);
const READ_POSTS = [/\/api\/v1\/(query|query_range|series|labels|query_exemplars|format_query|parse_query)$/, /\/api\/v1\/label\/[^/]+\/values$/];
const RULE_PATH = /\/(api\/v1\/rules|prometheus\/config\/v1\/rules|loki\/api\/v1\/rules|api\/prom\/rules|config\/v1\/rules)(\/|$)/;
const ALERT_PATH = /\/(api\/v1\/alerts|prometheus\/api\/v1\/alerts|api\/v2\/)/;
const ADMIN_PATH = /(^\/-\/(reload|quit)$|^\/flush$|\/api\/v1\/admin\/|^\/metrics$|\/api\/v1\/status\/|^\/config$|\/shutdown$)/;

/** The scope a request needs on a listener serving `listener`. */
export function requiredScope(listener: string, method: string, path: string): TenantScope | undefined {
  const signal = LISTENER_SIGNAL[listener];
  if (!signal) return undefined;
  if (ADMIN_PATH.test(path)) return 'admin';
  const write = !(method === 'GET' || method === 'HEAD' || (method === 'POST' && READ_POSTS.some((re) => re.test(path))));
  const mode = write ? 'write' : 'read';
  if (signal === 'alerts') return `alerts:${mode}`;
  if (RULE_PATH.test(path)) return `rules:${mode}`;
  if (ALERT_PATH.test(path) && signal !== 'traces') return 'alerts:read';
  if (signal === 'otlp') {
    if (path.endsWith('/v1/traces')) return 'traces:write';
    if (path.endsWith('/v1/logs')) return 'logs:write';
    return 'metrics:write';
  }
  return `${signal}:${mode}`;
}

/**
 * Fastify `onRequest` hook of a listener when tenant tokens are configured: 401 without a known token, 403 when the
 * token lacks the scope the route needs; otherwise the principal is bound to the request, and `resolveTenant`
 * takes the tenant from it (`X-Scope-OrgID` may only narrow to one of the token's tenants).
 */
export function tenantAuthHook(listener: string): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req, reply) => {
    const denied = checkTenantToken(listener, req.method, req.url, req.headers);
    if (!denied) return;
    if (denied.status === 401) reply.header('www-authenticate', 'Bearer');
    await reply.code(denied.status).type('text/plain').send(denied.message);
  };
}

/** A refusal: HTTP status (401/403) and a plain-text body. */
export interface AuthDenial {
  status: number;
  message: string;
}

/**
 * The tenant-token check of `tenantAuthHook` on raw request parts, for requests that never reach Fastify's hooks
 * (WebSocket upgrades such as the Loki tail): binds the principal to `headers` and answers undefined, or the refusal.
 */
export function checkTenantToken(listener: string, method: string, url: string, headers: IncomingHttpHeaders): AuthDenial | undefined {
  const tokens = processTokens;
  if (!tokens || !(listener in LISTENER_SIGNAL)) return undefined;
  const path = url.split('?', 1)[0];
  if (PROBES.has(path)) return undefined;
  const principal = tokens.authenticate(headers.authorization);
  if (!principal) return { status: 401, message: 'no valid credentials\n' };
  const need = requiredScope(listener, method, path);
  if (need && !principal.scopes.has('admin') && !principal.scopes.has(need)) {
    return { status: 403, message: `credential ${JSON.stringify(principal.name)} lacks scope ${need}\n` };
  }
  principals.set(headers, principal);
  return undefined;
}

/** Tokens for the gRPC listener (OTLP 4317): the principal of `authorization` metadata, checked for `scope`. */
export function authenticateGrpc(authorization: string | undefined, scope: TenantScope): { principal?: TenantPrincipal; code?: 'unauthenticated' | 'permission_denied' } {
  const tokens = processTokens;
  if (!tokens) return {};
  const principal = tokens.authenticate(authorization);
  if (!principal) return { code: 'unauthenticated' };
  if (!principal.scopes.has('admin') && !principal.scopes.has(scope)) return { code: 'permission_denied' };
  return { principal };
}
