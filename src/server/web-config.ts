import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebConfigFile } from '../config/index.js';
import { lazyBuiltin } from '../lib/lazy-builtin.js';
import { checkTenantToken, type AuthDenial } from './tenant-auth.js';
import type * as NodeCrypto from 'node:crypto';

/**
 * `node:crypto` and bcryptjs (which imports it) on the first basic-auth check, not at import: the log agent loads
 * them only when its web configuration has users (docs/agent.md, Figures).
 */
const crypto = lazyBuiltin<typeof NodeCrypto>('node:crypto');

/**
 * A web configuration (`server.web_config_file`, Prometheus's `--web.config.file`, or a component's own) in force:
 * TLS options for its listeners, certificates reloaded when their files change, and basic auth checked with bcrypt
 * (successful checks cached, so authenticated ingest does not pay bcrypt per request).
 */
export class WebConfig {
  private readonly okCache = new Map<string, number>();
  private readonly listeners = new Set<(ctx: SecureContextOptions) => void>();
  private tls: SecureContextOptions | undefined;

  constructor(
    readonly file: WebConfigFile,
    private readonly baseDir: string = process.cwd(),
  ) {
    this.tls = file.tls_server_config ? this.readTls() : undefined;
  }

  get tlsEnabled(): boolean {
    return this.tls !== undefined;
  }

  get authEnabled(): boolean {
    return Object.keys(this.file.basic_auth_users ?? {}).length > 0;
  }

  /** Options for `https.createServer` / Fastify's `https`, or undefined without TLS. */
  httpsOptions(): (SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean; allowHTTP1: boolean }) | undefined {
    if (!this.tls) return undefined;
    const auth = this.file.tls_server_config!.client_auth_type;
    return {
      ...this.tls,
      requestCert: auth !== 'NoClientCert',
      rejectUnauthorized: auth === 'RequireAndVerifyClientCert',
      allowHTTP1: true,
    };
  }

  /** TLS material as read now (for gRPC credentials). */
  tlsMaterial(): { key: Buffer; cert: Buffer; ca?: Buffer; verifyClient: boolean } | undefined {
    if (!this.tls) return undefined;
    const auth = this.file.tls_server_config!.client_auth_type;
    return { key: this.tls.key as Buffer, cert: this.tls.cert as Buffer, ca: this.tls.ca as Buffer | undefined, verifyClient: auth === 'RequireAndVerifyClientCert' };
  }

  private path(p: string): string {
    return p.startsWith('/') ? p : `${this.baseDir}/${p}`;
  }

  private readTls(): SecureContextOptions {
    const t = this.file.tls_server_config!;
    const versions: Record<string, 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };
    return {
      key: readFileSync(this.path(t.key_file)),
      cert: readFileSync(this.path(t.cert_file)),
      ca: t.client_ca_file ? readFileSync(this.path(t.client_ca_file)) : undefined,
      minVersion: versions[t.min_version],
      maxVersion: t.max_version ? versions[t.max_version] : undefined,
      ciphers: t.cipher_suites ? t.cipher_suites.map(goCipherToOpenSsl).join(':') : undefined,
    };
  }

  /** Call `fn` with new TLS options whenever the certificate, key or CA file changes. Returns the stop function. */
  watchCertificates(fn: (ctx: SecureContextOptions) => void): () => void {
    this.listeners.add(fn);
    const t = this.file.tls_server_config;
    if (!t || this.listeners.size > 1) return () => this.listeners.delete(fn);
    const files = [t.cert_file, t.key_file, ...(t.client_ca_file ? [t.client_ca_file] : [])].map((f) => this.path(f));
    const reload = () => {
      try {
        this.tls = this.readTls();
        for (const l of this.listeners) l(this.tls);
      } catch {
        // a half-written pair: keep serving the old one until the next change
      }
    };
    for (const f of files) watchFile(f, { interval: 1000 }, reload);
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) for (const f of files) unwatchFile(f, reload);
    };
  }

  /** Whether `authorization` carries valid basic auth credentials (always true when no users are configured). */
  async checkBasicAuth(authorization: string | undefined): Promise<boolean> {
    const users = this.file.basic_auth_users;
    if (!users || Object.keys(users).length === 0) return true;
    if (!authorization?.startsWith('Basic ')) return false;
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return false;
    const user = decoded.slice(0, i);
    const hash = users[user];
    if (hash === undefined) return false;
    const key = crypto().createHash('sha256').update(decoded).update('\0').update(hash).digest('base64');
    const cached = this.okCache.get(key);
    if (cached !== undefined && cached > Date.now()) return true;
    const { default: bcrypt } = await import('bcryptjs');
    const ok = await bcrypt.compare(decoded.slice(i + 1), hash);
    if (ok) {
      if (this.okCache.size > 10_000) this.okCache.clear();
      this.okCache.set(key, Date.now() + 60_000);
    }
    return ok;
  }

  /** Whether the client certificate the TLS socket saw satisfies `client_auth_type` (checked per request). */
  clientCertAcceptable(socket: TLSSocket | undefined): boolean {
    const auth = this.file.tls_server_config?.client_auth_type;
    if (!socket || !auth || auth === 'NoClientCert' || auth === 'RequestClientCert') return true;
    const cert = socket.getPeerCertificate?.();
    const presented = cert !== undefined && Object.keys(cert).length > 0;
    if (auth === 'RequireAnyClientCert') return presented;
    if (auth === 'VerifyClientCertIfGiven') return !presented || socket.authorized;
    return presented && socket.authorized;
  }
}

