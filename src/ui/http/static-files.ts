import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serve the built single-page app from `root`: files by path (hashed `/assets/*` cached for a year), and
 * `index.html` for every other GET that is not an API route, so client-side routes work on reload.
 */
export function registerStaticFiles(app: FastifyInstance, root: string | undefined): void {
  const rootDir = root ? normalize(root) : undefined;
  app.get('/*', async (req, reply) => {
    let path: string;
    try {
      path = decodeURIComponent(req.url.split('?')[0] ?? '/');
    } catch {
      return reply.code(400).type('text/plain').send('Bad request\n');
    }
    if (path.startsWith('/api/')) return reply.code(404).send({ message: 'Not found' });
    if (!rootDir || !existsSync(join(rootDir, 'index.html'))) {
      return reply.code(503).type('text/plain').send('The web UI is not built: run `npm run build` (the API under /api/ works without it).\n');
    }
    const file = normalize(join(rootDir, path));
    if (file.startsWith(rootDir + sep) && existsSync(file) && statSync(file).isFile()) {
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      reply.header('cache-control', path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      reply.header('x-content-type-options', 'nosniff');
      return reply.type(type).send(createReadStream(file));
    }
    if (extname(path) !== '') return reply.code(404).type('text/plain').send('Not found\n');
    reply.header('cache-control', 'no-cache');
    reply.header('x-frame-options', 'deny');
    return reply.type(TYPES['.html']).send(createReadStream(join(rootDir, 'index.html')));
  });
}
