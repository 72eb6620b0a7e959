/**
 * The UI hardened as issue 19 asks, over real HTTP on SQLite: security headers (HSTS only under TLS), sign-out by
 * POST only, session rotation on sign-in, sign-out and password change, login delay keyed by user and address
 * (X-Forwarded-For only from trusted proxies), datasource URLs to metadata addresses or other schemes refused, the
 * health check not following redirects, and nothing of the browser's (cookie, credentials, tenant) proxied.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sightlineConfigSchema, webConfigSchema } from '../src/config/index.js';
import { WebConfig, createSelfMetricsRegistry, listen, setProcessWebConfig, silentLogger } from '../src/server/index.js';
import { createUiServer, openUiDatabase, type UiDatabase } from '../src/ui/index.js';
import { tempDir } from './helpers/process.js';
import { makeTestPki } from './helpers/tls-certs.js';

const PASSWORD = 'correct horse battery staple';

interface Running {
  base: string;
  app: FastifyInstance;
  db: UiDatabase;
}

async function startUi(ui: Record<string, unknown> = {}): Promise<Running> {
  const config = sightlineConfigSchema.parse({ ui: { listen_address: '127.0.0.1:0', admin_password: PASSWORD, cookie_secure: false, provision_self: false, login: { max_attempts: 3, lockout: '1s' }, ...ui } }).ui;
  const db = await openUiDatabase({ type: 'sqlite', path: join(tempDir('sightline-ui-hardening-'), 'ui.db') });
  const app = await createUiServer({ config, db, secretKey: 'test-secret-key-0123456789', logger: silentLogger(), registry: createSelfMetricsRegistry(), env: {}, staticDir: tempDir() });
  const port = await listen(app, '127.0.0.1:0');
  return { base: `http://127.0.0.1:${port}`, app, db };
}

async function login(base: string, user = 'admin', password = PASSWORD, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ user, password }) });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  return { status: res.status, cookie, retryAfter: Number(res.headers.get('retry-after') ?? 0) };
}

async function whoAmI(base: string, cookie: string): Promise<number> {
  return (await fetch(`${base}/api/user`, { headers: { cookie } })).status;
}

/** A capture upstream: records each request's headers and answers with `answer`. */
function captureServer(answer: (url: string) => { status: number; headers?: Record<string, string>; body?: string }): Promise<{ server: Server; url: string; seen: { url: string; headers: IncomingHttpHeaders }[] }> {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    const a = answer(req.url ?? '');
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
    res.end(a.body ?? '{"status":"success","data":{"resultType":"scalar","result":[0,"2"]}}');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })));
}

