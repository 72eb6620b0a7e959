import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerAvailable, startOurAlertmanager, startRealAlertmanager, type RealAlertmanager } from './helpers/alertmanager-peer.js';
import { tempDir } from './helpers/process.js';

const run = promisify(execFile);
const HAVE = alertmanagerAvailable();

const CONFIG = `
route:
  receiver: default
  group_by: [alertname]
  group_wait: 1h
  routes:
    - matchers: ['team="db"']
      receiver: db
      continue: true
    - matchers: ['severity=~"crit|page"']
      receiver: pager
inhibit_rules:
  - source_matchers: ['severity="page"']
    target_matchers: ['severity="warn"']
    equal: [cluster]
receivers:
  - name: default
  - name: db
  - name: pager
`;

const ALERTS = [
  { labels: { alertname: 'DiskFull', team: 'db', severity: 'crit', cluster: 'a' }, annotations: { summary: 'disk' }, generatorURL: 'http://prom/graph?g0.expr=x' },
  { labels: { alertname: 'HighLatency', severity: 'warn', cluster: 'a' }, annotations: {} },
  { labels: { alertname: 'Down', severity: 'page', cluster: 'a', job: 'api', instance: 'i1' } },
  { labels: { alertname: 'Down', severity: 'page', cluster: 'b', job: 'api', instance: 'i2', empty: '' }, startsAt: '2020-01-01T00:00:00Z' },
];

