import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

/** Scrape jobs added in the UI: stored in its database, merged with prometheus.yml, scraped without a restart. */

const STACK = 'metrics:\n  listen_address: 127.0.0.1:0\n  scrape_self: false\nmimir:\n  listen_address: 127.0.0.1:0\nlogs:\n  listen_address: 127.0.0.1:0\ntraces:\n  listen_address: 127.0.0.1:0\n  zipkin: { listen_address: 127.0.0.1:0 }\n  jaeger: { listen_address: 127.0.0.1:0 }\notlp:\n  grpc_listen_address: 127.0.0.1:0\n  http_listen_address: 127.0.0.1:0\nui:\n  listen_address: 127.0.0.1:0\n  development_mode: true\nalertmanager:\n  listen_address: 127.0.0.1:0\n';

interface Target {
  labels: Record<string, string>;
  scrapePool: string;
  health: string;
}

const basic = (user: string, pw: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });
const ADMIN = basic('admin', 'admin');

describe('scrape jobs from the UI', () => {
  let exposition: Server;
  let appPort: number;
  let dir: string;
  let s: SpawnedSightline;
  let prom: string;
  let ui: string;

  const start = async () => {
    s = spawnSightline(['--config.file', join(dir, 'sightline.yaml'), '--prometheus.config', join(dir, 'prometheus.yml'), '--data-dir', join(dir, 'data')], { SIGHTLINE_BANNER: '0' });
    const ports = await startedPorts(s);
    prom = `http://127.0.0.1:${ports.prometheus}`;
    ui = `http://127.0.0.1:${ports.ui}`;
  };
  const stop = async () => {
    s.child.kill('SIGTERM');
    await s.exited;
  };
  const targets = async (): Promise<Target[]> => ((await (await fetch(`${prom}/api/v1/targets`)).json()) as { data: { activeTargets: Target[] } }).data.activeTargets;
  const upOf = async (job: string): Promise<string | undefined> => {
    const r = (await (await fetch(`${prom}/api/v1/query?query=${encodeURIComponent(`up{job="${job}"}`)}`)).json()) as { data: { result: { value: [number, string] }[] } };
    return r.data.result[0]?.value[1];
  };
  const api = (method: string, path: string, body?: unknown, headers = ADMIN) => fetch(`${ui}/api/sightline/scrape-jobs${path}`, body === undefined ? { method, headers } : { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    exposition = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end('# TYPE shop_orders_total counter\nshop_orders_total 42\n');
    });
    await new Promise<void>((r) => exposition.listen(0, '127.0.0.1', r));
    appPort = (exposition.address() as { port: number }).port;
    dir = tempDir();
    writeFileSync(join(dir, 'sightline.yaml'), STACK);
    writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n- job_name: from-file\n  static_configs:\n  - targets: ["127.0.0.1:1"]\n');
    await start();
  }, 30_000);

  afterAll(async () => {
    if (s) await stop();
    exposition?.close();
  });

  it('adds a job that is scraped and listed on /api/v1/targets, without a restart; edits and removes it', async () => {
    const add = await api('POST', '', { job_name: 'shop', targets: [`127.0.0.1:${appPort}`], labels: { env: 'dev' }, scrape_interval: '1s' });
    expect(add.status).toBe(200);
    const { id } = (await add.json()) as { id: number };
    await waitFor(async () => (await upOf('shop')) === '1', 15_000, 'the UI job scraped');
    const t = (await targets()).find((x) => x.scrapePool === 'shop');
    expect(t?.labels).toMatchObject({ job: 'shop', instance: `127.0.0.1:${appPort}`, env: 'dev' });
    const list = (await (await api('GET', '')).json()) as { jobs: { id: number; job_name: string; targets: string[] }[]; fileJobs: string[] };
    expect(list.jobs).toEqual([expect.objectContaining({ id, job_name: 'shop', targets: [`127.0.0.1:${appPort}`] })]);
    expect(list.fileJobs).toEqual(['from-file']);

    // /-/reload re-reads prometheus.yml and says so; the UI job stays.
    const reload = await fetch(`${prom}/-/reload`, { method: 'POST' });
    expect(reload.status).toBe(200);
    const said = await reload.text();
    expect(said).toContain(`prometheus.yml ${join(dir, 'prometheus.yml')}: 1 scrape job(s), 0 rule file(s), 0 alertmanager config(s)`);
    expect(said).toContain('scrape jobs from the UI: 1 applied');
    expect((await targets()).map((x) => x.scrapePool).sort()).toEqual(['from-file', 'shop']);

    // The file's jobs are read-only here: the name is refused, as is an invalid job; nothing changes.
    const clash = await api('POST', '', { job_name: 'from-file', targets: ['127.0.0.1:2'] });
    expect(clash.status).toBe(400);
    expect(((await clash.json()) as { message: string }).message).toContain('defined in prometheus.yml');
    const bad = await api('POST', '', { job_name: 'slow', targets: ['127.0.0.1:2'], scrape_interval: '1s', scrape_timeout: '5s' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('scrape timeout greater than scrape interval');
    expect((await api('POST', '', { job_name: 'shop', targets: ['127.0.0.1:2'] })).status).toBe(409);

    expect((await api('PUT', `/${id}`, { job_name: 'shop', targets: [`127.0.0.1:${appPort}`], labels: { env: 'prod' }, scrape_interval: '1s' })).status).toBe(200);
    await waitFor(async () => (await targets()).find((x) => x.scrapePool === 'shop')?.labels.env === 'prod', 10_000, 'the edited label');

    // Kept in the UI database: scraped again after a restart.
    await stop();
    await start();
    await waitFor(async () => (await targets()).some((x) => x.scrapePool === 'shop' && x.labels.env === 'prod'), 10_000, 'the stored job after restart');

    expect((await api('DELETE', `/${id}`)).status).toBe(200);
    await waitFor(async () => !(await targets()).some((x) => x.scrapePool === 'shop'), 10_000, 'the job gone');
    expect(((await (await api('GET', '')).json()) as { jobs: unknown[] }).jobs).toEqual([]);
  }, 60_000);

  it('refuses Viewers and Editors', async () => {
    for (const role of ['Viewer', 'Editor']) {
      const login = `user-${role.toLowerCase()}`;
      const created = await fetch(`${ui}/api/admin/users`, { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ login, password: 'password-123', role }) });
      expect(created.status).toBe(200);
      const who = basic(login, 'password-123');
      expect((await api('GET', '', undefined, who)).status).toBe(403);
      expect((await api('POST', '', { job_name: 'x', targets: ['127.0.0.1:2'] }, who)).status).toBe(403);
    }
    expect((await targets()).some((x) => x.scrapePool === 'x')).toBe(false);
  });
});
