import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { lazyBuiltin } from '../../lib/lazy-builtin.js';
import type { Registry } from 'prom-client';
import { splitHostPort } from '../../config/index.js';
import { authorizeUpgrade, processMemoryGuard, webConfigFor } from '../../server/index.js';
import type * as NodeHttps from 'node:https';

/** What a route answers: status, content type and body (a redirect's `location`). */
export interface AgentResponse {
  status: number;
  type?: string;
  body: string;
  location?: string;
}

export type AgentRoute = (url: URL, req: IncomingMessage) => AgentResponse | Promise<AgentResponse>;

export interface AgentServerOptions {
  /** The web-configuration listener name (`webConfigFor`): TLS, client certificates and basic auth. */
  name: string;
  registry: Registry;
  readyProbe: () => { status: number; body: string };
  /** GET routes by path, beside `/-/healthy`, `/ready`, `/-/ready` and `/metrics`. */
  routes: Record<string, AgentRoute>;
}

/** `node:https` (with `node:tls` and `node:crypto`) only for a TLS listener: ~1 MB resident otherwise not needed. */
const nodeHttps = lazyBuiltin<typeof NodeHttps>('node:https');

const ALWAYS = new Set(['/-/healthy', '/-/ready', '/ready', '/metrics']);

/**
 * The agent's self-monitoring listener on `node:http` (or `node:https` with the web configuration's TLS): a handful
 * of GET pages do not need Fastify, which costs a node agent ~17 MB of resident memory just loaded. The checks are
 * the other listeners': the web configuration (headers, client certificate, basic auth) and tenant tokens
 * (`authorizeUpgrade`), then the memory guard's shedding of everything but health, readiness and metrics.
 */
export class AgentServer {
  private readonly server: Server;
  private stopCertWatch: (() => void) | undefined;

  constructor(private readonly opts: AgentServerOptions) {
    const web = webConfigFor(opts.name);
    const https = web?.httpsOptions();
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.serve(req, res).catch((e: unknown) => {
        if (!res.headersSent) send(res, { status: 500, body: `${(e as Error).message}\n` });
        else res.destroy();
      });
    };
    if (https && web) {
      const s = nodeHttps().createServer(https, handler);
      this.stopCertWatch = web.watchCertificates((ctx) => s.setSecureContext({ ...https, ...ctx }));
      this.server = s;
    } else {
      this.server = createHttpServer(handler);
    }
  }

  /** Listen on `host:port`; returns the bound port (port 0 picks one). */
  async listen(address: string): Promise<number> {
    const { host, port } = splitHostPort(address);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : port;
  }

  async close(): Promise<void> {
    this.stopCertWatch?.();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const web = webConfigFor(this.opts.name);
    for (const [k, v] of Object.entries(web?.file.http_server_config?.headers ?? {})) res.setHeader(k, v);
    const denied = await authorizeUpgrade(this.opts.name, req);
    if (denied) {
      if (denied.status === 401) res.setHeader('www-authenticate', 'Basic');
      send(res, { status: denied.status, body: denied.message });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://agent');
    const path = url.pathname;
    const route = this.opts.routes[path];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || (route === undefined && !ALWAYS.has(path))) {
      send(res, { status: 404, body: '404 page not found\n' });
      return;
    }
    if (!ALWAYS.has(path) && processMemoryGuard()?.shedQuery()) {
      res.setHeader('retry-after', '1');
      send(res, { status: 503, body: 'request shed due to high memory usage\n' });
      return;
    }
    switch (path) {
      case '/-/healthy':
        send(res, { status: 200, body: 'Healthy.\n' });
        return;
      case '/ready':
      case '/-/ready':
        send(res, this.opts.readyProbe());
        return;
      case '/metrics':
        send(res, { status: 200, type: this.opts.registry.contentType, body: await this.opts.registry.metrics() });
        return;
    }
    send(res, await route(url, req), req.method === 'HEAD');
  }
}

function send(res: ServerResponse, r: AgentResponse, head = false): void {
  res.statusCode = r.status;
  res.setHeader('content-type', r.type ?? 'text/plain; charset=utf-8');
  if (r.location !== undefined) res.setHeader('location', r.location);
  res.setHeader('content-length', Buffer.byteLength(r.body));
  res.end(head ? undefined : r.body);
}
