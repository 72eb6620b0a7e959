/**
 * Grafana's annotations API (`/api/annotations`) over real HTTP, on SQLite and PostgreSQL: Grafana's request and
 * answer shapes (POST → `{message, id}`; GET items with dashboardUID, panelId, time, timeEnd, text, tags, login),
 * the time-range overlap, dashboard/panel/tag filters (all or any), limit and newest first, PUT/PATCH/DELETE, a
 * Viewer reading but not writing, and Grafana's bad-request answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiApiServer, type UiApiServer } from './ui-api-server.js';
import { pgAvailable, requirePeer } from './ui-peers.js';

const ADMIN_PASSWORD = 'annotations admin password';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field
type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; json: any }>;

/** Requests with basic auth, as scripts call Grafana's API. */
const client =
  (base: string, user: string, password: string): Call =>
  async (method, path, body) => {
    const headers: Record<string, string> = { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: await res.json() };
  };

describe.each(['sqlite', 'postgres'] as const)('annotations API on %s', (kind) => {
  const enabled = kind === 'sqlite' || requirePeer('PostgreSQL', pgAvailable(), 'postgresql');
  let server: UiApiServer | undefined;
  let admin: Call;
  let viewer: Call;
  let dash = { uid: '', id: 0 };

  beforeAll(async () => {
    if (!enabled) return;
    server = await startUiApiServer(kind, ADMIN_PASSWORD);
    const base = server.base;
    admin = client(base, 'admin', ADMIN_PASSWORD);
    expect((await admin('POST', '/api/admin/users', { login: 'vera', password: 'password-of-vera', role: 'Viewer' })).status).toBe(200);
    viewer = client(base, 'vera', 'password-of-vera');
    const saved = await admin('POST', '/api/dashboards/db', { dashboard: { title: 'Deploys', panels: [] }, overwrite: false });
    dash = { uid: saved.json.uid, id: saved.json.id };
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it.runIf(enabled)('adds events and regions and answers them in Grafana\'s shape, filtered by range, dashboard, panel and tags', async () => {
    const add = async (b: unknown) => {
      const r = await admin('POST', '/api/annotations', b);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json).toEqual({ message: 'Annotation added', id: expect.any(Number) });
      return r.json.id as number;
    };
    const deploy = await add({ dashboardUID: dash.uid, panelId: 2, time: 1_000_000, tags: ['deploy', 'shop'], text: 'shop v2' });
    const outage = await add({ dashboardUID: dash.uid, panelId: 3, time: 2_000_000, timeEnd: 2_600_000, tags: ['outage'], text: 'database down' });
    const byId = await add({ dashboardId: dash.id, time: 3_000_000, tags: ['deploy'], text: 'cart v7' });
    const org = await add({ time: 1_500_000, tags: ['deploy'], text: 'org-wide' });

    const all = await viewer('GET', `/api/annotations?dashboardUID=${dash.uid}`);
    expect(all.status).toBe(200);
    // newest first; the older numeric dashboardId resolves to the same dashboard
    expect(all.json.map((a: { id: number }) => a.id)).toEqual([byId, outage, deploy]);
    expect(all.json[2]).toEqual({
      id: deploy,
      alertId: 0,
      alertName: '',
      dashboardId: dash.id,
      dashboardUID: dash.uid,
      panelId: 2,
      userId: 1,
      newState: '',
      prevState: '',
      created: expect.any(Number),
      updated: expect.any(Number),
      time: 1_000_000,
      timeEnd: 1_000_000,
      text: 'shop v2',
      tags: ['deploy', 'shop'],
      login: 'admin',
      email: expect.any(String),
      avatarUrl: '',
      data: {},
    });
    // a region overlapping the range is in it though it starts before
    const ids = async (q: string) => ((await viewer('GET', `/api/annotations?${q}`)).json as { id: number }[]).map((a) => a.id);
    expect(await ids(`from=2500000&to=2900000&dashboardUID=${dash.uid}`)).toEqual([outage]);
    expect(await ids('from=900000&to=1600000')).toEqual([org, deploy]);
    expect(await ids(`dashboardUID=${dash.uid}&panelId=3`)).toEqual([outage]);
    // tags: all of them by default, any with matchAny
    expect(await ids('tags=deploy&tags=shop')).toEqual([deploy]);
    expect(await ids('tags=shop&tags=outage&matchAny=true')).toEqual([outage, deploy]);
    expect(await ids('tags=deploy&limit=2')).toEqual([byId, org]);
    expect(await ids('type=alert')).toEqual([]);
  });

  it.runIf(enabled)('updates (PUT), patches, deletes, and refuses Viewers and bad input as Grafana does', async () => {
    const id = (await admin('POST', '/api/annotations', { dashboardUID: dash.uid, time: 5_000_000, text: 'before', tags: ['a'] })).json.id as number;
    expect(await admin('PATCH', `/api/annotations/${id}`, { text: 'patched' })).toEqual({ status: 200, json: { message: 'Annotation patched' } });
    let got = (await admin('GET', `/api/annotations?from=5000000&to=5000000`)).json;
    expect(got).toMatchObject([{ id, text: 'patched', tags: ['a'], time: 5_000_000, timeEnd: 5_000_000 }]);
    expect(await admin('PUT', `/api/annotations/${id}`, { time: 5_000_000, timeEnd: 5_300_000, text: 'put', tags: ['b'] })).toEqual({ status: 200, json: { message: 'Annotation updated' } });
    got = (await admin('GET', `/api/annotations?from=5200000&to=5200000`)).json;
    expect(got).toMatchObject([{ id, text: 'put', tags: ['b'], timeEnd: 5_300_000 }]);

    // a Viewer reads but cannot write
    expect((await viewer('POST', '/api/annotations', { text: 'viewer note' })).status).toBe(403);
    expect((await viewer('DELETE', `/api/annotations/${id}`)).status).toBe(403);
    // Grafana's 400s and 404s
    const empty = await admin('POST', '/api/annotations', { dashboardUID: dash.uid, time: 1 });
    expect(empty.status).toBe(400);
    expect(empty.json.message).toBe('Failed to save annotation');
    expect((await admin('POST', '/api/annotations', { dashboardUID: 'no-such-dashboard', text: 'x' })).status).toBe(404);
    expect((await admin('POST', '/api/annotations', { text: 'x', time: 'yesterday' })).status).toBe(400);
    expect((await admin('PATCH', '/api/annotations/999999', { text: 'x' })).status).toBe(404);

    expect(await admin('DELETE', `/api/annotations/${id}`)).toEqual({ status: 200, json: { message: 'Annotation deleted' } });
    expect((await admin('GET', `/api/annotations?from=5000000&to=5300000`)).json).toEqual([]);
    // an annotation without a time is now
    const before = Date.now();
    const now = (await admin('POST', '/api/annotations', { text: 'just now' })).json.id as number;
    const [a] = (await admin('GET', `/api/annotations?from=${before}`)).json as { id: number; time: number }[];
    expect(a?.id).toBe(now);
    expect(a!.time).toBeGreaterThanOrEqual(before);
  });
});
