import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { KubernetesSdConfig } from '../../promconfig/index.js';

export const IN_CLUSTER_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** How to reach an API server: its URL, TLS material and a function giving the auth header for each request. */
export interface KubeConnection {
  server: URL;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipVerify: boolean;
  serverName?: string;
  /** Read at every request, so rotated tokens are picked up. */
  authHeader(): string | undefined;
  /** The namespace of the kubeconfig context or the service account, if known. */
  ownNamespace?: string;
}

export class KubeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeConfigError';
  }
}

function readOpt(file: string | undefined): Buffer | undefined {
  return file ? readFileSync(file) : undefined;
}

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user?: string; namespace?: string } }[];
  clusters?: { name: string; cluster: { server: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean; 'tls-server-name'?: string } }[];
  users?: {
    name: string;
    user: { token?: string; tokenFile?: string; 'client-certificate'?: string; 'client-certificate-data'?: string; 'client-key'?: string; 'client-key-data'?: string; username?: string; password?: string };
  }[];
}

function fromKubeconfig(file: string): KubeConnection {
  let kc: KubeconfigFile;
  try {
    kc = parseYaml(readFileSync(file, 'utf8')) as KubeconfigFile;
  } catch (e) {
    throw new KubeConfigError(`cannot read kubeconfig ${file}: ${(e as Error).message}`);
  }
  const dir = dirname(file);
  const rel = (p: string | undefined) => (p === undefined ? undefined : isAbsolute(p) ? p : join(dir, p));
  const ctxName = kc['current-context'];
  const ctx = kc.contexts?.find((c) => c.name === ctxName)?.context ?? kc.contexts?.[0]?.context;
  if (!ctx) throw new KubeConfigError(`kubeconfig ${file}: no context`);
  const cluster = kc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster) throw new KubeConfigError(`kubeconfig ${file}: cluster ${JSON.stringify(ctx.cluster)} not found`);
  const user = kc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  const b64 = (s: string | undefined) => (s === undefined ? undefined : Buffer.from(s, 'base64'));
  const tokenFile = rel(user.tokenFile);
  return {
    server: new URL(cluster.server),
    ca: b64(cluster['certificate-authority-data']) ?? readOpt(rel(cluster['certificate-authority'])),
    cert: b64(user['client-certificate-data']) ?? readOpt(rel(user['client-certificate'])),
    key: b64(user['client-key-data']) ?? readOpt(rel(user['client-key'])),
    insecureSkipVerify: cluster['insecure-skip-tls-verify'] === true,
    serverName: cluster['tls-server-name'],
    ownNamespace: ctx.namespace ?? 'default',
    authHeader: () => {
      if (user.token) return `Bearer ${user.token}`;
      if (tokenFile) return `Bearer ${readFileSync(tokenFile, 'utf8').trim()}`;
      if (user.username !== undefined) return `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`;
      return undefined;
    },
  };
}

function fromHttpClientConfig(cfg: KubernetesSdConfig, server: string): KubeConnection {
  const tls = cfg.tls_config;
  return {
    server: new URL(server),
    ca: tls.ca !== undefined ? Buffer.from(tls.ca) : readOpt(tls.ca_file),
    cert: tls.cert !== undefined ? Buffer.from(tls.cert) : readOpt(tls.cert_file),
    key: tls.key !== undefined ? Buffer.from(tls.key) : readOpt(tls.key_file),
    insecureSkipVerify: tls.insecure_skip_verify,
    serverName: tls.server_name,
    authHeader: () => {
      const b = cfg.basic_auth;
      if (b) {
        const pw = b.password_file ? readFileSync(b.password_file, 'utf8').trim() : (b.password ?? '');
        const un = b.username_file ? readFileSync(b.username_file, 'utf8').trim() : b.username;
        return `Basic ${Buffer.from(`${un}:${pw}`).toString('base64')}`;
      }
      const a = cfg.authorization;
      if (a) {
        const cred = a.credentials_file ? readFileSync(a.credentials_file, 'utf8').trim() : (a.credentials ?? '');
        return `${a.type} ${cred}`;
      }
      if (cfg.bearer_token) return `Bearer ${cfg.bearer_token}`;
      if (cfg.bearer_token_file) return `Bearer ${readFileSync(cfg.bearer_token_file, 'utf8').trim()}`;
      return undefined;
    },
  };
}

/** The connection a `kubernetes_sd_configs` entry describes: api_server, kubeconfig_file, or in-cluster. */
export function resolveKubeConnection(cfg: KubernetesSdConfig, env: NodeJS.ProcessEnv = process.env, inClusterDir = IN_CLUSTER_DIR): KubeConnection {
  if (cfg.kubeconfig_file) return fromKubeconfig(cfg.kubeconfig_file);
  if (cfg.api_server) return fromHttpClientConfig(cfg, cfg.api_server);
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new KubeConfigError('unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined');
  const tokenFile = join(inClusterDir, 'token');
  let ownNamespace: string | undefined;
  try {
    ownNamespace = readFileSync(join(inClusterDir, 'namespace'), 'utf8').trim();
  } catch {
    ownNamespace = undefined;
  }
  const h = host.includes(':') ? `[${host}]` : host;
  return {
    server: new URL(`https://${h}:${port}`),
    ca: readOpt(join(inClusterDir, 'ca.crt')),
    insecureSkipVerify: false,
    ownNamespace,
    authHeader: () => `Bearer ${readFileSync(tokenFile, 'utf8').trim()}`,
  };
}

/** GET `path` on the API server; resolves with the response (status and a readable body). */
export function kubeGet(conn: KubeConnection, path: string, signal: AbortSignal): Promise<http.IncomingMessage> {
  const url = new URL(path, conn.server);
  const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'Sightline/kubernetes-sd' };
  const auth = conn.authHeader();
  if (auth) headers.Authorization = auth;
  return new Promise((resolve, reject) => {
    const opts: https.RequestOptions = { method: 'GET', headers, signal };
    if (url.protocol === 'https:') {
      opts.ca = conn.ca;
      opts.cert = conn.cert;
      opts.key = conn.key;
      opts.rejectUnauthorized = !conn.insecureSkipVerify;
      if (conn.serverName) opts.servername = conn.serverName;
    }
    const req = (url.protocol === 'https:' ? https : http).request(url, opts, resolve);
    req.on('error', reject);
    req.end();
  });
}

export async function readBody(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
