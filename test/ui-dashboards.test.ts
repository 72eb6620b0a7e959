/**
 * Grafana's dashboard HTTP API over real HTTP, on SQLite and PostgreSQL: save with version conflicts and overwrite,
 * get with meta, versions and restore, search filters, folders, stars, import with __inputs mapped to datasources,
 * home, roles (a Viewer cannot save) and Grafana's bad-request answers.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from './helpers/process.js';
import { startUiApiServer, type UiApiServer } from './ui-api-server.js';
import { pgAvailable, requirePeer } from './ui-peers.js';

const ADMIN_PASSWORD = 'correct horse battery staple';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field
type Api = (method: string, path: string, body?: unknown, raw?: string) => Promise<{ status: number; json: any }>;

/** Signs in once (password hashing is deliberately slow) and uses the session cookie. */
async function api(base: string, user: string, password: string): Promise<Api> {
  const l = await fetch(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) });
  expect(l.status).toBe(200);
  const cookie = (l.headers.get('set-cookie') ?? '').split(';')[0];
  return async (method, path, body, raw) => {
    const headers: Record<string, string> = { cookie };
    if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(base + path, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
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

describe.each(['sqlite', 'postgres'] as const)('dashboard API on %s', (kind) => {
  const enabled = kind === 'sqlite' || requirePeer('PostgreSQL', pgAvailable(), 'postgresql');
  let server: UiApiServer | undefined;
  let admin: Api;
  let viewer: Api;
  let editor: Api;
  let base: string;

  beforeAll(async () => {
    if (!enabled) return;
    // The fixture's datasources plus a dashboard provider (disableDeletion) over a folder of JSON files.
    const prov = tempDir();
    cpSync(join(REPO_ROOT, 'test/fixtures/ui/provisioning/datasources'), join(prov, 'datasources'), { recursive: true });
    mkdirSync(join(prov, 'dashboards'));
    mkdirSync(join(prov, 'json'));
    writeFileSync(join(prov, 'json', 'ops.json'), JSON.stringify({ uid: 'provisioned-ops', title: 'Ops', tags: ['provisioned'] }));
    writeFileSync(join(prov, 'dashboards', 'providers.yaml'), `apiVersion: 1\nproviders:\n- name: ops\n  folder: Operations\n  type: file\n  disableDeletion: true\n  options:\n    path: ${join(prov, 'json')}\n`);
    server = await startUiApiServer(kind, ADMIN_PASSWORD, { provisioning_path: prov });
    base = server.base;
    admin = await api(base, 'admin', ADMIN_PASSWORD);
    for (const [login, role] of [
      ['vera', 'Viewer'],
      ['ed', 'Editor'],
    ]) {
      expect((await admin('POST', '/api/admin/users', { login, password: 'password-of-' + login, role })).status).toBe(200);
    }
    viewer = await api(base, 'vera', 'password-of-vera');
    editor = await api(base, 'ed', 'password-of-ed');
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it.runIf(enabled)('creates, reads with meta, updates with version checks (412) and overwrite, and keeps versions', async () => {
    const created = await editor('POST', '/api/dashboards/db', { dashboard: { id: null, uid: null, title: 'Production Overview', tags: ['templated'], timezone: 'browser', schemaVersion: 16, panels: [] }, folderUid: '', message: 'first', overwrite: false });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ status: 'success', version: 1, slug: 'production-overview' });
    const uid = created.json.uid as string;
    expect(uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(created.json.url).toBe(`/d/${uid}/production-overview`);

    const got = await viewer('GET', `/api/dashboards/uid/${uid}`);
    expect(got.status).toBe(200);
    expect(got.json.dashboard).toMatchObject({ id: created.json.id, uid, title: 'Production Overview', tags: ['templated'], version: 1, schemaVersion: 16 });
    expect(got.json.meta).toMatchObject({ type: 'db', canSave: false, canEdit: false, slug: 'production-overview', url: `/d/${uid}/production-overview`, version: 1, isFolder: false, folderId: 0, folderTitle: 'General', provisioned: false, createdBy: 'ed' });

    // A save from an older version is refused as Grafana refuses it.
    const stale = await admin('POST', '/api/dashboards/db', { dashboard: { ...got.json.dashboard, version: 0, title: 'Production Overview' }, overwrite: false });
    expect(stale.status).toBe(412);
    expect(stale.json).toEqual({ message: 'The dashboard has been changed by someone else', status: 'version-mismatch' });
    // The right version goes through; overwrite ignores the version.
    const v2 = await admin('POST', '/api/dashboards/db', { dashboard: { ...got.json.dashboard, description: 'two' }, message: 'second' });
    expect(v2.json).toMatchObject({ status: 'success', version: 2, uid, id: created.json.id });
    const v3 = await admin('POST', '/api/dashboards/db', { dashboard: { ...got.json.dashboard, version: 0, description: 'three' }, overwrite: true });
    expect(v3.json).toMatchObject({ version: 3 });

    // Same title in the same folder: name-exists.
    const dup = await editor('POST', '/api/dashboards/db', { dashboard: { title: 'Production Overview' } });
    expect(dup.status).toBe(412);
    expect(dup.json).toEqual({ message: 'A dashboard with the same name in the folder already exists', status: 'name-exists' });

    const versions = await viewer('GET', `/api/dashboards/uid/${uid}/versions`);
    expect(versions.json.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    expect(versions.json[2]).toMatchObject({ dashboardUid: uid, parentVersion: 0, message: 'first', createdBy: 'ed' });
    const one = await viewer('GET', `/api/dashboards/uid/${uid}/versions/1`);
    expect(one.json.data).toMatchObject({ title: 'Production Overview', version: 1 });
    expect(one.json.data.description).toBeUndefined();

    const restored = await editor('POST', `/api/dashboards/uid/${uid}/restore`, { version: 1 });
    expect(restored.json).toMatchObject({ status: 'success', version: 4 });
    const after = await viewer('GET', `/api/dashboards/uid/${uid}`);
    expect(after.json.dashboard.description).toBeUndefined();
    expect((await viewer('GET', `/api/dashboards/uid/${uid}/versions`)).json[0]).toMatchObject({ version: 4, restoredFrom: 1, message: 'Restored from version 1' });
  });

  it.runIf(enabled)('serves provisioned dashboards in their folder and refuses to delete them (disableDeletion)', async () => {
    const hit = (await viewer('GET', '/api/search?tag=provisioned')).json;
    expect(hit).toMatchObject([{ uid: 'provisioned-ops', title: 'Ops', folderTitle: 'Operations' }]);
    expect((await viewer('GET', '/api/dashboards/uid/provisioned-ops')).json.meta).toMatchObject({ provisioned: true, canDelete: false, canSave: false });
    const del = await admin('DELETE', '/api/dashboards/uid/provisioned-ops');
    expect(del.status).toBe(400);
    expect((await viewer('GET', '/api/dashboards/uid/provisioned-ops')).status).toBe(200);
  });

  it.runIf(enabled)('refuses a Viewer, bad JSON with Grafana\'s message, a missing title, and unknown uids', async () => {
    const denied = await viewer('POST', '/api/dashboards/db', { dashboard: { title: 'Viewer made this' } });
    expect(denied.status).toBe(403);
    expect((await viewer('POST', '/api/folders', { title: 'nope' })).status).toBe(403);
    const bad = await editor('POST', '/api/dashboards/db', undefined, '{"dashboard": {"title": ');
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ message: 'bad request data' });
    expect((await editor('POST', '/api/dashboards/db', { dashboard: 'not an object' })).json).toEqual({ message: 'bad request data' });
    expect((await editor('POST', '/api/dashboards/db', { dashboard: { title: '' } })).status).toBe(400);
    const missing = await viewer('GET', '/api/dashboards/uid/no-such-dashboard');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ message: 'Dashboard not found' });
    expect((await viewer('GET', '/api/search?query=Viewer made')).json).toEqual([]);
  });

  it.runIf(enabled)('manages folders and searches by query, tag, type, folderUIDs and starred', async () => {
    const f = await editor('POST', '/api/folders', { uid: 'team-a', title: 'Team A' });
    expect(f.status).toBe(200);
    expect(f.json).toMatchObject({ uid: 'team-a', title: 'Team A', url: '/dashboards/f/team-a/team-a', version: 1 });
    expect((await editor('POST', '/api/folders', { title: 'Team A' })).status).toBe(409);
    for (const [title, tags, folderUid] of [
      ['Node Exporter', ['linux', 'node'], 'team-a'],
      ['Loki Logs', ['logs'], 'team-a'],
      ['Node Summary', ['node'], ''],
    ] as const) {
      expect((await editor('POST', '/api/dashboards/db', { dashboard: { title, tags }, folderUid })).status).toBe(200);
    }
    // The same title is fine in another folder.
    expect((await editor('POST', '/api/dashboards/db', { dashboard: { title: 'Node Summary' }, folderUid: 'team-a' })).status).toBe(200);

    const titles = async (q: string) => ((await viewer('GET', '/api/search' + q)).json as { title: string; type: string }[]).map((h) => `${h.type}:${h.title}`);
    expect(await titles('?query=node')).toEqual(['dash-db:Node Exporter', 'dash-db:Node Summary', 'dash-db:Node Summary']);
    expect(await titles('?tag=node&tag=linux')).toEqual(['dash-db:Node Exporter']);
    expect(await titles('?type=dash-folder')).toEqual(['dash-folder:Operations', 'dash-folder:Team A']);
    expect(await titles('?folderUIDs=team-a')).toEqual(['dash-db:Loki Logs', 'dash-db:Node Exporter', 'dash-db:Node Summary']);
    expect(await titles('?folderUIDs=general&query=node')).toEqual(['dash-db:Node Summary']);
    const hit = (await viewer('GET', '/api/search?query=Loki')).json[0];
    const hitOps = (await viewer('GET', '/api/search?query=Ops')).json[0] as { folderUid: unknown };
    expect(hit).toMatchObject({ title: 'Loki Logs', type: 'dash-db', tags: ['logs'], isStarred: false, folderUid: 'team-a', folderTitle: 'Team A', folderUrl: '/dashboards/f/team-a/team-a', uri: 'db/loki-logs' });

    expect((await viewer('POST', `/api/user/stars/dashboard/uid/${hit.uid}`)).status).toBe(200);
    expect(await titles('?starred=true')).toEqual(['dash-db:Loki Logs']);
    expect((await viewer('GET', `/api/dashboards/uid/${hit.uid}`)).json.meta).toMatchObject({ isStarred: true, folderUid: 'team-a', folderTitle: 'Team A' });
    expect((await admin('GET', '/api/search?starred=true')).json).toEqual([]);

    const renamed = await editor('PUT', '/api/folders/team-a', { title: 'Team Alpha', version: 1 });
    expect(renamed.json).toMatchObject({ title: 'Team Alpha', version: 2 });
    expect((await editor('PUT', '/api/folders/team-a', { title: 'Team Beta', version: 1 })).status).toBe(412);
    expect((await viewer('GET', '/api/folders')).json).toContainEqual({ id: f.json.id, uid: 'team-a', title: 'Team Alpha' });
    expect((await editor('DELETE', `/api/folders/${hitOps.folderUid as string}`)).status).toBe(400);
    const del = await editor('DELETE', '/api/folders/team-a');
    expect(del.json).toMatchObject({ message: 'Folder deleted', title: 'Team Alpha' });
    expect(await titles('?query=node')).toEqual(['dash-db:Node Summary']);
    expect((await viewer('GET', '/api/folders/team-a')).status).toBe(404);
  });

  it.runIf(enabled)('imports a grafana.com export with __inputs mapped to a datasource, deletes, and answers home', async () => {
    const exported = {
      __inputs: [{ name: 'DS_PROMETHEUS', label: 'Prometheus', type: 'datasource', pluginId: 'prometheus', pluginName: 'Prometheus' }],
      __requires: [{ type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' }],
      title: 'Imported',
      uid: 'imported-1',
      panels: [{ id: 1, type: 'timeseries', datasource: { type: 'prometheus', uid: '${DS_PROMETHEUS}' }, targets: [{ expr: 'up', datasource: '${DS_PROMETHEUS}' }] }],
    };
    const ds = (await admin('GET', '/api/datasources')).json as { uid: string; name: string; type: string }[];
    const prom = ds.find((d) => d.type === 'prometheus');
    expect(prom).toBeDefined();
    const imp = await editor('POST', '/api/dashboards/import', { dashboard: exported, overwrite: true, inputs: [{ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus', value: prom!.name }] });
    expect(imp.status).toBe(200);
    expect(imp.json).toMatchObject({ uid: 'imported-1', title: 'Imported', imported: true, importedUrl: '/d/imported-1/imported', slug: 'imported' });
    const got = (await viewer('GET', '/api/dashboards/uid/imported-1')).json.dashboard;
    expect(got.panels[0].datasource).toEqual({ type: 'prometheus', uid: prom!.uid });
    // the import put the uid in the string; the load-time migration made the string a reference
    expect(got.panels[0].targets[0].datasource).toEqual({ type: 'prometheus', uid: prom!.uid });
    expect(got.__inputs).toBeUndefined();
    // an export from another Grafana keeps the numeric id it had there (go-runtime-mixin has "id": 2): ignored on import
    const withId = await editor('POST', '/api/dashboards/import', { dashboard: { ...exported, id: 4711, uid: 'imported-3', title: 'Imported 3' }, overwrite: true, inputs: [{ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus', value: prom!.name }] });
    expect(withId.status, JSON.stringify(withId.json)).toBe(200);
    expect((await viewer('GET', '/api/dashboards/uid/imported-3')).json.dashboard.title).toBe('Imported 3');

    const unknown = await editor('POST', '/api/dashboards/import', { dashboard: { ...exported, uid: 'imported-2', title: 'Imported 2' }, inputs: [{ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus', value: 'no-such-datasource' }] });
    expect(unknown.status).toBe(400);
    expect(unknown.json.message).toContain('no-such-datasource');

    expect((await viewer('DELETE', '/api/dashboards/uid/imported-1')).status).toBe(403);
    const del = await editor('DELETE', '/api/dashboards/uid/imported-1');
    expect(del.json).toMatchObject({ title: 'Imported', message: 'Dashboard Imported deleted' });
    expect((await viewer('GET', '/api/dashboards/uid/imported-1')).status).toBe(404);

    const home = await viewer('GET', '/api/dashboards/home');
    expect(home.status).toBe(200);
    expect(home.json.meta).toMatchObject({ isHome: true, canSave: false });
    expect(Array.isArray(home.json.dashboard.panels)).toBe(true);
  });
});
