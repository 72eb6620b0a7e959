import type { FastifyReply, FastifyRequest } from 'fastify';
import { browserWriteRefusal } from './browser-write-guard.js';
import { processMemoryGuard } from './memory-guard.js';
import { refuseUnread } from './refuse-unread.js';

/**
 * The guards every listener applies before a request reaches its route: ingest paths refuse writes from web pages
 * (`browser-write-guard.ts`), and the process's memory guard refuses writes (then queries) under memory pressure.
 */
const ALWAYS = new Set(['/-/healthy', '/-/ready', '/ready', '/metrics']);
const WRITE_PATHS = [/\/api\/v1\/write$/, /\/api\/v1\/push$/, /\/loki\/api\/v1\/push$/, /\/v1\/(traces|metrics|logs)$/, /\/api\/v[12]\/spans$/, /^\/api\/traces$/];

/** Whether a request writes data (an ingest path). */
export function isWriteRequest(method: string, path: string): boolean {
  return method === 'POST' && WRITE_PATHS.some((re) => re.test(path));
}

/** Fastify `onRequest` hook applying the process's guards to a listener: browser writes, then memory. */
export async function requestGuardsHook(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const path = req.url.split('?', 1)[0];
  if (ALWAYS.has(path)) return;
  const write = isWriteRequest(req.method, path);
  if (write) {
    const refusal = browserWriteRefusal(req.headers);
    if (refusal) {
      await reply.code(refusal.status).type('text/plain').send(`${refusal.message}\n`);
      return;
    }
  }
  const g = processMemoryGuard();
  if (!g) return;
  if (write) {
    if (g.refuseWrite()) {
      await refuseUnread(req, reply, 503, { 'retry-after': '1', 'content-type': 'text/plain; charset=utf-8' }, 'data refused due to high memory usage\n');
    }
    return;
  }
  if (g.shedQuery()) await reply.code(503).header('retry-after', '1').type('text/plain').send('request shed due to high memory usage\n');
}