/** Timestamps and ids differ between two servers; everything else must not. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (['startsAt', 'endsAt', 'updatedAt', 'id'].includes(k) && typeof x === 'string') out[k] = '<time-or-id>';
      else if (k === 'silencedBy') out[k] = (x as string[]).map(() => '<id>');
      else out[k] = normalize(x);
    }
    return out;
  }
  return v;
}

async function call(base: string, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const r = await fetch(base + path, { method, headers: body !== undefined ? { 'content-type': 'application/json' } : {}, body });
  return { status: r.status, text: await r.text() };
}

describe.skipIf(!HAVE)('API v2 against the real Alertmanager 0.25', () => {
  const dir = tempDir('am-api-');
  const file = join(dir, 'alertmanager.yml');
  writeFileSync(file, CONFIG);
  let real: RealAlertmanager;
  let ours: Awaited<ReturnType<typeof startOurAlertmanager>>;

  beforeAll(async () => {
    [real, ours] = await Promise.all([startRealAlertmanager(file, dir), startOurAlertmanager(join(dir, 'ours'), { config_file: file })]);
    for (const base of [real.url, ours.url]) {
      const r = await call(base, 'POST', '/api/v2/alerts', JSON.stringify(ALERTS));
      expect(r.status).toBe(200);
    }
  });
  afterAll(async () => {
    await Promise.all([real?.stop(), ours?.stop()]);
  });

  const both = async (method: string, path: string, body?: string) => {
    const [a, b] = await Promise.all([call(real.url, method, path, body), call(ours.url, method, path, body)]);
    return { real: a, ours: b };
  };

  it.each([
    '/api/v2/alerts',
    '/api/v2/alerts?filter=severity%3D~%22crit%7Cpage%22',
    '/api/v2/alerts?filter=empty%3D%22%22&filter=cluster!%3D%22b%22',
    '/api/v2/alerts?receiver=db',
    '/api/v2/alerts?inhibited=false',
    '/api/v2/alerts?active=false',
    '/api/v2/alerts/groups',
    '/api/v2/alerts/groups?receiver=pa.*',
    '/api/v2/receivers',
  ])('GET %s answers the same', async (path) => {
    const r = await both('GET', path);
    expect(r.ours.status).toBe(r.real.status);
    expect(normalize(JSON.parse(r.ours.text))).toEqual(normalize(JSON.parse(r.real.text)));
  });

  it.each([
    ['POST', '/api/v2/alerts', '[{"labels":{"alert-name":"A"}},{"labels":{}},{"labels":{"a":"b"},"startsAt":"2030-01-01T00:00:00Z","endsAt":"2020-01-01T00:00:00Z"}]'],
    ['POST', '/api/v2/alerts', '[{"annotations":{}}]'],
    ['POST', '/api/v2/alerts', '[{"labels":{"b\\udc00":"1"}}]'],
    ['POST', '/api/v2/alerts', '[{'],
    ['POST', '/api/v2/silences', '{"matchers":[],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2030-01-01T00:00:00Z","createdBy":"me","comment":"c"}'],
    ['POST', '/api/v2/silences', '{"matchers":[{"name":"a","value":"","isRegex":false}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2030-01-01T00:00:00Z","createdBy":"me","comment":"c"}'],
    ['POST', '/api/v2/silences', '{"matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2021-01-01T00:00:00Z","createdBy":"me","comment":"c"}'],
    ['POST', '/api/v2/silences', '{"matchers":[{"name":"a","value":"b","isRegex":false}],"endsAt":"2031-01-01T00:00:00Z","createdBy":"me","comment":"c"}'],
    ['POST', '/api/v2/silences', '{"id":"nope","matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2031-01-01T00:00:00Z","createdBy":"me","comment":"c"}'],
    ['GET', '/api/v2/silence/2b1cb0c2-6e7c-4d83-9d1e-000000000000', undefined],
    ['DELETE', '/api/v2/silence/2b1cb0c2-6e7c-4d83-9d1e-000000000000', undefined],
    ['GET', '/api/v2/silence/xyz', undefined],
    ['GET', '/api/v2/alerts?filter=a~b', undefined],
    ['GET', '/api/v2/silences?filter=a~b', undefined],
  ])('%s %s %s: same status and message', async (method, path, body) => {
    const r = await both(method, path, body);
    expect(r.ours.status).toBe(r.real.status);
    expect(r.ours.text.trim()).toBe(r.real.text.trim());
  });

  it('silences: create, list with filter, get, then expire give the same shapes', async () => {
    const body = JSON.stringify({ matchers: [{ name: 'alertname', value: 'Down', isRegex: false }, { name: 'cluster', value: 'a|c', isRegex: true, isEqual: true }], startsAt: '2020-01-01T00:00:00Z', endsAt: '2035-01-01T00:00:00Z', createdBy: 'me', comment: 'maintenance' });
    const created = await both('POST', '/api/v2/silences', body);
    expect(created.ours.status).toBe(200);
    const idReal = (JSON.parse(created.real.text) as { silenceID: string }).silenceID;
    const idOurs = (JSON.parse(created.ours.text) as { silenceID: string }).silenceID;
    expect(idOurs).toMatch(/^[0-9a-f-]{36}$/);
    const [lr, lo] = await Promise.all([call(real.url, 'GET', '/api/v2/silences?filter=alertname%3D%22Down%22'), call(ours.url, 'GET', '/api/v2/silences?filter=alertname%3D%22Down%22')]);
    expect(normalize(JSON.parse(lo.text))).toEqual(normalize(JSON.parse(lr.text)));
    const alerts = await both('GET', '/api/v2/alerts?silenced=true');
    expect(normalize(JSON.parse(alerts.ours.text))).toEqual(normalize(JSON.parse(alerts.real.text)));
    const [gr, go] = await Promise.all([call(real.url, 'GET', `/api/v2/silence/${idReal}`), call(ours.url, 'GET', `/api/v2/silence/${idOurs}`)]);
    expect(normalize(JSON.parse(go.text))).toEqual(normalize(JSON.parse(gr.text)));
    const [dr, dd] = await Promise.all([call(real.url, 'DELETE', `/api/v2/silence/${idReal}`), call(ours.url, 'DELETE', `/api/v2/silence/${idOurs}`)]);
    expect(dd.status).toBe(dr.status);
    const again = await Promise.all([call(real.url, 'DELETE', `/api/v2/silence/${idReal}`), call(ours.url, 'DELETE', `/api/v2/silence/${idOurs}`)]);
    expect(again[1].status).toBe(again[0].status);
    expect(again[1].text.replace(idOurs, 'ID')).toBe(again[0].text.replace(idReal, 'ID'));
    const [er, eo] = await Promise.all([call(real.url, 'GET', `/api/v2/silence/${idReal}`), call(ours.url, 'GET', `/api/v2/silence/${idOurs}`)]);
    expect(normalize(JSON.parse(eo.text))).toEqual(normalize(JSON.parse(er.text)));
  });

  it('amtool works against ours: alert query, silence add/query/expire', async () => {
    const amt = (...args: string[]) => run('amtool', [`--alertmanager.url=${ours.url}`, ...args]);
    const q1 = await amt('alert', 'query', 'alertname=DiskFull');
    expect(q1.stdout).toContain('DiskFull');
    const id = (await amt('silence', 'add', 'alertname=DiskFull', '-c', 'amtool test', '-d', '1h')).stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await amt('silence', 'query')).stdout).toContain(id);
    expect((await amt('alert', 'query', 'alertname=DiskFull')).stdout).not.toContain('DiskFull');
    expect((await amt('alert', 'query', '-s', 'alertname=DiskFull')).stdout).toContain('DiskFull');
    await amt('silence', 'expire', id);
    expect((await amt('silence', 'query')).stdout).not.toContain(id);
    expect((await amt('silence', 'query', '--expired')).stdout).toContain(id);
    expect((await amt('alert', 'query', 'alertname=DiskFull')).stdout).toContain('DiskFull');
    const json = JSON.parse((await amt('-o', 'json', 'alert', 'query')).stdout) as unknown[];
    expect(json.length).toBeGreaterThan(0);
  });

  it('a lone surrogate in a label or annotation becomes U+FFFD (as Go decodes JSON), not an error', async () => {
    const r = await both('POST', '/api/v2/alerts', '[{"labels":{"alertname":"Surrogate","v":"x\\ud800y"},"annotations":{"s":"\\udfff"}}]');
    expect(r.ours.status).toBe(r.real.status);
    const got = await both('GET', '/api/v2/alerts?filter=alertname%3D%22Surrogate%22');
    expect(normalize(JSON.parse(got.ours.text))).toEqual(normalize(JSON.parse(got.real.text)));
    expect(got.ours.text).toContain('x\ufffdy');
  });
});
