import { afterEach, describe, expect, it } from 'vitest';
import { compileAnchored } from '../lib/regex/index.js';
import { corsHook, setProcessCorsOrigin } from './cors.js';
import Fastify from 'fastify';

// Prometheus's --web.cors.origin on every API listener: none by default, an anchored RE2 pattern otherwise, and
// never on ingest endpoints.

async function app() {
  const a = Fastify();
  a.addHook('onRequest', corsHook);
  a.get('/loki/api/v1/labels', async () => ({ status: 'success' }));
  a.post('/loki/api/v1/push', async (_req, reply) => reply.code(204).send());
  await a.ready();
  return a;
}

afterEach(() => setProcessCorsOrigin(undefined));

describe('CORS', () => {
  it('answers no origin by default', async () => {
    const a = await app();
    const r = await a.inject({ url: '/loki/api/v1/labels', headers: { origin: 'http://evil.example' } });
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await a.inject({ method: 'OPTIONS', url: '/loki/api/v1/labels', headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' } });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('echoes an origin the anchored pattern matches, refuses others and every ingest path', async () => {
    setProcessCorsOrigin(compileAnchored('https://grafana\\.example\\.com'));
    const a = await app();
    const ok = await a.inject({ url: '/loki/api/v1/labels', headers: { origin: 'https://grafana.example.com' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://grafana.example.com');
    expect(ok.headers.vary).toContain('Origin');
    // anchored: a suffix or prefix does not match
    for (const origin of ['https://grafana.example.com.evil.net', 'http://xhttps://grafana.example.com']) {
      const r = await a.inject({ url: '/loki/api/v1/labels', headers: { origin } });
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
    }
    const prePush = await a.inject({ method: 'OPTIONS', url: '/loki/api/v1/push', headers: { origin: 'https://grafana.example.com', 'access-control-request-method': 'POST' } });
    expect(prePush.headers['access-control-allow-origin']).toBeUndefined();
    expect(prePush.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('answers `*` for `.*`, as Prometheus does', async () => {
    setProcessCorsOrigin(compileAnchored('.*'));
    const a = await app();
    const r = await a.inject({ url: '/loki/api/v1/labels', headers: { origin: 'http://anything' } });
    expect(r.headers['access-control-allow-origin']).toBe('*');
  });
});
