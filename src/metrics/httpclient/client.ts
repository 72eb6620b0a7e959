import http from 'node:http';
import type https from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { lazyBuiltin } from '../../lib/lazy-builtin.js';
import type { TlsConfig } from '../promconfig/index.js';
import { tlsConnectionOptions } from './tls.js';

/** The transport parts of Prometheus's HTTPClientConfig: TLS and an HTTP proxy. */
export interface TransportOptions {
  tls_config?: Partial<TlsConfig>;
  /** Already-resolved TLS options (e.g. from a kubeconfig); merged over `tls_config`. */
  tls?: ConnectionOptions;
  proxy_url?: string;
  no_proxy?: string;
  proxy_connect_header?: Record<string, string[]>;
}

export interface RequestInit {
  method: string;
  headers: Record<string, string>;
  signal?: AbortSignal;
}

function proxyAuth(proxy: URL): string | undefined {
  if (proxy.username === '') return undefined;
  return `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
}

function connectHeaders(proxy: URL, extra: Record<string, string[]> | undefined): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(extra ?? {})) h[k] = v.join(', ');
  const auth = proxyAuth(proxy);
  if (auth) h['Proxy-Authorization'] = auth;
  return h;
}

/**
 * `node:https` and `node:tls` (with `node:crypto`) are loaded by the first https request, not at import: a log agent
 * whose Kubernetes discovery or clients speak http keeps ~1 MB less resident (docs/agent.md, Figures).
 */
const nodeHttps = lazyBuiltin<typeof https>('node:https');
const nodeTls = lazyBuiltin<typeof tls>('node:tls');

type TunnelAgentClass = new (proxy: URL, extraHeaders: Record<string, string>, opts: https.AgentOptions) => https.Agent;
let tunnelAgentClass: TunnelAgentClass | undefined;

/** https.Agent whose connections are tunnelled through an HTTP proxy with CONNECT (defined once https is loaded). */
function tunnelAgent(): TunnelAgentClass {
  return (tunnelAgentClass ??= defineTunnelAgent(nodeHttps().Agent));
}

function defineTunnelAgent(HttpsAgent: typeof https.Agent): TunnelAgentClass {
  return class TunnelAgent extends HttpsAgent {
    constructor(
      private readonly proxy: URL,
      private readonly extraHeaders: Record<string, string>,
      opts: https.AgentOptions,
    ) {
      super(opts);
    }

    override createConnection(reqOpts: http.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): undefined {
      const options = reqOpts as tls.ConnectionOptions & { host?: string; port?: number };
      const cb = (err: Error | null, s?: Duplex) => callback?.(err, s!);
      const target = `${options.host ?? ''}:${options.port ?? 443}`;
      const req = http.request({
        host: this.proxy.hostname,
        port: this.proxy.port || 80,
        method: 'CONNECT',
        path: target,
        headers: { Host: target, ...this.extraHeaders },
      });
      req.once('connect', (res, socket) => {
        if (res.statusCode !== 200) {
          socket.destroy();
          cb(new Error(`proxyconnect tcp: proxy answered CONNECT with ${res.statusCode ?? 0} ${res.statusMessage ?? ''}`.trimEnd()));
          return;
        }
        cb(null, nodeTls().connect({ ...options, socket }));
      });
      req.once('error', (e) => cb(new Error(`proxyconnect tcp: ${e.message}`)));
      req.end();
      return undefined;
    }
  };
}

/** Go's NO_PROXY rules: `*`, host names (and their subdomains), `.domain`, IP addresses, CIDR ranges, optional `:port`. */
export function noProxyMatcher(spec: string | undefined): (url: URL) => boolean {
  const entries = (spec ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (entries.includes('*')) return () => true;
  const cidrs = new BlockList();
  let hasCidr = false;
  const names: { host: string; port: string }[] = [];
  for (const e of entries) {
    const slash = e.indexOf('/');
    if (slash > 0 && isIP(e.slice(0, slash))) {
      cidrs.addSubnet(e.slice(0, slash), Number(e.slice(slash + 1)), isIP(e.slice(0, slash)) === 6 ? 'ipv6' : 'ipv4');
      hasCidr = true;
      continue;
    }
    const m = /^(.*?)(?::(\d+))?$/.exec(e)!;
    names.push({ host: m[1].replace(/^\[|\]$/g, ''), port: m[2] ?? '' });
  }
  return (url) => {
    const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    const ipv = isIP(host);
    if (hasCidr && ipv !== 0 && cidrs.check(host, ipv === 6 ? 'ipv6' : 'ipv4')) return true;
    for (const n of names) {
      if (n.port !== '' && n.port !== port) continue;
      if (n.host.startsWith('.') ? host.endsWith(n.host) : host === n.host || host.endsWith(`.${n.host}`)) return true;
    }
    return false;
  };
}

/**
 * Keep-alive HTTP(S) connections configured from a Prometheus `tls_config`, `proxy_url` and `no_proxy`. Plain-HTTP
 * requests through the proxy use absolute-form request targets; HTTPS requests are tunnelled with CONNECT.
 */
export class HttpClient {
  private readonly httpAgent: http.Agent;
  /** Made by the first https request (`secureAgent`). */
  private httpsAgent: https.Agent | undefined;
  private readonly httpsAgentOptions: https.AgentOptions;
  private readonly proxyConnectHeaders: Record<string, string>;
  private readonly proxy: URL | undefined;
  private readonly bypass: (url: URL) => boolean;
  /** The TLS options every HTTPS connection uses. */
  readonly tlsOptions: ConnectionOptions;

  constructor(opts: TransportOptions = {}, agentOpts: http.AgentOptions = { keepAlive: true }) {
    const tlsOpts = { ...tlsConnectionOptions(opts.tls_config), ...opts.tls };
    this.tlsOptions = tlsOpts;
    this.proxy = opts.proxy_url ? new URL(opts.proxy_url) : undefined;
    if (this.proxy && this.proxy.protocol !== 'http:') throw new Error(`proxy_url ${this.proxy.protocol}// is not supported (only http://)`);
    this.bypass = noProxyMatcher(opts.no_proxy);
    this.httpAgent = new http.Agent(agentOpts);
    this.httpsAgentOptions = { ...agentOpts, ...tlsOpts };
    this.proxyConnectHeaders = this.proxy ? connectHeaders(this.proxy, opts.proxy_connect_header) : {};
  }

  private secureAgent(): https.Agent {
    const TunnelAgent = this.proxy ? tunnelAgent() : undefined;
    this.httpsAgent ??= TunnelAgent ? new TunnelAgent(this.proxy!, this.proxyConnectHeaders, this.httpsAgentOptions) : new (nodeHttps().Agent)(this.httpsAgentOptions);
    return this.httpsAgent;
  }

  /** Start a request; the caller writes the body (if any), ends it and reads the response. */
  request(url: URL, init: RequestInit): http.ClientRequest {
    if (url.protocol === 'https:') return nodeHttps().request(url, { ...init, agent: this.proxy && this.bypass(url) ? this.directHttps() : this.secureAgent() });
    if (!this.proxy || this.bypass(url)) return http.request(url, { ...init, agent: this.httpAgent });
    const headers: Record<string, string> = { ...init.headers, Host: url.host };
    const auth = proxyAuth(this.proxy);
    if (auth) headers['Proxy-Authorization'] = auth;
    return http.request({ host: this.proxy.hostname, port: this.proxy.port || 80, path: url.href, method: init.method, headers, signal: init.signal, agent: this.httpAgent });
  }

  private direct: https.Agent | undefined;
  private directHttps(): https.Agent {
    this.direct ??= new (nodeHttps().Agent)({ ...this.httpsAgentOptions });
    return this.direct;
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent?.destroy();
    this.direct?.destroy();
  }
}

export interface BufferedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request with a body, the whole response buffered. */
export function sendRequest(client: HttpClient, url: URL, init: RequestInit, body?: Uint8Array): Promise<BufferedResponse> {
  return new Promise((resolve, reject) => {
    const req = client.request(url, init);
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.end(body);
  });
}
