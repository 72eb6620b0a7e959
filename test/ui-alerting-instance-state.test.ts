/**
 * Issue 13: Grafana-managed alert instances are kept in the UI database (Grafana's `alert_instance`): after a
 * restart of the scheduler a firing alert keeps its activeAt, is not sent again before the resend delay (no
 * duplicate notification), and keeps its state even when the datasource is down at the restart. The datasource is
 * a real Prometheus 2.42, the alerts go to Sightline's Alertmanager, which notifies a loopback webhook.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/server/index.js';
import { openUiDatabase, type UiDatabase } from '../src/ui/index.js';
import { AlertInstanceStore } from '../src/ui/alerting/instance-store.js';
import { alertRuleSchema } from '../src/ui/alerting/rule-model.js';
import { AlertRuleStore } from '../src/ui/alerting/rule-store.js';
import { GrafanaRuleScheduler } from '../src/ui/alerting/scheduler.js';
import { SecretBox } from '../src/ui/auth/secret-box.js';
import { DatasourceStore } from '../src/ui/datasources/datasource-store.js';
import { startOurAlertmanager, startWebhookSink } from './helpers/alertmanager-peer.js';
import { prometheusAvailable, startPrometheus, type PrometheusPeer } from './helpers/prometheus-peer.js';
import { tempDir, waitFor } from './helpers/process.js';

describe.runIf(prometheusAvailable())('Grafana-managed alert instances across a restart', () => {
  const dir = tempDir('ui-alert-instances-');
  let db: UiDatabase;
  let prom: PrometheusPeer;
  let sink: Awaited<ReturnType<typeof startWebhookSink>>;
  let am: Awaited<ReturnType<typeof startOurAlertmanager>>;
  let scheduler: GrafanaRuleScheduler | undefined;

  beforeAll(async () => {
    sink = await startWebhookSink();
    am = await startOurAlertmanager(join(dir, 'am'), {
      config: { route: { receiver: 'hook', group_wait: '100ms', group_interval: '1s', repeat_interval: '1h' }, receivers: [{ name: 'hook', webhook_configs: [{ url: `${sink.url}/hook` }] }] },
    });
    prom = await startPrometheus(dir, 'global: { scrape_interval: 1m }\n');
    db = await openUiDatabase({ type: 'sqlite', path: join(dir, 'ui.db') });
    await new DatasourceStore(db.db, new SecretBox('instance-state-secret-key-0123')).create({ uid: 'prom', name: 'Prometheus', type: 'prometheus', url: prom.url });
    await new AlertRuleStore(db.db).save(
      alertRuleSchema.parse({ uid: 'always', folderUID: 'ops', ruleGroup: 'g', title: 'AlwaysOn', condition: 'A', for: '2s', intervalSeconds: 1, data: [{ refId: 'A', datasourceUid: 'prom', model: { expr: 'vector(1) > 0' } }] }),
      '',
    );
  }, 60_000);
  afterAll(async () => {
    await scheduler?.stop();
    await db?.close();
    await prom?.stop();
    await am?.stop();
    await sink?.close();
  });

  const start = async () => {
    const datasources = new DatasourceStore(db.db, new SecretBox('instance-state-secret-key-0123'));
    scheduler = new GrafanaRuleScheduler({
      rules: new AlertRuleStore(db.db),
      instances: new AlertInstanceStore(db.db),
      datasources,
      alertmanagerUrl: async () => am.url,
      rootUrl: () => 'http://ui.example',
      logger: silentLogger(),
      queryTimeoutMs: 2000,
      resendDelayMs: 60_000,
    });
    await scheduler.sync();
    return scheduler;
  };
  const status = async () => (await scheduler!.status()).find((r) => r.uid === 'always')!;
  const received = async () => {
    const text = await (await fetch(`${am.url}/metrics`)).text();
    return Number(/^alertmanager_alerts_received_total\{status="firing",version="v2"\} (\S+)$/m.exec(text)?.[1] ?? NaN);
  };
  const hooks = () => sink.received.filter((n) => n.path === '/hook');

  it('keeps activeAt, sends nothing again, and keeps the state while the datasource is down', async () => {
    await start();
    await waitFor(async () => (await status()).state === 'firing' && hooks().length === 1, 20_000, 'firing and notified');
    const before = await status();
    const activeAt = before.alerts[0]!.activeAt;
    const posted = await received();
    expect(posted).toBe(1);
    const rows = await db.db.selectFrom('alert_instance').selectAll().execute();
    expect(rows.map((r) => [r.rule_uid, r.state, new Date(r.active_at).toISOString()])).toEqual([['always', 'firing', activeAt]]);

    // Restart: the instance comes back from the database before the first evaluation.
    await scheduler!.stop();
    await start();
    const afterRestart = await waitFor(async () => {
      const s = await status();
      return s.lastEvaluation > before.lastEvaluation ? s : undefined;
    }, 10_000, 'evaluated after the restart');
    expect(afterRestart.state).toBe('firing');
    expect(afterRestart.alerts.map((a) => a.activeAt)).toEqual([activeAt]);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await received()).toBe(posted);
    expect(hooks()).toHaveLength(1);

    // The datasource is down when the scheduler starts again: the state is kept, the rule shows the error.
    await scheduler!.stop();
    await prom.stop();
    await start();
    const whileDown = await waitFor(async () => {
      const s = await status();
      return s.health === 'err' ? s : undefined;
    }, 10_000, 'evaluation failing on the stopped datasource');
    expect(whileDown.state).toBe('firing');
    expect(whileDown.alerts.map((a) => [a.state, a.activeAt])).toEqual([['Alerting', activeAt]]);
    expect(hooks()).toHaveLength(1);
  }, 90_000);
});
