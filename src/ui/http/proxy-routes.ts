import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../server/index.js';
import { roleAtLeast } from '../auth/roles.js';
import type { DatasourceRow } from '../datasources/datasource-store.js';
import { proxyRole } from '../datasources/proxy-paths.js';
import { DatasourceUrlError } from '../datasources/url-policy.js';
import { upstreamHeaders, upstreamTarget, upstreamTimeoutMs } from '../datasources/upstream.js';
import { parseId, requireRole, type UiRouteContext } from './context.js';

/** Request headers passed on to the datasource; cookies, the caller's credentials and its X-Scope-OrgID never are (the tenant is the datasource's, set by its custom headers). */
const FORWARD_REQUEST = ['accept', 'content-type', 'x-query-tags', 'cache-control'];
/** Response headers passed back (body is re-streamed decoded, so no content-encoding/length). */
const FORWARD_RESPONSE = ['content-type', 'cache-control', 'warning', 'results-cache-gen-number'];

/**
 * `/api/datasources/proxy/uid/<uid>/*` (and the legacy `/proxy/<id>/*`): the server calls the datasource with its
 * stored credentials and streams the answer back unchanged, status and body, so errors read as the API gives them.
 */
export async function registerProxyRoutes(app: FastifyInstance, c: UiRouteContext): Promise<void> {
  await app.register(async (scope) => {
    // Bodies pass through untouched, whatever their type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 16 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    const handle = async (req: FastifyRequest, reply: FastifyReply, row: DatasourceRow | undefined) => {
      const user = requireRole(req, 'Viewer');
      if (!row) throw new HttpError(404, 'not_found', 'Unable to find datasource');
      if (row.access !== 'proxy') throw new HttpError(400, 'bad_data', 'Data source is not configured for proxy access');
      // The sub-path as the client encoded it (after /api/datasources/proxy/uid/<uid>/ or /proxy/<id>/).
      const segments = req.url.split('?')[0].split('/');
      const rawSub = segments.slice(segments[4] === 'uid' ? 6 : 5).join('/');
      const qi = req.url.indexOf('?');
      let target: URL;
      let sub: string;
      try {
        await c.urlPolicy.check(row.url);
        ({ url: target, subPath: sub } = upstreamTarget(row.url, rawSub, qi >= 0 ? req.url.slice(qi) : ''));
      } catch (e) {
        if (e instanceof DatasourceUrlError) throw new HttpError(400, 'bad_data', e.message);
        throw new HttpError(400, 'bad_data', (e as Error).message);
      }
      // Judged on the path the upstream will serve, after the URL parser resolved it.
      const needed = proxyRole(row.type, req.method, sub);
      if (!roleAtLeast(user.role, needed)) {
        throw new HttpError(403, 'forbidden', `Permission denied: ${req.method} /${sub} through the ${row.type} proxy needs the ${needed} role`);
      }
      const headers = upstreamHeaders(row, c.datasources.secrets(row));
      for (const h of FORWARD_REQUEST) {
        const v = req.headers[h];
        if (typeof v === 'string' && !(h in headers)) headers[h] = v;
      }
      const timeoutMs = upstreamTimeoutMs(row, c.proxyTimeoutMs);
      let res: Response;
      const t0 = performance.now();
      try {
        res = await fetch(target, {
          method: req.method,
          headers,
          body: req.method === 'GET' || req.method === 'HEAD' ? undefined : (req.body as Buffer | undefined),
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'manual',
        });
      } catch (e) {
        const err = e as Error & { cause?: Error };
        c.observeProxy(row.type, err.name === 'TimeoutError' ? 504 : 502, (performance.now() - t0) / 1000);
        if (err.name === 'TimeoutError') throw new HttpError(504, 'timeout', `datasource ${row.name}: no answer within ${timeoutMs} ms`);
        throw new HttpError(502, 'bad_gateway', `datasource ${row.name}: ${err.cause?.message ?? err.message}`);
      }
      c.observeProxy(row.type, res.status, (performance.now() - t0) / 1000);
      reply.code(res.status);
      for (const h of FORWARD_RESPONSE) {
        const v = res.headers.get(h);
        if (v !== null) reply.header(h, v);
      }
      if (!res.body) return reply.send();
      return reply.send(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>));
    };
    scope.all('/api/datasources/proxy/uid/:uid/*', async (req, reply) => handle(req, reply, await c.datasources.byUid((req.params as { uid: string }).uid)));
    scope.all('/api/datasources/proxy/:id/*', async (req, reply) => handle(req, reply, await c.datasources.byId(parseId((req.params as { id: string }).id))));
  });
}
