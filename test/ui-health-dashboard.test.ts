/**
 * The built-in "Sightline health" dashboard of the single-process default: provisioned read-only into the
 * Sightline folder, stable across restarts, and every query of every panel valid against the process's own
 * self-scrape — the core panels with data once something was ingested.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

const PASSWORD = 'health dashboard test password';

describe('built-in health dashboard', () => {
  const dir = tempDir('ui-health-');
  let s: SpawnedSightline;
  let ports: Record<string, number>;
  let cookie = '';

  const start = async () => {
    s = spawnSightline(['--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')]);
    ports = await startedPorts(s, 60_000);
    const l = await fetch(`http://127.0.0.1:${ports.ui}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password: PASSWORD }) });
    expect(l.status).toBe(200);
    cookie = (l.headers.get('set-cookie') ?? '').split(';')[0];
  };
  const stop = async () => {
    s.child.kill('SIGTERM');
    await s.exited;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Grafana JSON, checked field by field
  const ui = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> => {
    const res = await fetch(`http://127.0.0.1:${ports.ui}${path}`, { method, headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    writeFileSync(
      join(dir, 'sightline.yaml'),
      [
        'metrics: { listen_address: 127.0.0.1:0, self_scrape_interval: 1s }',
        'logs: { listen_address: 127.0.0.1:0 }',
        'mimir: { listen_address: 127.0.0.1:0 }',
        'traces: { listen_address: 127.0.0.1:0, zipkin: { listen_address: 127.0.0.1:0 }, jaeger: { listen_address: 127.0.0.1:0 } }',
        'otlp: { grpc_listen_address: 127.0.0.1:0, http_listen_address: 127.0.0.1:0 }',
        'alertmanager: { listen_address: 127.0.0.1:0 }',
        `ui: { listen_address: 127.0.0.1:0, admin_password: "${PASSWORD}" }`,
        '',
      ].join('\n'),
    );
    await start();
  }, 90_000);
  afterAll(async () => {
    if (s) await stop();
  });

  it('is provisioned read-only in the Sightline folder and every panel query answers', async () => {
    const got = await ui('GET', '/api/dashboards/uid/sightline-health');
    expect(got.status).toBe(200);
    expect(got.json.dashboard.title).toBe('Sightline health');
    expect(got.json.meta).toMatchObject({ folderUid: 'sightline', folderTitle: 'Sightline', provisioned: true, canSave: false, canDelete: false });
    expect((await ui('DELETE', '/api/dashboards/uid/sightline-health')).status).toBe(400);

    // Something to show: a log line and a span, then a few self-scrapes.
    const push = await fetch(`http://127.0.0.1:${ports.loki}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { app: 'health' }, values: [[String(Date.now() * 1e6), 'hello']] }] }),
    });
    expect(push.status).toBe(204);

    const panels = got.json.dashboard.panels as { title: string; targets: { expr: string }[] }[];
    expect(panels.length).toBeGreaterThanOrEqual(12);
    const query = async (expr: string) => {
      const r = await ui('GET', `/api/datasources/proxy/uid/prometheus/api/v1/query?query=${encodeURIComponent(expr.replaceAll('$__rate_interval', '1m'))}`);
      expect(r.status, `${expr}: ${JSON.stringify(r.json)}`).toBe(200);
      expect(r.json.status).toBe('success');
      return r.json.data.result as { value: [number, string] }[];
    };
    for (const p of panels) for (const t of p.targets) await query(t.expr);

    // The core panels show data once the self-scrape has run a few times.
    const byTitle = new Map(panels.map((p) => [p.title, p]));
    for (const title of ['Up', 'Head series', 'Resident memory', 'Disk: blocks + WAL', 'Metrics ingest', 'Logs ingest']) {
      const expr = byTitle.get(title)!.targets[0].expr;
      await waitFor(async () => (await query(expr)).length > 0, 30_000, `data for panel "${title}" (${expr})`);
    }
    expect(Number((await query(byTitle.get('Up')!.targets[0].expr))[0].value[1])).toBe(1);
  }, 90_000);

  it('keeps its version across a restart (no new version when nothing changed)', async () => {
    const before = (await ui('GET', '/api/dashboards/uid/sightline-health')).json.dashboard.version as number;
    await stop();
    await start();
    const after = await ui('GET', '/api/dashboards/uid/sightline-health');
    expect(after.status).toBe(200);
    expect(after.json.dashboard.version).toBe(before);
  }, 90_000);
});