/** Go's TLS cipher suite names for the suites OpenSSL also has. */
function goCipherToOpenSsl(name: string): string {
  const map: Record<string, string> = {
    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
    TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  };
  return map[name] ?? name;
}

/** The global web configuration and the listeners that have their own (`<section>.web_config_file` / `web_config`). */
interface ProcessWebConfigs {
  global: WebConfig | undefined;
  perListener: ReadonlyMap<string, WebConfig | undefined>;
}

let processWebConfigs: ProcessWebConfigs = { global: undefined, perListener: new Map() };

/**
 * Install the process's web configurations (the CLI does, before any listener starts): `global` for every listener
 * not in `perListener`; a listener mapped to undefined serves plain without basic auth. No arguments removes them.
 */
export function setProcessWebConfig(global: WebConfig | undefined, perListener: ReadonlyMap<string, WebConfig | undefined> = new Map()): void {
  processWebConfigs = { global, perListener };
}

/** The web configuration in force for the listener named `listener` (`createHttpServer`'s `name`), if any. */
export function webConfigFor(listener: string): WebConfig | undefined {
  const { global, perListener } = processWebConfigs;
  return perListener.has(listener) ? perListener.get(listener) : global;
}

/** Client certificate policy, then basic auth: undefined when `w` lets the request through, otherwise the refusal. */
async function checkWebConfig(w: WebConfig, req: IncomingMessage): Promise<AuthDenial | undefined> {
  if (w.tlsEnabled && !w.clientCertAcceptable(req.socket as TLSSocket)) return { status: 403, message: 'client certificate required\n' };
  if (!(await w.checkBasicAuth(req.headers.authorization))) return { status: 401, message: 'Unauthorized\n' };
  return undefined;
}

/**
 * Fastify `onRequest` hook of the listener named `listener`: its web configuration's headers, client certificate
 * policy, then basic auth (401 with a challenge). The configuration is looked up per request, so it follows
 * `setProcessWebConfig`.
 */
export function webConfigHook(listener: string): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req, reply) => {
    const w = webConfigFor(listener);
    if (!w) return;
    for (const [k, v] of Object.entries(w.file.http_server_config?.headers ?? {})) reply.header(k, v);
    const denied = await checkWebConfig(w, req.raw);
    if (!denied) return;
    if (denied.status === 401) reply.header('www-authenticate', 'Basic');
    await reply.code(denied.status).type('text/plain').send(denied.message);
  };
}

/**
 * The checks of `webConfigHook` then `tenantAuthHook` for a WebSocket upgrade on `listener` (upgrades bypass Fastify's
 * hooks): undefined when the request may proceed (its tenant principal bound), otherwise the refusal.
 */
export async function authorizeUpgrade(listener: string, req: IncomingMessage): Promise<AuthDenial | undefined> {
  const w = webConfigFor(listener);
  const denied = w && (await checkWebConfig(w, req));
  return denied ?? checkTenantToken(listener, req.method ?? 'GET', req.url ?? '/', req.headers);
}