describe('UI hardening', () => {
  let ui: Running;
  let behindProxy: Running;

  beforeAll(async () => {
    ui = await startUi();
    behindProxy = await startUi({ trusted_proxies: ['127.0.0.1/32'] });
  });
  afterAll(async () => {
    for (const r of [ui, behindProxy]) {
      await r.app.close();
      await r.db.close();
    }
  });

  it('sends CSP, frame, referrer and nosniff headers on pages and API, and no HSTS over plain HTTP', async () => {
    for (const path of ['/', '/login', '/api/health']) {
      const res = await fetch(ui.base + path);
      expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('sends HSTS when the UI is served over TLS', async () => {
    const dir = tempDir('sightline-ui-tls-');
    const pki = makeTestPki(dir, 'ui');
    setProcessWebConfig(new WebConfig(webConfigSchema.parse({ tls_server_config: { cert_file: pki.certFile, key_file: pki.keyFile } })));
    let tls: Running | undefined;
    try {
      tls = await startUi();
    } finally {
      setProcessWebConfig(undefined);
    }
    try {
      const res = await new Promise<{ status?: number; hsts?: string | string[] }>((resolve, reject) =>
        httpsGet(tls!.base.replace('http:', 'https:') + '/api/health', { ca: pki.ca }, (r) => {
          r.resume();
          resolve({ status: r.statusCode, hsts: r.headers['strict-transport-security'] });
        }).on('error', reject),
      );
      expect(res.status).toBe(200);
      expect(res.hsts).toBe('max-age=31536000');
    } finally {
      await tls.app.close();
      await tls.db.close();
    }
  });

  it('signs out only by POST: GET /logout changes nothing, a cross-origin or Origin: null POST is refused', async () => {
    const { cookie } = await login(ui.base);
    const get = await fetch(`${ui.base}/logout`, { headers: { cookie }, redirect: 'manual' });
    expect(get.status).toBe(405);
    expect(await whoAmI(ui.base, cookie)).toBe(200);
    for (const origin of ['null', 'http://evil.example']) {
      const res = await fetch(`${ui.base}/logout`, { method: 'POST', headers: { cookie, origin }, redirect: 'manual' });
      expect(res.status).toBe(403);
    }
    expect(await whoAmI(ui.base, cookie)).toBe(200);
    // The shell's sign-out form: same-origin, form-encoded.
    const post = await fetch(`${ui.base}/logout`, { method: 'POST', headers: { cookie, origin: ui.base, 'content-type': 'application/x-www-form-urlencoded' }, body: '', redirect: 'manual' });
    expect(post.status).toBe(303);
    expect(post.headers.get('location')).toBe('/login');
    expect(post.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect(await whoAmI(ui.base, cookie)).toBe(401);
  });

  it('rotates the session on sign-in and ends every other session on a password change', async () => {
    const first = await login(ui.base);
    const second = await login(ui.base, 'admin', PASSWORD, { cookie: first.cookie });
    expect(second.cookie).not.toBe(first.cookie);
    expect(await whoAmI(ui.base, first.cookie)).toBe(401);
    expect(await whoAmI(ui.base, second.cookie)).toBe(200);

    const other = await login(ui.base);
    const change = async (cookie: string, oldPassword: string, newPassword: string) =>
      fetch(`${ui.base}/api/user/password`, { method: 'PUT', headers: { cookie, origin: ui.base, 'content-type': 'application/json' }, body: JSON.stringify({ oldPassword, newPassword }) });
    const res = await change(second.cookie, PASSWORD, 'another long password');
    expect(res.status).toBe(200);
    const fresh = (res.headers.get('set-cookie') ?? '').split(';')[0];
    expect(fresh).not.toBe(second.cookie);
    expect(await whoAmI(ui.base, other.cookie)).toBe(401);
    expect(await whoAmI(ui.base, second.cookie)).toBe(401);
    expect(await whoAmI(ui.base, fresh)).toBe(200);
    expect((await change(fresh, 'another long password', PASSWORD)).status).toBe(200);
  });

  it('delays failed sign-ins per user and address, exponentially, without locking the account for everyone', async () => {
    const mallory = { 'x-forwarded-for': '198.51.100.7' };
    const admin = { 'x-forwarded-for': '203.0.113.9' };
    for (let i = 0; i < 3; i++) expect((await login(behindProxy.base, 'admin', 'wrong', mallory)).status).toBe(401);
    const blocked = await login(behindProxy.base, 'admin', PASSWORD, mallory);
    expect(blocked.status).toBe(429);
    expect(blocked.retryAfter).toBeGreaterThanOrEqual(1);
    // The admin at another address signs in at once.
    expect((await login(behindProxy.base, 'admin', PASSWORD, admin)).status).toBe(200);
    // Every further failure doubles the delay.
    await new Promise((r) => setTimeout(r, blocked.retryAfter * 1000 + 100));
    expect((await login(behindProxy.base, 'admin', 'wrong', mallory)).status).toBe(401);
    const longer = await login(behindProxy.base, 'admin', PASSWORD, mallory);
    expect(longer.status).toBe(429);
    expect(longer.retryAfter).toBeGreaterThan(blocked.retryAfter);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    // Without trusted proxies, rotating the header does not give a brute-forcer fresh addresses.
    for (let i = 0; i < 3; i++) expect((await login(ui.base, 'viewer-x', 'wrong', { 'x-forwarded-for': `192.0.2.${i}` })).status).toBe(401);
    expect((await login(ui.base, 'viewer-x', 'wrong', { 'x-forwarded-for': '192.0.2.99' })).status).toBe(429);
  });

  describe('datasources', () => {
    let admin: string;
    const post = (body: unknown) => fetch(`${ui.base}/api/datasources`, { method: 'POST', headers: { cookie: admin, origin: ui.base, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    beforeAll(async () => {
      admin = (await login(ui.base)).cookie;
    });

    it('refuses metadata and link-local addresses and non-HTTP schemes with a clear error', async () => {
      for (const url of ['http://169.254.169.254/', 'http://[fd00:ec2::254]/', 'http://[::ffff:169.254.169.254]/']) {
        const res = await post({ name: `meta-${url}`, type: 'prometheus', url });
        expect(res.status).toBe(400);
        expect(((await res.json()) as { message: string }).message).toMatch(/link-local or metadata address.*allowed_hosts/);
      }
      for (const url of ['file:///etc/passwd', 'gopher://127.0.0.1/']) {
        const res = await post({ name: `scheme-${url}`, type: 'prometheus', url });
        expect(res.status).toBe(400);
        expect(((await res.json()) as { message: string }).message).toMatch(/http/);
      }
    });

    it('refuses to proxy to, or health-check, a stored datasource whose URL is a metadata address', async () => {
      const created = await post({ uid: 'to-meta', name: 'to-meta', type: 'prometheus', url: 'http://127.0.0.1:9/' });
      expect(created.status).toBe(200);
      // As provisioning or an older version could have stored it.
      await ui.db.db.updateTable('datasources').set({ url: 'http://169.254.169.254/latest' }).where('uid', '=', 'to-meta').execute();
      const proxied = await fetch(`${ui.base}/api/datasources/proxy/uid/to-meta/api/v1/query?query=1`, { headers: { cookie: admin } });
      expect(proxied.status).toBe(400);
      expect(((await proxied.json()) as { message: string }).message).toMatch(/169\.254\.169\.254.*link-local or metadata/);
      const health = await fetch(`${ui.base}/api/datasources/uid/to-meta/health`, { headers: { cookie: admin } });
      expect(health.status).toBe(400);
      expect(((await health.json()) as { message: string }).message).toMatch(/link-local or metadata/);
    });

    it('health check does not follow a redirect, so the custom secret header never reaches its target', async () => {
      const target = await captureServer(() => ({ status: 200 }));
      const redirector = await captureServer(() => ({ status: 302, headers: { location: `${target.url}/api/v1/query` } }));
      try {
        const created = await post({
          uid: 'redirects',
          name: 'redirects',
          type: 'prometheus',
          url: redirector.url,
          jsonData: { httpHeaderName1: 'X-Secret' },
          secureJsonData: { httpHeaderValue1: 's3cr3t' },
        });
        expect(created.status).toBe(200);
        const health = await fetch(`${ui.base}/api/datasources/uid/redirects/health`, { headers: { cookie: admin } });
        const body = (await health.json()) as { status: string; message: string };
        expect(body.status).toBe('ERROR');
        expect(body.message).toMatch(/302.*not followed/);
        expect(redirector.seen).toHaveLength(1);
        expect(redirector.seen[0].headers['x-secret']).toBe('s3cr3t');
        expect(target.seen).toHaveLength(0);
      } finally {
        target.server.close();
        redirector.server.close();
      }
    });

    it('proxies without the browser cookie, its credentials or its X-Scope-OrgID; the tenant is the datasource header', async () => {
      const upstream = await captureServer(() => ({ status: 200 }));
      try {
        const created = await post({ uid: 'capture', name: 'capture', type: 'prometheus', url: upstream.url, jsonData: { httpHeaderName1: 'X-Scope-OrgID' }, secureJsonData: { httpHeaderValue1: 'team-ds' } });
        expect(created.status).toBe(200);
        const res = await fetch(`${ui.base}/api/datasources/proxy/uid/capture/api/v1/query?query=1`, { headers: { cookie: `${admin}; other=1`, 'x-scope-orgid': 'team-browser', 'x-grafana-org-id': '1' } });
        expect(res.status).toBe(200);
        const h = upstream.seen.at(-1)!.headers;
        expect(h.cookie).toBeUndefined();
        expect(h.authorization).toBeUndefined();
        expect(h['x-scope-orgid']).toBe('team-ds');
      } finally {
        upstream.server.close();
      }
    });
  });
});
