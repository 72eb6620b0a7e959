/**
 * WebSockets through the datasource proxy (Loki's tail). The upstream of the first suite is a TEST DOUBLE of Loki's
 * tail socket that reports what it received (headers a real Loki cannot show), so it checks the proxy layer itself —
 * authentication, origin check, path rules, credentials added and cookies not forwarded, frames relayed. The second
 * suite tails a real Loki (src/logs) through the proxy.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { sightlineConfigSchema } from '../src/config/index.js';
import { createSelfMetricsRegistry, listen, silentLogger } from '../src/server/index.js';
import { createUiServer, openUiDatabase, type UiDatabase } from '../src/ui/index.js';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { tempDir, waitFor } from './helpers/process.js';

describe('WebSocket datasource proxy (Loki tail; upstream is a test double)', () => {
  let upstream: WebSocketServer;
  let app: FastifyInstance;
  let db: UiDatabase;
  let base: string;
  let adminCookie: string;
  let viewerCookie: string;

  beforeAll(async () => {
    upstream = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => upstream.once('listening', r));
    upstream.on('connection', (sock, req) => {
      sock.send(JSON.stringify({ url: req.url, authorization: req.headers.authorization ?? null, cookie: req.headers.cookie ?? null }));
      sock.on('message', (m) => sock.send(`echo:${m.toString()}`));
    });
    const port = (upstream.address() as { port: number }).port;
    const config = sightlineConfigSchema.parse({ ui: { listen_address: '127.0.0.1:0', admin_password: 'ws-admin-password', provision_self: false } }).ui;
    db = await openUiDatabase({ type: 'sqlite', path: join(tempDir(), 'ui.db') });
    app = await createUiServer({ config, db, secretKey: 'ws-secret-key-000000', logger: silentLogger(), registry: createSelfMetricsRegistry(), env: {} });
    base = `127.0.0.1:${await listen(app, '127.0.0.1:0')}`;
    const login = async (user: string, password: string) => {
      const r = await fetch(`http://${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) });
      expect(r.status).toBe(200);
      return (r.headers.get('set-cookie') ?? '').split(';')[0];
    };
    adminCookie = await login('admin', 'ws-admin-password');
    const h = { cookie: adminCookie, 'content-type': 'application/json' };
    expect((await fetch(`http://${base}/api/datasources`, { method: 'POST', headers: h, body: JSON.stringify({ name: 'Tail', uid: 'tail', type: 'loki', url: `http://127.0.0.1:${port}`, basicAuth: true, basicAuthUser: 'loki', secureJsonData: { basicAuthPassword: 'tail-secret' } }) })).status).toBe(200);
    expect((await fetch(`http://${base}/api/admin/users`, { method: 'POST', headers: h, body: JSON.stringify({ login: 'val', password: 'val-password', role: 'Viewer' }) })).status).toBe(200);
    viewerCookie = await login('val', 'val-password');
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    upstream?.close();
  });

  const connect = (path: string, headers: Record<string, string>) =>
    new Promise<{ ws?: WebSocket; status?: number; first?: string }>((resolve) => {
      const ws = new WebSocket(`ws://${base}${path}`, { headers });
      ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
      ws.once('message', (m) => resolve({ ws, first: m.toString() }));
      ws.once('error', () => resolve({}));
    });

  it('relays frames with the datasource credentials, not the caller cookie', async () => {
    const r = await connect('/api/datasources/proxy/uid/tail/loki/api/v1/tail?query=%7Bapp%3D%22x%22%7D&limit=10', { cookie: viewerCookie });
    expect(r.ws).toBeDefined();
    expect(JSON.parse(r.first!)).toEqual({ url: '/loki/api/v1/tail?query=%7Bapp%3D%22x%22%7D&limit=10', authorization: 'Basic ' + Buffer.from('loki:tail-secret').toString('base64'), cookie: null });
    const echo = new Promise<string>((res) => r.ws!.once('message', (m) => res(m.toString())));
    r.ws!.send('ping');
    expect(await echo).toBe('echo:ping');
    r.ws!.close();
  });

  it('refuses no session, foreign origins, and non-read paths for non-admins', async () => {
    expect((await connect('/api/datasources/proxy/uid/tail/loki/api/v1/tail', {})).status).toBe(401);
    expect((await connect('/api/datasources/proxy/uid/tail/loki/api/v1/tail', { cookie: adminCookie, origin: 'http://evil.example' })).status).toBe(403);
    expect((await connect('/api/datasources/proxy/uid/tail/loki/api/v1/push', { cookie: viewerCookie })).status).toBe(403);
    expect((await connect('/api/datasources/proxy/uid/nope/loki/api/v1/tail', { cookie: adminCookie })).status).toBe(404);
  });
});

describe('WebSocket datasource proxy against a real Loki tail (src/logs)', () => {
  let loki: RunningLogs;
  let app: FastifyInstance;
  let db: UiDatabase;
  let base: string;
  let cookie: string;

  beforeAll(async () => {
    loki = await startLogsForTest(tempDir('sightline-ui-ws-loki-'));
    const config = sightlineConfigSchema.parse({ ui: { listen_address: '127.0.0.1:0', admin_password: 'ws-admin-password', provision_self: true, self_urls: { loki: loki.base } } }).ui;
    db = await openUiDatabase({ type: 'sqlite', path: join(tempDir(), 'ui.db') });
    app = await createUiServer({ config, db, secretKey: 'ws-secret-key-000000', logger: silentLogger(), registry: createSelfMetricsRegistry(), env: {} });
    base = `127.0.0.1:${await listen(app, '127.0.0.1:0')}`;
    const r = await fetch(`http://${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password: 'ws-admin-password' }) });
    cookie = (r.headers.get('set-cookie') ?? '').split(';')[0];
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    await loki?.stop();
  });

  it('streams a line pushed to Loki after the socket opened', async () => {
    const q = encodeURIComponent('{app="tailed"}');
    const ws = new WebSocket(`ws://${base}/api/datasources/proxy/uid/loki/loki/api/v1/tail?query=${q}`, { headers: { cookie } });
    const lines: string[] = [];
    ws.on('message', (m) => {
      const f = JSON.parse(m.toString()) as { streams?: { values: [string, string][] }[] };
      for (const s of f.streams ?? []) for (const v of s.values) lines.push(v[1]);
    });
    await new Promise((res, rej) => {
      ws.once('open', res);
      ws.once('error', rej);
    });
    await new Promise((r) => setTimeout(r, 300));
    const ts = String(BigInt(Date.now()) * 1_000_000n);
    const push = await fetch(`${loki.base}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ streams: [{ stream: { app: 'tailed' }, values: [[ts, 'tailed through the proxy']] }] }) });
    expect(push.status).toBe(204);
    await waitFor(() => lines.includes('tailed through the proxy'), 10_000, 'the tailed line');
    ws.close();
  });
});
