import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHttpServer, listen } from './http-server.js';
import { silentLogger } from './logger.js';
import { refuseUnread } from './refuse-unread.js';
import { createSelfMetricsRegistry } from './self-metrics.js';

describe('refuseUnread', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(): Promise<{ url: string; bytesRead: () => number; sockets: () => number }> {
    app = createHttpServer({ name: 't', listenAddress: '127.0.0.1:0', logger: silentLogger(), registry: createSelfMetricsRegistry() });
    const seen = new Set<Socket>();
    let closedBytes = 0;
    app.addHook('onRequest', async (req, reply) => {
      const s = req.raw.socket;
      if (!seen.has(s)) {
        seen.add(s);
        s.once('close', () => (closedBytes += s.bytesRead));
      }
      return refuseUnread(req, reply, 503, { 'retry-after': '1', 'content-type': 'application/json' }, '{"code":14,"message":"refused"}');
    });
    app.post('/in', async () => 'stored');
    const port = await listen(app, '127.0.0.1:0');
    const live = () => [...seen].reduce((n, s) => n + (s.destroyed ? 0 : s.bytesRead), 0);
    return { url: `http://127.0.0.1:${port}/in`, bytesRead: () => closedBytes + live(), sockets: () => seen.size };
  }

  it('answers a large body without reading it, and the client gets the answer, not a reset', async () => {
    const { url, bytesRead, sockets } = await start();
    const body = Buffer.alloc(8 * 1024 * 1024, 'x');
    for (let i = 0; i < 20; i++) {
      const r = await fetch(url, { method: 'POST', body });
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.headers.get('connection')).toBe('close');
      expect(await r.json()).toEqual({ code: 14, message: 'refused' });
    }
    // 20 × 8 MiB sent; what was read is at most the socket buffers of each connection, not the bodies.
    expect(bytesRead()).toBeLessThan(20 * 2 * 1024 * 1024);
    expect(sockets()).toBe(20);
  });

  it('reads and drops a small body and keeps the connection', async () => {
    const { url, sockets } = await start();
    for (let i = 0; i < 20; i++) {
      const r = await fetch(url, { method: 'POST', body: Buffer.alloc(10_000, 'x') });
      expect(r.status).toBe(503);
      expect(r.headers.get('connection')).not.toBe('close');
      expect(await r.text()).toBe('{"code":14,"message":"refused"}');
    }
    expect(sockets()).toBeLessThan(5); // connections reused (the client may open a second while the first finishes sending)
  });
});
