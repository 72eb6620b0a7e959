import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sightlineConfigSchema, webConfigSchema } from '../src/config/index.js';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { WebConfig, createSelfMetricsRegistry, listen, setProcessWebConfig, silentLogger } from '../src/server/index.js';
import { createUiServer, openUiDatabase, type UiDatabase } from '../src/ui/index.js';
import { tempDir } from './helpers/process.js';

// Issue 19, acceptance "real clients with credentials": a Grafana-style datasource in the UI with basic auth
// (`basicAuth`, `basicAuthUser`, `secureJsonData.basicAuthPassword`) reaches a Loki listener whose own web
// configuration (per component: `logs` only; the UI stays plain) demands a bcrypt user; without the credentials the
// proxied request gets Loki's 401.

describe('UI datasource with basic auth → a Loki listener with basic_auth_users', () => {
  let loki: RunningLogs;
  let app: FastifyInstance;
  let db: UiDatabase;
  let base: string;
  let cookie: string;

  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`http://${base}${path}`, { method, headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });

  beforeAll(async () => {
    const web = new WebConfig(webConfigSchema.parse({ basic_auth_users: { grafana: bcrypt.hashSync('datasource-secret', 8) } }));
    setProcessWebConfig(undefined, new Map([['logs', web]]));
    loki = await startLogsForTest(tempDir('sightline-ui-ds-basic-'));
    const config = sightlineConfigSchema.parse({ ui: { listen_address: '127.0.0.1:0', admin_password: 'ds-admin-password', provision_self: false } }).ui;
    db = await openUiDatabase({ type: 'sqlite', path: join(tempDir(), 'ui.db') });
    app = await createUiServer({ config, db, secretKey: 'ds-secret-key-000000', logger: silentLogger(), registry: createSelfMetricsRegistry(), env: {} });
    base = `127.0.0.1:${await listen(app, '127.0.0.1:0')}`;
    const r = await fetch(`http://${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password: 'ds-admin-password' }) });
    expect(r.status).toBe(200);
    cookie = (r.headers.get('set-cookie') ?? '').split(';')[0];
  }, 60_000);

  afterAll(async () => {
    setProcessWebConfig(undefined);
    await app?.close();
    await db?.close();
    await loki?.stop();
  });

  it('with basicAuth the proxied query answers 200; without, or with a wrong password, Loki answers 401', async () => {
    // The listener itself: the UI listener stays plain and open (its own sign-in), Loki wants the user.
    expect((await fetch(`${loki.base}/loki/api/v1/labels`)).status).toBe(401);
    const ds = (uid: string, extra: Record<string, unknown>) => admin('POST', '/api/datasources', { name: uid, uid, type: 'loki', access: 'proxy', url: loki.base, ...extra });
    expect((await ds('with-auth', { basicAuth: true, basicAuthUser: 'grafana', secureJsonData: { basicAuthPassword: 'datasource-secret' } })).status).toBe(200);
    expect((await ds('wrong-auth', { basicAuth: true, basicAuthUser: 'grafana', secureJsonData: { basicAuthPassword: 'nope' } })).status).toBe(200);
    expect((await ds('no-auth', {})).status).toBe(200);
    const labels = (uid: string) => admin('GET', `/api/datasources/proxy/uid/${uid}/loki/api/v1/labels`);
    const ok = await labels('with-auth');
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { status: string }).status).toBe('success');
    expect((await labels('wrong-auth')).status).toBe(401);
    expect((await labels('no-auth')).status).toBe(401);
  });
});
