import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, listen } from './http-server.js';
import { silentLogger } from './logger.js';
import { MemoryGuard, setProcessMemoryGuard } from './memory-guard.js';
import { isWriteRequest } from './request-guards.js';
import { createSelfMetricsRegistry } from './self-metrics.js';

describe('memory guard', () => {
  afterEach(() => setProcessMemoryGuard(undefined));

  it('classifies ingest paths of every pillar as writes', () => {
    for (const p of ['/api/v1/write', '/api/v1/push', '/loki/api/v1/push', '/v1/traces', '/v1/metrics', '/v1/logs', '/api/v2/spans', '/api/traces', '/otlp/v1/logs']) {
      expect(isWriteRequest('POST', p), p).toBe(true);
    }
    expect(isWriteRequest('POST', '/api/v1/query')).toBe(false);
    expect(isWriteRequest('GET', '/api/traces')).toBe(false);
  });

  it('reads resident memory at most once per sampling interval', () => {
    let reads = 0;
    let rss = 100;
    const guard = new MemoryGuard({ limitBytes: 1000, readRss: () => (reads++, rss), sampleEveryMs: 60_000 });
    for (let i = 0; i < 1000; i++) expect(guard.refuseWrite()).toBe(false);
    rss = 2000; // not seen until the next reading is due
    expect(guard.refuseWrite()).toBe(false);
    expect(reads).toBe(1);
    const every = new MemoryGuard({ limitBytes: 1000, readRss: () => rss, sampleEveryMs: 0 });
    expect(every.refuseWrite()).toBe(true);
  });

  it('refuses writes above the soft limit and sheds queries above the hard limit, with Retry-After', async () => {
    let rss = 100;
    const guard = new MemoryGuard({ limitBytes: 1000, spikeBytes: 200, readRss: () => rss, sampleEveryMs: 0 });
    const registry = createSelfMetricsRegistry();
    guard.register(registry);
    setProcessMemoryGuard(guard);
    const app = createHttpServer({ name: 't', listenAddress: '127.0.0.1:0', logger: silentLogger(), registry });
    let stored = 0;
    app.post('/loki/api/v1/push', async (_req, reply) => {
      stored++;
      return reply.code(204).send();
    });
    app.get('/api/v1/query', async () => ({ status: 'success' }));
    const port = await listen(app, '127.0.0.1:0');
    const base = `http://127.0.0.1:${port}`;
    const push = () => fetch(`${base}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    try {
      expect((await push()).status).toBe(204);
      rss = 850; // above soft (800)
      const r = await push();
      expect([r.status, r.headers.get('retry-after'), await r.text()]).toEqual([503, '1', 'data refused due to high memory usage\n']);
      expect((await fetch(`${base}/api/v1/query`)).status).toBe(200);
      rss = 1200; // above hard
      expect((await fetch(`${base}/api/v1/query`)).status).toBe(503);
      expect((await fetch(`${base}/-/ready`)).status).toBe(200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/sightline_memory_refused_writes_total 1/);
      expect(metrics).toMatch(/sightline_memory_shed_queries_total 1/);
      rss = 100; // memory back to baseline: writes flow again
      expect((await push()).status).toBe(204);
      expect(stored).toBe(2);
    } finally {
      await app.close();
    }
  });
});

describe('browser write guard', () => {
  it('refuses cross-site writes and CORS-simple content types on ingest paths only', async () => {
    const registry = createSelfMetricsRegistry();
    const app = createHttpServer({ name: 't', listenAddress: '127.0.0.1:0', logger: silentLogger(), registry });
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.post('/api/v1/write', async (_req, reply) => reply.code(204).send());
    app.post('/api/v1/query', async () => ({ status: 'success' }));
    const port = await listen(app, '127.0.0.1:0');
    const base = `http://127.0.0.1:${port}`;
    const post = (path: string, headers: Record<string, string>) => fetch(`${base}${path}`, { method: 'POST', headers, body: 'x' });
    try {
      expect((await post('/api/v1/write', { 'content-type': 'application/x-protobuf' })).status).toBe(204);
      expect((await post('/api/v1/write', { 'content-type': 'text/plain;charset=UTF-8' })).status).toBe(415);
      expect((await post('/api/v1/write', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
      expect((await post('/api/v1/write', { 'content-type': 'application/x-protobuf', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
      expect((await post('/api/v1/write', { 'content-type': 'application/x-protobuf', 'sec-fetch-site': 'same-origin' })).status).toBe(204);
      expect((await post('/api/v1/query', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
