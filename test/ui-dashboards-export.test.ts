/**
 * `sightline export dashboards DIR` (the guide's dashboard backup) against a real UI server over HTTP: every dashboard
 * the account can read lands as one Grafana JSON file, General ones at the top, the others in a directory named
 * after their folder; the files import back unchanged; a wrong password or an unreachable server exits 1 with the
 * reason, a usage error 2.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExport } from '../src/cli/export.js';
import { sightlineConfigSchema } from '../src/config/index.js';
import { createSelfMetricsRegistry, listen, silentLogger } from '../src/server/index.js';
import { createUiServer, openUiDatabase, type UiDatabase } from '../src/ui/index.js';
import { REPO_ROOT, tempDir } from './helpers/process.js';

const PASSWORD = 'export-admin-password';

describe('sightline export dashboards', () => {
  let app: FastifyInstance;
  let db: UiDatabase;
  let base: string;
  // basic auth hashes the password on every request (deliberately slow): one service-account token each for
  // setting up (Editor) and for exporting (Viewer: the export needs no more)
  const auth: Record<string, string> = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' };
  let viewerToken = '';
  const post = async (path: string, body: unknown) => {
    const res = await fetch(base + path, { method: 'POST', headers: auth, body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(json)).toBeLessThan(300);
    return json;
  };
  const tokenFor = async (role: string) => {
    const sa = await post('/api/serviceaccounts', { name: `export-${role}`, role });
    return (await post(`/api/serviceaccounts/${sa.id as number}/tokens`, { name: 'export' })).key as string;
  };
  const run = async (argv: string[], env: NodeJS.ProcessEnv) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runExport(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) }, env);
    return { code, stdout: out.join(''), stderr: err.join('') };
  };

  beforeAll(async () => {
    const config = sightlineConfigSchema.parse({ ui: { listen_address: '127.0.0.1:0' } }).ui;
    db = await openUiDatabase({ type: 'sqlite', path: join(tempDir(), 'ui.db') });
    app = await createUiServer({ config, db, secretKey: 'test-secret-key-0123456789', logger: silentLogger(), registry: createSelfMetricsRegistry(), env: { GF_SECURITY_ADMIN_PASSWORD: PASSWORD }, staticDir: tempDir() });
    base = `http://127.0.0.1:${await listen(app, '127.0.0.1:0')}`;
    viewerToken = await tokenFor('Viewer');
    auth.authorization = `Bearer ${await tokenFor('Editor')}`;
    await post('/api/folders', { uid: 'ops', title: 'Ops / Infra' });
    await post('/api/dashboards/db', { dashboard: { uid: 'plain', title: 'Plain', tags: ['a'], panels: [{ id: 1, type: 'text', title: 'Hi', gridPos: { x: 0, y: 0, w: 6, h: 3 } }] }, folderUid: '' });
    await post('/api/dashboards/db', { dashboard: { uid: 'in-ops', title: 'In ops', panels: [] }, folderUid: 'ops' });
    // a second version: the export holds the latest
    await post('/api/dashboards/db', { dashboard: { uid: 'in-ops', title: 'In ops v2', panels: [] }, folderUid: 'ops', overwrite: true });
    const node = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/dashboards/node-exporter-full.json'), 'utf8')) as unknown;
    await post('/api/dashboards/import', { dashboard: node, overwrite: true, inputs: [] });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it('writes every dashboard as JSON, in a directory per folder, as the API answers it', async () => {
    const dir = join(tempDir(), 'backup');
    const r = await run(['dashboards', dir, '--url', `${base}/`], { SIGHTLINE_TOKEN: viewerToken });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // the three saved here and the built-in Sightline health dashboard
    expect(r.stdout).toBe(`exported 4 dashboards to ${dir}\n`);
    expect(readdirSync(dir).sort()).toEqual(['Ops _ Infra', 'Sightline', 'plain.json', 'rYdddlPWk.json']);
    expect(readdirSync(join(dir, 'Sightline'))).toEqual(['sightline-health.json']);
    expect(readdirSync(join(dir, 'Ops _ Infra'))).toEqual(['in-ops.json']);
    for (const [file, uid] of [
      ['plain.json', 'plain'],
      ['Ops _ Infra/in-ops.json', 'in-ops'],
      ['rYdddlPWk.json', 'rYdddlPWk'],
    ]) {
      const saved = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
      const api = (await (await fetch(`${base}/api/dashboards/uid/${uid}`, { headers: auth })).json()) as { dashboard: Record<string, unknown> };
      expect(saved).toEqual({ ...api.dashboard, id: null });
    }
    expect(JSON.parse(readFileSync(join(dir, 'Ops _ Infra/in-ops.json'), 'utf8'))).toMatchObject({ title: 'In ops v2', version: 2 });
  });

  it('exports with a user and password too, and the files import back unchanged', async () => {
    const dir = join(tempDir(), 'backup');
    expect((await run(['dashboards', dir, '--url', base], { SIGHTLINE_PASSWORD: PASSWORD })).code).toBe(0);
    const before = (await (await fetch(`${base}/api/dashboards/uid/plain`, { headers: auth })).json()) as { dashboard: Record<string, unknown> };
    const file = JSON.parse(readFileSync(join(dir, 'plain.json'), 'utf8')) as Record<string, unknown>;
    await post('/api/dashboards/import', { dashboard: file, overwrite: true, inputs: [] });
    const after = (await (await fetch(`${base}/api/dashboards/uid/plain`, { headers: auth })).json()) as { dashboard: Record<string, unknown> };
    const { version: v1, ...a } = before.dashboard;
    const { version: v2, ...b } = after.dashboard;
    expect(b).toEqual(a);
    expect(v2).toBe((v1 as number) + 1);
  });

  it('exits 1 with the server’s reason on a wrong password or an unreachable server, 2 on a usage error', async () => {
    const dir = join(tempDir(), 'nothing');
    const denied = await run(['dashboards', dir, '--url', base], { SIGHTLINE_PASSWORD: 'wrong' });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^sightline export: \/api\/search\?type=dash-db&limit=5000: 401 /);
    expect(existsSync(dir)).toBe(false);
    const down = await run(['dashboards', dir, '--url', 'http://127.0.0.1:1'], { SIGHTLINE_TOKEN: viewerToken });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('http://127.0.0.1:1/api/search');
    expect((await run(['datasources', dir], {})).stderr).toContain('cannot export "datasources"');
    expect((await run(['dashboards'], {})).code).toBe(2);
    expect((await run(['dashboards', dir, '--bogus'], {})).code).toBe(2);
  });
});
