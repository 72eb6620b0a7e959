import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerWebPages } from './web-pages.js';

async function app(uiPort: number | undefined, uiHost?: string) {
  const a = Fastify();
  registerWebPages(a, { uiPort: () => uiPort, uiHost });
  await a.ready();
  return a;
}

describe('Prometheus page paths on the Prometheus listener', () => {
  it('redirect to the web UI\'s pages on the host the client used when the UI listens on loopback', async () => {
    const a = await app(3000, '127.0.0.1');
    const cases: Array<[string, string]> = [
      ['/', '/explore?ds=prometheus'],
      ['/graph?g0.expr=up%7Bjob%3D%22a%22%7D&g0.tab=0', '/explore?ds=prometheus&expr=up%7Bjob%3D%22a%22%7D'],
      ['/targets', '/prometheus/targets'],
      ['/service-discovery', '/prometheus/service-discovery'],
      ['/rules', '/prometheus/rules'],
      ['/alerts', '/prometheus/alerts'],
      ['/status', '/prometheus/status'],
      ['/config', '/prometheus/config'],
      ['/flags', '/prometheus/flags'],
      ['/tsdb-status', '/prometheus/tsdb-status'],
    ];
    for (const [path, to] of cases) {
      const r = await a.inject({ url: path, headers: { host: 'localhost:9090' } });
      expect(r.statusCode, path).toBe(302);
      expect(r.headers.location, path).toBe(`http://localhost:3000${to}`);
    }
    await a.close();
  });

  it('redirect to the UI\'s own host when it is bound to one address', async () => {
    const a = await app(3001, '10.1.2.3');
    const r = await a.inject({ url: '/targets', headers: { host: 'prom.example:9090' } });
    expect(r.headers.location).toBe('http://10.1.2.3:3001/prometheus/targets');
    await a.close();
  });

  it('answer a page naming the API endpoints (200) when no UI runs in the process', async () => {
    const a = await app(undefined);
    for (const path of ['/', '/targets']) {
      const r = await a.inject({ url: path });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.body).toContain('<a href="/api/v1/query"><code>/api/v1/query</code></a>');
      expect(r.body).toContain('/api/v1/targets');
    }
    expect((await a.inject({ url: '/nope' })).statusCode).toBe(404);
    await a.close();
  });
});
