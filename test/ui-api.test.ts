import { createServer, request as httpRequest } from 'node:http';
import { statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
/**
 * The UI's Grafana-compatible API over real HTTP, on SQLite and on PostgreSQL (the same suite on both): sign-in,
 * sessions, lockout, roles, tokens, datasource CRUD with encrypted secrets, provisioning of the seed's
 * datasources.yaml, "Save & test" and the datasource proxy against a real Prometheus.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sightlineConfigSchema } from '../src/config/index.js';
import { createSelfMetricsRegistry, listen, silentLogger } from '../src/server/index.js';
import { createUiServer, openUiDatabase, type DatabaseOptions, type UiDatabase } from '../src/ui/index.js';
import { REPO_ROOT, tempDir, waitFor } from './helpers/process.js';
import { freePort, pgAvailable, prometheusAvailable, requirePeer, startPostgres, startPrometheus, type PostgresServer, type PrometheusServer } from './ui-peers.js';

const ADMIN_PASSWORD = 'correct horse battery staple';
const SEED_PROVISIONING = join(REPO_ROOT, 'test/fixtures/ui/provisioning');

interface Running {
  base: string;
  app: FastifyInstance;
  db: UiDatabase;
}

async function startUiServer(dbOpts: DatabaseOptions, ui: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const config = sightlineConfigSchema.parse({ ui: { listen_address: '127.0.0.1:0', login: { max_attempts: 3, lockout: '2s' }, ...ui } }).ui;
  const db = await openUiDatabase(dbOpts);
  const app = await createUiServer({ config, db, secretKey: 'test-secret-key-0123456789', logger: silentLogger(), registry: createSelfMetricsRegistry(), env, staticDir: tempDir() });
  const port = await listen(app, '127.0.0.1:0');
  return { base: `http://127.0.0.1:${port}`, app, db };
}

async function login(base: string, user: string, password: string): Promise<{ status: number; cookie?: string; setCookie: string; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { status: res.status, cookie: setCookie.split(';')[0] || undefined, setCookie, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

function api(base: string, auth: { cookie?: string; token?: string }) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> => {
    const headers: Record<string, string> = {};
    if (auth.cookie) headers.cookie = auth.cookie;
    if (auth.token) headers.authorization = `Bearer ${auth.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, json };
  };
}

type DbKind = 'sqlite' | 'postgres';
const kinds: DbKind[] = ['sqlite', 'postgres'];

describe.each(kinds)('UI API on %s', (kind) => {
  let pgServer: PostgresServer | undefined;
  let prom: PrometheusServer | undefined;
  let ui: Running;
  let admin: ReturnType<typeof api>;
  let dbOpts: DatabaseOptions;
  const enabled = kind === 'sqlite' || requirePeer('PostgreSQL', pgAvailable(), 'postgresql');
  const withProm = requirePeer('Prometheus', prometheusAvailable(), 'prometheus');

  beforeAll(async () => {
    if (!enabled) return;
    if (kind === 'postgres') {
      pgServer = await startPostgres();
      dbOpts = { type: 'postgres', host: pgServer.host, port: pgServer.port, database: pgServer.database, user: pgServer.user, password: pgServer.password };
    } else {
      dbOpts = { type: 'sqlite', path: join(tempDir(), 'ui.db') };
    }
    if (withProm) prom = await startPrometheus();
    ui = await startUiServer(dbOpts, { provisioning_path: SEED_PROVISIONING }, { GF_SECURITY_ADMIN_PASSWORD: ADMIN_PASSWORD });
    const l = await login(ui.base, 'admin', ADMIN_PASSWORD);
    expect(l.status).toBe(200);
    admin = api(ui.base, { cookie: l.cookie });
  });
  afterAll(async () => {
    await ui?.app.close();
    await ui?.db.close();
    await prom?.stop();
    await pgServer?.stop();
  });

  it.runIf(enabled)('answers health without a session and refuses every other API route without one', async () => {
    const h = await fetch(`${ui.base}/api/health`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ database: 'ok' });
    const anon = api(ui.base, {});
    for (const [m, p] of [
      ['GET', '/api/datasources'],
      ['GET', '/api/datasources/uid/prometheus'],
      ['POST', '/api/datasources'],
      ['GET', '/api/datasources/proxy/uid/prometheus/api/v1/query?query=up'],
      ['GET', '/api/user'],
      ['GET', '/api/org'],
      ['GET', '/api/search'],
      ['GET', '/api/auth/keys'],
      ['GET', '/api/serviceaccounts/search'],
      ['GET', '/api/no-such-route'],
    ]) {
      const r = await anon(m, p, m === 'POST' ? {} : undefined);
      expect(r.status, `${m} ${p}`).toBe(401);
      expect(r.json).toEqual({ message: 'Unauthorized' });
    }
  });

  it.runIf(enabled)('signs in with a secure http-only session cookie and signs out', async () => {
    const l = await login(ui.base, 'admin', ADMIN_PASSWORD);
    expect(l.status).toBe(200);
    expect(l.body).toMatchObject({ message: 'Logged in' });
    expect(l.setCookie).toMatch(/^sightline_session=[A-Za-z0-9_-]{43};/);
    expect(l.setCookie).toContain('HttpOnly');
    expect(l.setCookie).toContain('Secure');
    expect(l.setCookie).toContain('SameSite=Lax');
    const me = api(ui.base, { cookie: l.cookie });
    const u = await me('GET', '/api/user');
    expect(u.status).toBe(200);
    expect(u.json).toMatchObject({ login: 'admin', isGrafanaAdmin: true, role: 'Admin', orgId: 1 });
    expect((await me('GET', '/api/org')).json).toMatchObject({ id: 1, name: 'Main Org.' });
    expect((await me('GET', '/api/search')).json).toEqual([]);
    expect((await me('POST', '/api/logout', {})).status).toBe(200);
    expect((await me('GET', '/api/user')).status).toBe(401);
    // a made-up session is no session
    expect((await api(ui.base, { cookie: 'sightline_session=forged' })('GET', '/api/user')).status).toBe(401);
  });

  it.runIf(enabled)('refuses a wrong password, then blocks the user with 429 even for the right one', async () => {
    const { status: created } = await admin('POST', '/api/admin/users', { login: 'mallory-target', password: 'the-right-password', role: 'Viewer' });
    expect(created).toBe(200);
    for (let i = 0; i < 3; i++) {
      const bad = await login(ui.base, 'mallory-target', 'guess-' + i);
      expect(bad.status).toBe(401);
      expect(bad.body).toEqual({ message: 'Invalid username or password' });
    }
    const blocked = await login(ui.base, 'mallory-target', 'the-right-password');
    expect(blocked.status).toBe(429);
    expect(blocked.body.message).toMatch(/Too many consecutive incorrect login attempts/);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Basic auth goes through the same protection
    const basic = await fetch(`${ui.base}/api/user`, { headers: { authorization: 'Basic ' + Buffer.from('mallory-target:the-right-password').toString('base64') } });
    expect(basic.status).toBe(429);
    await new Promise((r) => setTimeout(r, 2100));
    const ok = await login(ui.base, 'mallory-target', 'the-right-password');
    expect(ok.status).toBe(200);
    const metrics = await (await fetch(`${ui.base}/metrics`)).text();
    expect(metrics).toMatch(/sightline_ui_login_attempts_total\{result="failure"\} [1-9]/);
    expect(metrics).toMatch(/sightline_ui_login_attempts_total\{result="blocked"\} [1-9]/);
  });

  it.runIf(enabled)('provisions the seed datasources.yaml unchanged, read-only, with its links', async () => {
    const list = await admin('GET', '/api/datasources');
    expect(list.status).toBe(200);
    expect(list.json.map((d: { name: string }) => d.name)).toEqual(['Loki', 'Mimir', 'Prometheus', 'Tempo']);
    const prom = (await admin('GET', '/api/datasources/uid/prometheus')).json;
    expect(prom).toMatchObject({ name: 'Prometheus', type: 'prometheus', access: 'proxy', isDefault: true, readOnly: true, url: 'http://prometheus-server.monitoring.svc.cluster.local:9090', jsonData: { timeInterval: '30s', httpMethod: 'POST' } });
    const loki = (await admin('GET', '/api/datasources/name/Loki')).json;
    expect(loki.jsonData).toEqual({ maxLines: 1000, derivedFields: [{ datasourceUid: 'tempo', matcherRegex: '"trace_id":"(\\w+)"', name: 'TraceID', url: '${__value.raw}' }] });
    const tempo = (await admin('GET', '/api/datasources/uid/tempo')).json;
    expect(tempo.jsonData).toEqual({
      tracesToLogs: { datasourceUid: 'loki', mapTagNamesEnabled: true, tags: ['pod', 'namespace'] },
      tracesToMetrics: { datasourceUid: 'prometheus' },
      serviceMap: { datasourceUid: 'prometheus' },
      search: { hide: false },
      nodeGraph: { enabled: true },
    });
    expect((await admin('GET', '/api/datasources/uid/mimir')).json.url).toBe('http://mimir.monitoring.svc.cluster.local:8080/prometheus');
    expect((await admin('GET', `/api/datasources/id/Tempo`)).json).toEqual({ id: tempo.id });
    expect((await admin('PUT', '/api/datasources/uid/tempo', { ...tempo, url: 'http://elsewhere:3200' })).status).toBe(403);
    expect((await admin('DELETE', '/api/datasources/uid/tempo')).status).toBe(403);
  });

  it.runIf(enabled)('creates, reads, updates and deletes datasources; secrets are encrypted and never returned', async () => {
    const secret = 's3cr3t-token-value';
    const c = await admin('POST', '/api/datasources', {
      name: 'Extra Prom',
      uid: 'extra-prom',
      type: 'prometheus',
      url: 'http://127.0.0.1:1',
      basicAuth: true,
      basicAuthUser: 'bob',
      jsonData: { httpHeaderName1: 'X-Scope-OrgID' },
      secureJsonData: { basicAuthPassword: secret, httpHeaderValue1: 'tenant-1' },
    });
    expect(c.status).toBe(200);
    expect(c.json).toMatchObject({ message: 'Datasource added', name: 'Extra Prom', datasource: { uid: 'extra-prom', secureJsonFields: { basicAuthPassword: true, httpHeaderValue1: true }, readOnly: false, version: 1 } });
    expect(JSON.stringify(c.json)).not.toContain(secret);
    const id = c.json.id as number;
    for (const p of [`/api/datasources/${id}`, '/api/datasources/uid/extra-prom', '/api/datasources/name/Extra%20Prom', '/api/datasources']) {
      const r = await admin('GET', p);
      expect(r.status, p).toBe(200);
      expect(JSON.stringify(r.json)).not.toContain(secret);
      expect(JSON.stringify(r.json)).not.toContain('tenant-1');
    }
    // at rest: the row holds ciphertext only
    const row = await ui.db.db.selectFrom('datasources').selectAll().where('uid', '=', 'extra-prom').executeTakeFirstOrThrow();
    expect(row.secure_json_data).toMatch(/^v1:/);
    expect(row.secure_json_data).not.toContain(secret);
    // duplicate name / uid
    expect((await admin('POST', '/api/datasources', { name: 'Extra Prom', type: 'prometheus', url: '' })).status).toBe(409);
    expect((await admin('POST', '/api/datasources', { name: 'Other', uid: 'extra-prom', type: 'prometheus', url: '' })).status).toBe(409);
    // invalid input
    const bad = await admin('POST', '/api/datasources', { name: 'X', type: 'mysql', url: '' });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/type/);
    // update keeps secrets not mentioned
    const u = await admin('PUT', `/api/datasources/uid/extra-prom`, { name: 'Extra Prom 2', type: 'prometheus', url: 'http://127.0.0.1:2', basicAuth: true, basicAuthUser: 'bob', jsonData: { timeInterval: '10s' } });
    expect(u.status).toBe(200);
    expect(u.json).toMatchObject({ message: 'Datasource updated', datasource: { name: 'Extra Prom 2', version: 2, secureJsonFields: { basicAuthPassword: true } } });
    expect((await admin('PUT', `/api/datasources/${id}`, { name: 'Extra Prom 2', type: 'prometheus', url: '', version: 1 })).status).toBe(409);
    expect((await admin('DELETE', `/api/datasources/name/Extra%20Prom%202`)).json).toEqual({ message: 'Data source deleted', id });
    expect((await admin('GET', '/api/datasources/uid/extra-prom')).status).toBe(404);
  });

  it.runIf(enabled)('lets a Viewer read and query but not change datasources; Editors cannot either', async () => {
    for (const [login, role] of [
      ['vera', 'Viewer'],
      ['eddie', 'Editor'],
    ]) {
      expect((await admin('POST', '/api/admin/users', { login, password: `${login}-password`, role })).status).toBe(200);
      const l = await login_(login, `${login}-password`);
      const as = api(ui.base, { cookie: l });
      expect((await as('GET', '/api/user')).json.role).toBe(role);
      expect((await as('GET', '/api/datasources')).status).toBe(200);
      expect((await as('POST', '/api/datasources', { name: `${login}-ds`, type: 'loki', url: 'http://127.0.0.1:3100' })).status).toBe(403);
      const mimir = (await as('GET', '/api/datasources/uid/mimir')).json;
      expect((await as('DELETE', `/api/datasources/${mimir.id}`)).status).toBe(403);
      expect((await as('GET', '/api/org/users')).status).toBe(403);
      expect((await as('POST', '/api/auth/keys', { name: 'k', role: 'Admin' })).status).toBe(403);
      // write/admin endpoints of the datasource are out of reach through the proxy; queries are not
      const adminPath = await as('POST', '/api/datasources/proxy/uid/mimir/api/v1/admin/tsdb/delete_series?match[]=up');
      expect(adminPath.status).toBe(403);
      expect(adminPath.json.message).toMatch(/needs the Admin role/);
      expect((await as('POST', '/api/datasources/proxy/uid/loki/loki/api/v1/push', {})).status).toBe(403);
      expect((await as('GET', '/api/datasources/proxy/uid/prometheus/api/v1/query?query=up')).status).toBe(502);
      // Paths the URL parser (and the upstream) would resolve into a write or admin endpoint are refused before
      // they leave: backslashes, fragments, encoded dots and slashes, path parameters, doubled slashes.
      for (const [method, target] of [
        ['POST', '/api/datasources/proxy/uid/loki/loki/api/v1/label/..\\push#/values'],
        ['POST', '/api/datasources/proxy/uid/loki/loki/api/v1/label/%2e%2e/push/values'],
        ['POST', '/api/datasources/proxy/uid/loki/loki/api/v1/label/..%5cpush/values'],
        ['POST', '/api/datasources/proxy/uid/mimir/api/v1/label/x;/../../write/values'],
        ['GET', '/api/datasources/proxy/uid/prometheus/api/v1/label/..\\..\\..\\metrics#/values'],
        ['GET', '/api/datasources/proxy/uid/prometheus/api/v1//write'],
        ['POST', '/api/datasources/proxy/uid/loki/api/v1//write'],
      ]) {
        const status = await rawStatus(ui.base, method, target, l!, method === 'GET' ? '' : '{"streams":[]}');
        expect([400, 403], `${method} ${target} -> ${status}`).toContain(status);
      }
    }
    async function rawStatus(base: string, method: string, path: string, cookie: string, body: string): Promise<number> {
      const u = new URL(base);
      return new Promise((res, rej) => {
        const r = httpRequest({ host: u.hostname, port: u.port, method, path, headers: { cookie, 'content-type': 'application/json' } }, (resp) => {
          resp.resume();
          resp.on('end', () => res(resp.statusCode ?? 0));
        });
        r.on('error', rej);
        r.end(body);
      });
    }
    async function login_(u: string, p: string) {
      const l = await login(ui.base, u, p);
      expect(l.status).toBe(200);
      return l.cookie;
    }
  });

  it.runIf(enabled)('authenticates service-account tokens with their role; refuses revoked and made-up ones', async () => {
    const sa = await admin('POST', '/api/serviceaccounts', { name: 'ci bot', role: 'Viewer' });
    expect(sa.status).toBe(201);
    const tok = await admin('POST', `/api/serviceaccounts/${sa.json.id}/tokens`, { name: 'ci' });
    expect(tok.status).toBe(200);
    expect(tok.json.key).toMatch(/^glsa_[A-Za-z0-9]+_[0-9a-f]{8}$/);
    const bot = api(ui.base, { token: tok.json.key });
    expect((await bot('GET', '/api/datasources')).status).toBe(200);
    expect((await bot('POST', '/api/datasources', { name: 'bot-ds', type: 'loki', url: '' })).status).toBe(403);
    const key = await admin('POST', '/api/auth/keys', { name: 'automation', role: 'Admin' });
    expect(key.status).toBe(200);
    const auto = api(ui.base, { token: key.json.key });
    const created = await auto('POST', '/api/datasources', { name: 'auto-ds', type: 'tempo', url: 'http://127.0.0.1:3200' });
    expect(created.status).toBe(200);
    expect((await auto('DELETE', '/api/datasources/uid/auto-ds')).status).toBe(200);
    expect((await admin('DELETE', `/api/serviceaccounts/${sa.json.id}/tokens/${tok.json.id}`)).status).toBe(200);
    expect((await bot('GET', '/api/datasources')).status).toBe(401);
    expect((await api(ui.base, { token: 'glsa_madeup_00000000' })('GET', '/api/datasources')).status).toBe(401);
  });

  it.runIf(enabled)("the proxy sends the datasource's X-Scope-OrgID, never the browser's", async () => {
    const seen: Array<string | string[] | undefined> = [];
    const upstream = createServer((req, res) => {
      seen.push(req.headers['x-scope-orgid']);
      res.setHeader('content-type', 'application/json');
      res.end('{"status":"success","data":{"resultType":"vector","result":[]}}');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    try {
      const port = (upstream.address() as AddressInfo).port;
      const mk = async (uid: string, header: boolean) =>
        expect(
          (
            await admin('POST', '/api/datasources', {
              name: uid,
              uid,
              type: 'prometheus',
              url: `http://127.0.0.1:${port}`,
              ...(header ? { jsonData: { httpHeaderName1: 'X-Scope-OrgID' }, secureJsonData: { httpHeaderValue1: 'team-a' } } : {}),
            })
          ).status,
        ).toBe(200);
      await mk('tenant-a-ds', true);
      await mk('no-tenant-ds', false);
      const cookie = (await login(ui.base, 'admin', ADMIN_PASSWORD)).cookie!;
      for (const uid of ['tenant-a-ds', 'no-tenant-ds']) {
        const res = await fetch(`${ui.base}/api/datasources/proxy/uid/${uid}/api/v1/query?query=up`, { headers: { cookie, 'x-scope-orgid': 'team-b' } });
        expect(res.status).toBe(200);
        await res.text();
      }
      expect(seen).toEqual(['team-a', undefined]);
    } finally {
      upstream.close();
      await admin('DELETE', '/api/datasources/uid/tenant-a-ds');
      await admin('DELETE', '/api/datasources/uid/no-tenant-ds');
    }
  });

  it.runIf(enabled)('refuses cookie-authenticated changes from another origin (CSRF)', async () => {
    const l = await login(ui.base, 'admin', ADMIN_PASSWORD);
    const res = await fetch(`${ui.base}/api/datasources`, { method: 'POST', headers: { cookie: l.cookie!, origin: 'http://evil.example', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'csrf', type: 'loki', url: '' }) });
    expect(res.status).toBe(403);
    const nullOrigin = await fetch(`${ui.base}/api/datasources`, { method: 'POST', headers: { cookie: l.cookie!, origin: 'null', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'csrf-null', type: 'loki', url: '' }) });
    expect(nullOrigin.status).toBe(403);
    if (kind === 'sqlite') expect(statSync((dbOpts as { path: string }).path).mode & 0o777).toBe(0o600);
  });

  it.runIf(enabled && withProm)('proxies PromQL to a real Prometheus and reports health (Save & test)', async () => {
    const c = await admin('POST', '/api/datasources', { name: 'Real Prom', uid: 'real-prom', type: 'prometheus', url: prom!.url });
    expect(c.status).toBe(200);
    const health = await admin('GET', '/api/datasources/uid/real-prom/health');
    expect(health).toEqual({ status: 200, json: { status: 'OK', message: 'Successfully queried the Prometheus API.' } });
    const q = await admin('GET', '/api/datasources/proxy/uid/real-prom/api/v1/query?query=vector(42)');
    expect(q.status).toBe(200);
    expect(q.json).toMatchObject({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [expect.any(Number), '42'] }] } });
    await waitFor(async () => ((await admin('GET', '/api/datasources/proxy/uid/real-prom/api/v1/label/job/values')).json.data as string[]).includes('prometheus'), 10_000, 'a scrape of Prometheus itself');
    // POST form bodies (Grafana's httpMethod: POST) pass through
    const l = await login(ui.base, 'admin', ADMIN_PASSWORD);
    const post = await fetch(`${ui.base}/api/datasources/proxy/uid/real-prom/api/v1/query`, { method: 'POST', headers: { cookie: l.cookie!, 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=vector(7)' });
    expect(((await post.json()) as { data: { result: { value: [number, string] }[] } }).data.result[0].value[1]).toBe('7');
    // errors come back as Prometheus gives them
    const err = await admin('GET', '/api/datasources/proxy/uid/real-prom/api/v1/query?query=sum(');
    expect(err.status).toBe(400);
    expect(err.json).toMatchObject({ status: 'error', errorType: 'bad_data' });
    expect(err.json.error).toMatch(/parse error/);
    // climbing out of the datasource URL is refused
    expect((await admin('GET', '/api/datasources/proxy/uid/real-prom/..%2f..%2fetc')).status).toBe(400);
    // a dead upstream: health says ERROR, the proxy 502
    const dead = await admin('POST', '/api/datasources', { name: 'Dead', uid: 'dead', type: 'prometheus', url: `http://127.0.0.1:${await freePort()}` });
    expect(dead.status).toBe(200);
    const dh = await admin('GET', '/api/datasources/uid/dead/health');
    expect(dh.status).toBe(400);
    expect(dh.json.status).toBe('ERROR');
    expect((await admin('GET', '/api/datasources/proxy/uid/dead/api/v1/query?query=1')).status).toBe(502);
    const metrics = await (await fetch(`${ui.base}/metrics`)).text();
    expect(metrics).toMatch(/sightline_ui_datasource_proxy_request_duration_seconds_count\{datasource_type="prometheus",code="200"\} [1-9]/);
    expect(metrics).toMatch(/sightline_ui_datasource_proxy_request_duration_seconds_count\{datasource_type="prometheus",code="502"\} [1-9]/);
  });

  it.runIf(enabled)('keeps state across a restart on the same database', async () => {
    await ui.app.close();
    await ui.db.close();
    ui = await startUiServer(dbOpts, { provisioning_path: SEED_PROVISIONING }, { GF_SECURITY_ADMIN_PASSWORD: 'a different password now' });
    // the admin's password is only seeded once; the other users and datasources are still there
    expect((await login(ui.base, 'admin', ADMIN_PASSWORD)).status).toBe(200);
    expect((await login(ui.base, 'vera', 'vera-password')).status).toBe(200);
  });
});

describe('UI admin password', () => {
  it('has no default outside development mode: generates one into the data dir', async () => {
    const dir = tempDir();
    const file = join(dir, 'initial-admin-password');
    const config = sightlineConfigSchema.parse({ ui: { listen_address: '127.0.0.1:0' } }).ui;
    const db = await openUiDatabase({ type: 'sqlite', path: join(dir, 'ui.db') });
    const app = await createUiServer({ config, db, secretKey: 'k'.repeat(20), initialPasswordFile: file, logger: silentLogger(), registry: createSelfMetricsRegistry(), env: {} });
    const base = `http://127.0.0.1:${await listen(app, '127.0.0.1:0')}`;
    expect((await login(base, 'admin', 'admin')).status).toBe(401);
    const { readFileSync, statSync } = await import('node:fs');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await login(base, 'admin', readFileSync(file, 'utf8').trim())).status).toBe(200);
    await app.close();
    await db.close();
  });

  it('allows admin/admin only in development mode', async () => {
    const dir = tempDir();
    const config = sightlineConfigSchema.parse({ ui: { listen_address: '127.0.0.1:0', development_mode: true } }).ui;
    const db = await openUiDatabase({ type: 'sqlite', path: join(dir, 'ui.db') });
    const app = await createUiServer({ config, db, secretKey: 'k'.repeat(20), metricsListenAddress: '0.0.0.0:19090', logger: silentLogger(), registry: createSelfMetricsRegistry(), env: {} });
    const base = `http://127.0.0.1:${await listen(app, '127.0.0.1:0')}`;
    const l = await login(base, 'admin', 'admin');
    expect(l.status).toBe(200);
    expect(l.setCookie).not.toContain('Secure');
    // without a provisioning folder: this process's own APIs, linked like the seed's
    const list = (await api(base, { cookie: l.cookie })('GET', '/api/datasources')).json as { uid: string; url: string; isDefault: boolean; jsonData: Record<string, unknown> }[];
    expect(list.map((d) => [d.uid, d.url, d.isDefault])).toEqual([
      ['alertmanager', 'http://127.0.0.1:9093', false],
      ['loki', 'http://127.0.0.1:3100', false],
      ['prometheus', 'http://127.0.0.1:19090', true],
      ['tempo', 'http://127.0.0.1:3200', false],
    ]);
    expect(list.find((d) => d.uid === 'loki')!.jsonData.derivedFields).toEqual([{ datasourceUid: 'tempo', matcherRegex: '"trace_id":"(\\w+)"', name: 'TraceID', url: '${__value.raw}' }]);
    await app.close();
    await db.close();
  });
});
