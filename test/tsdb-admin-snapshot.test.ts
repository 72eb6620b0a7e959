import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSightlineConfig, parseCliArgs } from '../src/cli/index.js';
import { registerPrometheusApi } from '../src/metrics/api/index.js';
import { Engine } from '../src/metrics/promql/index.js';
import { Tsdb } from '../src/metrics/tsdb/index.js';
import { Labels, Matcher } from '../src/model/index.js';
import { createHttpServer, createSelfMetricsRegistry, listen, silentLogger } from '../src/server/index.js';
import { tempDir } from './helpers/process.js';

const BLOCK = 2 * 3600_000;
const HAVE_PROMTOOL = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
if (!HAVE_PROMTOOL && process.env.CI === 'true') throw new Error('promtool not installed (Debian package "prometheus") but CI=true');

async function seriesCount(db: Tsdb): Promise<{ series: number; samples: number }> {
  const q = await db.querier(0, Number.MAX_SAFE_INTEGER);
  const ss = await q.select([new Matcher('=', '__name__', 'snap_metric')], { start: 0, end: Number.MAX_SAFE_INTEGER }, true);
  let samples = 0;
  for (const s of ss) samples += s.samples(0, Number.MAX_SAFE_INTEGER).length;
  q.close();
  return { series: ss.length, samples };
}

// The admin snapshot API: blocks hard-linked, the head written as a block, the result a TSDB that opens on its own
// (ours, and Prometheus's: the blocks are in Prometheus's format, so `promtool tsdb list` reads the snapshot).
describe('POST /api/v1/admin/tsdb/snapshot', () => {
  const dir = tempDir('snap-');
  let db: Tsdb;
  const apps: FastifyInstance[] = [];
  let url: string;
  let disabledUrl: string;

  beforeAll(async () => {
    db = await Tsdb.open({ dir, retentionMs: 0, retentionBytes: 0, minBlockDurationMs: BLOCK, compactionIntervalMs: 0 });
    // 4 series, one sample a minute over 5 hours: the first 2-hour range is cut into a block, the rest stays in the head.
    const a = db.appender();
    for (let t = 0; t < 5 * 3600_000; t += 60_000) {
      for (let i = 0; i < 4; i++) a.append(0, Labels.fromObject({ __name__: 'snap_metric', i: String(i) }), t, t / 1000 + i);
    }
    await a.commit();
    await db.compactHead();
    expect(db.blockMetas().length).toBeGreaterThan(0);
    const deps = {
      queryable: db,
      engine: new Engine(db),
      configYaml: () => '',
      flags: () => ({}),
      buildInfo: { version: '', revision: '', branch: '', buildUser: '', buildDate: '', goVersion: '' },
      walReplay: () => db.walReplayStatus,
      alertmanagers: () => ['http://127.0.0.1:9093/api/v2/alerts'],
    };
    for (const enabled of [true, false]) {
      const app = createHttpServer({ name: 'metrics', listenAddress: '127.0.0.1:0', logger: silentLogger(), registry: createSelfMetricsRegistry() });
      registerPrometheusApi(app, enabled ? { ...deps, snapshot: (name, skipHead) => db.snapshot(join(dir, 'snapshots', name), skipHead) } : deps);
      const port = await listen(app, '127.0.0.1:0');
      apps.push(app);
      if (enabled) url = `http://127.0.0.1:${port}`;
      else disabledUrl = `http://127.0.0.1:${port}`;
    }
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await db.close();
  });

  it('refuses when the admin API is disabled', async () => {
    const res = await fetch(`${disabledUrl}/api/v1/admin/tsdb/snapshot`, { method: 'POST' });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ status: 'error', errorType: 'unavailable', error: 'admin APIs disabled' });
  });

  it('refuses a malformed skip_head', async () => {
    const res = await fetch(`${url}/api/v1/admin/tsdb/snapshot?skip_head=maybe`, { method: 'POST' });
    expect(res.status).toBe(400);
  });

  it('writes a snapshot that opens as a TSDB with all the data, blocks hard-linked', async () => {
    const res = await fetch(`${url}/api/v1/admin/tsdb/snapshot`, { method: 'POST' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; data: { name: string } };
    expect(body.data.name).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{16}$/);
    const snapDir = join(dir, 'snapshots', body.data.name);
    const blocks = readdirSync(snapDir);
    expect(blocks.length).toBe(db.blockMetas().length + 1);
    // A block of the live TSDB and its snapshot copy share their inode (hard link).
    const live = db.blockMetas()[0].ulid;
    expect(existsSync(join(snapDir, live, 'index'))).toBe(true);
    expect(statSync(join(snapDir, live, 'index')).ino).toBe(statSync(join(dir, live, 'index')).ino);

    const want = await seriesCount(db);
    expect(want).toEqual({ series: 4, samples: 4 * 300 });
    const copy = await Tsdb.open({ dir: snapDir, retentionMs: 0, retentionBytes: 0, minBlockDurationMs: BLOCK, compactionIntervalMs: 0 });
    try {
      expect(await seriesCount(copy)).toEqual(want);
    } finally {
      await copy.close();
    }
    // Prometheus's own tool reads the snapshot: every block with its samples.
    if (HAVE_PROMTOOL) {
      const rows = spawnSync('promtool', ['tsdb', 'list', snapDir], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/));
      expect(rows.map((r) => r[0]).sort()).toEqual(blocks.sort());
      expect(rows.reduce((n, r) => n + Number(r[4]), 0)).toBe(want.samples);
    }
  });

  it('skip_head=true links the blocks only', async () => {
    const res = await fetch(`${url}/api/v1/admin/tsdb/snapshot?skip_head=true`, { method: 'PUT' });
    const { data } = (await res.json()) as { data: { name: string } };
    expect(readdirSync(join(dir, 'snapshots', data.name)).sort()).toEqual(db.blockMetas().map((m) => m.ulid).sort());
  });

  it('is enabled by --web.enable-admin-api (off by default)', () => {
    expect(loadSightlineConfig(parseCliArgs(['--web.enable-admin-api']), {}).metrics.enable_admin_api).toBe(true);
    expect(loadSightlineConfig(parseCliArgs([]), {}).metrics.enable_admin_api).toBe(false);
  });

  it('lists the notified Alertmanagers', async () => {
    const res = await fetch(`${url}/api/v1/alertmanagers`);
    expect(await res.json()).toEqual({
      status: 'success',
      data: { activeAlertmanagers: [{ url: 'http://127.0.0.1:9093/api/v2/alerts' }], droppedAlertmanagers: [] },
    });
  });

  it('reports the WAL segments replayed', async () => {
    const res = await fetch(`${url}/api/v1/status/walreplay`);
    expect(await res.json()).toEqual({ status: 'success', data: db.walReplayStatus });
  });
});
