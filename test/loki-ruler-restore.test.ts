/**
 * Loki ruler: a pending alert keeps its `for` progress across a restart of the Loki role. Loki keeps no
 * ALERTS_FOR_STATE series to read back, so the restarted ruler evaluates the rule back over its `for` window (as
 * Loki's MemStore does) and the alert resumes with its original `activeAt` (Prometheus's restore arithmetic,
 * `for_grace_period` 1s here), firing `for` after it first became active rather than `for` after the restart.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sightlineConfigSchema } from '../src/config/index.js';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { startLokiRuler } from '../src/rules/loki/index.js';
import { Registry, silentLogger } from '../src/server/index.js';
import { RULER_MODES, pooledQueries } from './helpers/logql-load.js';
import { tempDir, waitFor } from './helpers/process.js';

const FOR_MS = 12_000;

interface ApiAlert {
  labels: Record<string, string>;
  state: string;
  activeAt: string;
}

describe.each(RULER_MODES)('Loki ruler restores `for` progress after a restart (workers $workers)', ({ workers }) => {
  let dir: string;
  let loki: RunningLogs | undefined;
  const rulerCfg = () =>
    sightlineConfigSchema.parse({
      logs: { ruler: { storage: { local: { directory: join(dir, 'rules') } }, evaluation_interval: '1s', poll_interval: '1m', for_grace_period: '1s' } },
    }).logs.ruler;
  const start = async () => {
    loki = await startLogsForTest(join(dir, 'data'), { query: { workers } }, {
      ruler: (host) => startLokiRuler(host.app, { config: rulerCfg(), engine: host.queries, tenancy: host.tenancy, registry: new Registry(), logger: silentLogger(), selfURL: 'http://loki:3100' }),
    });
  };
  const alert = async (): Promise<ApiAlert | undefined> => {
    const body = (await (await fetch(`${loki!.base}/prometheus/api/v1/alerts`)).json()) as { data: { alerts: ApiAlert[] } };
    return body.data.alerts.find((a) => a.labels.alertname === 'RestoreMe');
  };

  beforeAll(async () => {
    dir = tempDir('loki-ruler-restore-');
    mkdirSync(join(dir, 'rules', 'fake'), { recursive: true });
    writeFileSync(
      join(dir, 'rules', 'fake', 'restore.yml'),
      `groups:\n- name: restore\n  rules:\n  - alert: RestoreMe\n    expr: sum(count_over_time({job="restore"}[1m])) > 0\n    for: ${FOR_MS / 1000}s\n    labels: {severity: page}\n`,
    );
    await start();
  }, 30_000);

  afterAll(async () => {
    await loki?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a pending alert resumes with its activeAt after the restart and fires `for` after it first became active', async () => {
    const push = await fetch(`${loki!.base}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { job: 'restore' }, values: [[String(BigInt(Date.now()) * 1_000_000n), 'level=error boom']] }] }),
    });
    expect(push.status).toBe(204);
    const before = await waitFor(async () => {
      const a = await alert();
      return a?.state === 'pending' ? a : undefined;
    }, 10_000, 'RestoreMe pending');
    const activeAt = Date.parse(before.activeAt);
    await new Promise((r) => setTimeout(r, 4000));

    await loki!.stop();
    await start();
    const restartedAt = Date.now();
    // Evaluated anew it is pending since the restart; once restored (after the second evaluation) since before it.
    const restored = await waitFor(async () => {
      const a = await alert();
      return a && Date.parse(a.activeAt) < restartedAt - 2000 ? a : undefined;
    }, 8000, 'activeAt restored');
    expect(restored.state).toBe('pending');
    expect(Math.abs(Date.parse(restored.activeAt) - activeAt)).toBeLessThanOrEqual(1500);

    const firing = await waitFor(async () => ((await alert())?.state === 'firing' ? Date.now() : undefined), FOR_MS, 'RestoreMe firing');
    // Fired `for` after the first activeAt (plus at most two evaluation slots), well before `for` after the restart.
    expect(firing).toBeLessThanOrEqual(activeAt + FOR_MS + 2500);
    expect(firing).toBeLessThan(restartedAt + FOR_MS - 2000);
    const pooled = pooledQueries(await loki!.metrics());
    if (workers > 0) expect(pooled).toBeGreaterThan(0);
    else expect(pooled).toBeNaN();
  }, 45_000);
});
