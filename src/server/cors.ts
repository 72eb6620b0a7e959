import type { FastifyReply, FastifyRequest } from 'fastify';
import { isWriteRequest } from './request-guards.js';

/** What CORS needs of a compiled origin pattern (an anchored `src/lib/regex` Regex). */
export interface CorsOrigin {
  readonly source: string;
  test(origin: string): boolean;
}

let processCors: CorsOrigin | undefined;

/**
 * Install the process's allowed CORS origins (`server.cors_origin`, Prometheus's `--web.cors.origin`, anchored);
 * undefined (the default) means no cross-origin access at all.
 */
export function setProcessCorsOrigin(origin: CorsOrigin | undefined): void {
  processCors = origin;
}

export function processCorsOrigin(): CorsOrigin | undefined {
  return processCors;
}

/**
 * Prometheus's `httputil.SetCORS`: with an `Origin` the pattern matches, the origin is echoed (`*` for `.*`, as
 * Prometheus answers its default). Write (ingest) endpoints never allow a cross-origin caller, whatever the pattern.
 * Returns whether the origin was allowed.
 */
export function setCorsHeaders(req: FastifyRequest, reply: FastifyReply, pattern: CorsOrigin | undefined = processCors): boolean {
  reply.header('vary', 'Origin');
  const origin = req.headers.origin;
  if (!origin || !pattern) return false;
  const path = req.url.split('?', 1)[0];
  if (isWriteRequest('POST', path)) return false;
  if (!pattern.test(origin)) return false;
  reply.header('access-control-allow-headers', 'Accept, Authorization, Content-Type, Origin');
  reply.header('access-control-allow-methods', 'GET, POST, OPTIONS');
  reply.header('access-control-expose-headers', 'Date');
  reply.header('access-control-allow-origin', pattern.source === '.*' ? '*' : origin);
  return true;
}

/**
 * Fastify `onRequest` hook of an API listener: CORS headers per the process's pattern, and preflights (OPTIONS with
 * `Access-Control-Request-Method`) answered 204 here, with the CORS headers only when the origin is allowed.
 */
export async function corsHook(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (req.headers.origin === undefined) return;
  setCorsHeaders(req, reply);
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) await reply.code(204).send();
}
