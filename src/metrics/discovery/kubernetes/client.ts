import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { HttpClient, authorizationHeader, tlsConnectionOptions } from '../../httpclient/index.js';
import type { KubernetesSdConfig } from '../../promconfig/index.js';

export const IN_CLUSTER_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** How to reach an API server: its URL, an HTTP client (TLS, proxy) and a function giving the auth header for each request. */
export interface KubeConnection {
  server: URL;
  client: HttpClient;
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
    client: new HttpClient({
      tls: {
        ca: b64(cluster['certificate-authority-data']) ?? readOpt(rel(cluster['certificate-authority'])),
        cert: b64(user['client-certificate-data']) ?? readOpt(rel(user['client-certificate'])),
        key: b64(user['client-key-data']) ?? readOpt(rel(user['client-key'])),
        rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
        ...(cluster['tls-server-name'] ? { servername: cluster['tls-server-name'] } : {}),
      },
    }),
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
  return {
    server: new URL(server),
    client: new HttpClient({ tls_config: cfg.tls_config, proxy_url: cfg.proxy_url, no_proxy: cfg.no_proxy, proxy_connect_header: cfg.proxy_connect_header }),
    authHeader: () => authorizationHeader(cfg),
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
    client: new HttpClient({ tls: { ...tlsConnectionOptions(cfg.tls_config), ca: cfg.tls_config.ca ?? readOpt(cfg.tls_config.ca_file ?? join(inClusterDir, 'ca.crt')) } }),
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
    const req = conn.client.request(url, { method: 'GET', headers, signal });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
}

export async function readBody(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
