/** Issue 13: a Grafana-managed rule's pending `for` progress survives a restart of Sightline (as Grafana restores its state). */
import { afterAll, describe, expect, it } from 'vitest';
import { startAlertingStack, startInstrumentedApp } from './helpers/alerting-stack.js';
import { tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

const PASSWORD = 'grafana-restart-admin-password';

describe('Grafana-managed alert state across a restart', () => {
  const dir = tempDir('ui-alerting-restart-');
  let sightline: SpawnedSightline | undefined;
  let app: Awaited<ReturnType<typeof startInstrumentedApp>> | undefined;
  afterAll(async () => {
    if (sightline && sightline.child.exitCode === null) {
      sightline.child.kill('SIGTERM');
      await sightline.exited;
    }
    await app?.close();
  });

  const start = async () => {
    const s = await startAlertingStack(app!.port, PASSWORD, '', undefined, dir);
    sightline = s.sightline;
    const base = `http://127.0.0.1:${s.ports.ui}`;
    const login = await fetch(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password: PASSWORD }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    return { base, cookie };
  };

  it('keeps the pending progress: activeAt is from before the restart, not restarted from zero', async () => {
    app = await startInstrumentedApp();
    let { base, cookie } = await start();
    const made = await fetch(`${base}/api/v1/provisioning/alert-rules`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({
        uid: 'target-up',
        folderUID: 'checkout',
        ruleGroup: 'up',
        title: 'TargetUp',
        condition: 'C',
        intervalSeconds: 1,
        for: '25s',
        data: [
          { refId: 'A', datasourceUid: 'prometheus', model: { expr: 'up{job="checkout"}' } },
          { refId: 'C', datasourceUid: '__expr__', model: { type: 'threshold', expression: 'A', conditions: [{ evaluator: { type: 'gt', params: [0] } }] } },
        ],
      }),
    });
    expect(made.status).toBe(201);
    type Rule = { uid: string; state: string; alerts: { activeAt: string; state: string }[] };
    const rule = async (): Promise<Rule | undefined> => {
      const r = (await (await fetch(`${base}/api/prometheus/grafana/api/v1/rules`, { headers: { cookie } })).json()) as { data: { groups: { rules: Rule[] }[] } };
      return r.data.groups.flatMap((g) => g.rules).find((x) => x.uid === 'target-up');
    };
    const pending = await waitFor(async () => ((await rule())?.state === 'pending' ? rule() : undefined), 15_000, 'pending before the restart');
    const activeAt = Date.parse(pending!.alerts[0].activeAt);
    await new Promise((r) => setTimeout(r, 4000));
    sightline!.child.kill('SIGTERM');
    await sightline!.exited;
    const restartedAt = Date.now();
    ({ base, cookie } = await start());
    const after = await waitFor(async () => {
      const r = await rule();
      return r && r.alerts.length > 0 && Date.parse(r.alerts[0].activeAt) < restartedAt ? r : undefined;
    }, 20_000, 'pending progress restored');
    // Restored to the same evaluation step (within the group interval), not restarted from zero.
    expect(Math.abs(Date.parse(after.alerts[0].activeAt) - activeAt)).toBeLessThanOrEqual(2000);
  }, 90_000);
});
