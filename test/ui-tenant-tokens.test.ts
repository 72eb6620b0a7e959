/**
 * Administration → Tokens on the real process: a tenant token created in the UI works at once for a real client
 * (Loki push, Prometheus remote write) next to the configured `server.tenant_tokens`, reads only its tenant, stops
 * working (401) the moment it is revoked; its value is shown once and kept nowhere; every step is in the audit log.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressSnappyBody } from '../src/metrics/remote/codec/index.js';
import { hashTenantToken } from '../src/server/index.js';
import { encodeV1 } from './helpers/remote-write-protos.js';
import { STORES_ON_PORT_0, spawnSightline, startedPorts, tempDir, type SpawnedSightline } from './helpers/process.js';

const dir = tempDir('sightline-ui-tokens-');
const CONFIG_TOKEN = 'tok-config-0123456789abcdef0123456789abcdef';

let s: SpawnedSightline;
let ports: Record<string, number>;
let ui: string;
let cookie: string;

async function uiApi(method: string, path: string, body?: unknown, as = cookie) {
  const res = await fetch(ui + path, { method, headers: { cookie: as, origin: ui, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field
  return { status: res.status, json: (await res.json()) as any };
}

const pushLog = async (token: string, line: string) =>
  (
    await fetch(`http://127.0.0.1:${ports.loki}/loki/api/v1/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { app: 'ui-token' }, values: [[`${Date.now()}000000`, line]] }] }),
    })
  ).status;

// Promtail and Prometheus present a tenant token as the basic auth password.
const basic = (token: string) => 'Basic ' + Buffer.from(`client:${token}`).toString('base64');
const remoteWrite = async (token: string) =>
  (
    await fetch(`http://127.0.0.1:${ports.mimir}/api/v1/push`, {
      method: 'POST',
      headers: { authorization: basic(token), 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
      body: compressSnappyBody(encodeV1([{ labels: [{ name: '__name__', value: 'ui_token_metric' }], samples: [{ value: 1, timestamp: Date.now() }] }])),
    })
  ).status;

describe('tenant tokens made in the UI', () => {
  beforeAll(async () => {
    writeFileSync(
      join(dir, 'sightline.yaml'),
      [
        'server:',
        '  tenant_tokens:',
        `    - { name: config-a, token_sha256: ${hashTenantToken(CONFIG_TOKEN)}, tenants: [team-a], scopes: [logs:write, logs:read] }`,
        ...STORES_ON_PORT_0.map((l) => (l.startsWith('logs:') ? 'logs: { listen_address: 127.0.0.1:0, auth_enabled: true }' : l)),
        'remote: { multitenancy_enabled: true }',
        'alertmanager: { listen_address: 127.0.0.1:0 }',
        'ui: { listen_address: 127.0.0.1:0, development_mode: true }',
        '',
      ].join('\n'),
    );
    s = spawnSightline(['--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')]);
    ports = await startedPorts(s, 60_000);
    ui = `http://127.0.0.1:${ports.ui}`;
    const res = await fetch(`${ui}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password: 'admin' }) });
    expect(res.status).toBe(200);
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  }, 90_000);

  afterAll(async () => {
    s?.child.kill('SIGTERM');
    await s?.exited;
  });

  it('creates, honours without a restart, isolates and revokes a token', async () => {
    const before = await uiApi('GET', '/api/sightline/tenant-tokens');
    expect(before.status).toBe(200);
    expect(before.json.tenantAuth).toBe(true);
    expect(before.json.tokens).toEqual([]);

    const created = await uiApi('POST', '/api/sightline/tenant-tokens', { name: 'promtail-b', tenants: ['team-b'], scopes: ['logs:write', 'logs:read', 'metrics:write'] });
    expect(created.status).toBe(200);
    const token = created.json.token as string;
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect(created.json).toMatchObject({ name: 'promtail-b', tenants: ['team-b'], scopes: ['logs:write', 'logs:read', 'metrics:write'], createdBy: 'admin' });
    expect((await uiApi('POST', '/api/sightline/tenant-tokens', { name: 'promtail-b', tenants: ['team-b'], scopes: ['logs:write'] })).status).toBe(409);
    expect((await uiApi('POST', '/api/sightline/tenant-tokens', { name: 'bad', tenants: ['team-b'], scopes: ['logs:delete'] })).status).toBe(400);

    // Shown once: the list has no token value.
    const listed = await uiApi('GET', '/api/sightline/tenant-tokens');
    expect(listed.json.tokens).toHaveLength(1);
    expect(JSON.stringify(listed.json)).not.toContain(token);

    // Real clients: Loki push (bearer) and remote write (basic auth password), next to the configured token.
    expect(await pushLog(token, 'from the UI token')).toBe(204);
    expect(await remoteWrite(token)).toBe(200);
    expect(await pushLog(CONFIG_TOKEN, 'from the config token')).toBe(204);
    expect(await pushLog('not-a-token', 'x')).toBe(401);

    // The token's tenant is team-b: it reads its own line only, and cannot name team-a.
    const q = `/loki/api/v1/query_range?query=${encodeURIComponent('{app="ui-token"}')}&start=${(Date.now() - 600_000) * 1e6}&end=${(Date.now() + 60_000) * 1e6}`;
    const read = await fetch(`http://127.0.0.1:${ports.loki}${q}`, { headers: { authorization: `Bearer ${token}` } });
    expect(read.status).toBe(200);
    const lines = ((await read.json()) as { data: { result: { values: [string, string][] }[] } }).data.result.flatMap((r) => r.values.map((v) => v[1]));
    expect(lines).toEqual(['from the UI token']);
    expect((await fetch(`http://127.0.0.1:${ports.loki}${q}`, { headers: { authorization: `Bearer ${token}`, 'x-scope-orgid': 'team-a' } })).status).toBe(403);

    const revoked = await uiApi('DELETE', `/api/sightline/tenant-tokens/${created.json.id as number}`);
    expect(revoked.status).toBe(200);
    expect(await pushLog(token, 'after revocation')).toBe(401);
    expect(await remoteWrite(token)).toBe(401);
    expect(await pushLog(CONFIG_TOKEN, 'config token still works')).toBe(204);
    expect((await uiApi('DELETE', `/api/sightline/tenant-tokens/${created.json.id as number}`)).status).toBe(404);
  });

  it('keeps an audit log of admin actions, readable by Admins only', async () => {
    const ds = await uiApi('POST', '/api/datasources', { uid: 'audited', name: 'audited', type: 'loki', url: 'http://127.0.0.1:9' });
    expect(ds.status).toBe(200);
    expect((await uiApi('DELETE', '/api/datasources/uid/audited')).status).toBe(200);
    const user = await uiApi('POST', '/api/admin/users', { login: 'vera', name: 'Vera', email: 'vera@example.com', password: 'vera-password-1' });
    expect(user.status).toBe(200);

    const log = await uiApi('GET', '/api/sightline/audit?limit=50');
    expect(log.status).toBe(200);
    const seen = (log.json as { user: string; action: string; resource: string; resourceId: string; status: number }[]).map((e) => `${e.user} ${e.action} ${e.resource} ${e.resourceId} ${e.status}`);
    expect(seen).toEqual(
      expect.arrayContaining([
        'admin POST tenant-token 1 200',
        'admin DELETE tenant-token 1 200',
        'admin DELETE tenant-token 1 404',
        'admin POST datasource audited 200',
        'admin DELETE datasource uid/audited 200',
        expect.stringMatching(/^admin POST user \d+ 200$/),
      ]),
    );
    // Queries are not admin actions.
    expect(seen.some((e) => e.includes('proxy'))).toBe(false);
    const filtered = await uiApi('GET', '/api/sightline/audit?resource=datasource');
    expect((filtered.json as { resource: string }[]).every((e) => e.resource === 'datasource')).toBe(true);

    const login = await fetch(`${ui}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'vera', password: 'vera-password-1' }) });
    const vera = (login.headers.get('set-cookie') ?? '').split(';')[0];
    expect((await uiApi('GET', '/api/sightline/audit', undefined, vera)).status).toBe(403);
    expect((await uiApi('GET', '/api/sightline/tenant-tokens', undefined, vera)).status).toBe(403);
    expect((await uiApi('POST', '/api/sightline/tenant-tokens', { name: 'v', tenants: ['team-a'], scopes: ['admin'] }, vera)).status).toBe(403);
  });
});
