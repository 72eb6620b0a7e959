/**
 * `kill -9` of the Prometheus role while one alert is pending and another firing (acceptance of issue 12): after
 * the restart the pending alert keeps its `for` progress, restored from ALERTS_FOR_STATE in the TSDB as Prometheus
 * restores it (`activeAt` moved on by the outage), and the firing alert, sent again after the restart, does not
 * reach the receiver as a new notification: a separate `sightline --target alertmanager` routes both processes'
 * alerts to a webhook on loopback, which gets it once. `rules.alert.for_grace_period` is 1s here.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

interface ApiAlert {
  labels: Record<string, string>;
  state: string;
  activeAt: string;
}

describe('kill -9 with a pending and a firing alert', () => {
  let dir: string;
  let am: SpawnedSightline;
  let prom: SpawnedSightline | undefined;
  let hook: Server;
  let base = '';
  const notifications: Array<{ status: string; names: string[] }> = [];

  const startProm = async () => {
    prom = spawnSightline(['--target', 'metrics', '--config.file', join(dir, 'sightline.yaml'), '--prometheus.config', join(dir, 'prometheus.yml'), '--data-dir', join(dir, 'data')]);
    const ports = await startedPorts(prom, 30_000);
    base = `http://127.0.0.1:${ports.prometheus}`;
    return Date.now();
  };
  const alert = async (name: string): Promise<ApiAlert | undefined> => {
    const body = (await (await fetch(`${base}/api/v1/alerts`)).json()) as { data: { alerts: ApiAlert[] } };
    return body.data.alerts.find((a) => a.labels.alertname === name);
  };

  beforeAll(async () => {
    dir = tempDir('rules-kill-restore-');
    hook = createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        const p = JSON.parse(b) as { status: string; alerts: Array<{ labels: Record<string, string> }> };
        notifications.push({ status: p.status, names: p.alerts.map((a) => a.labels.alertname) });
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      `route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: hook\n    webhook_configs: [{ url: 'http://127.0.0.1:${(hook.address() as AddressInfo).port}/' }]\n`,
    );
    writeFileSync(join(dir, 'am.yaml'), `alertmanager: { listen_address: 127.0.0.1:0, config_file: ${JSON.stringify(join(dir, 'alertmanager.yml'))} }\n`);
    am = spawnSightline(['--target', 'alertmanager', '--config.file', join(dir, 'am.yaml'), '--data-dir', join(dir, 'am-data')]);
    const amPort = (await startedPorts(am, 30_000)).alertmanager;
    writeFileSync(
      join(dir, 'rules.yml'),
      'groups:\n- name: burn\n  interval: 1s\n  rules:\n  - alert: SlowBurn\n    expr: vector(1) > 0\n    for: 10s\n  - alert: FastBurn\n    expr: vector(1) > 0\n    for: 2s\n',
    );
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `rule_files: [rules.yml]\nalerting:\n  alertmanagers: [{ static_configs: [{ targets: ['127.0.0.1:${amPort}'] }] }]\n`,
    );
    writeFileSync(join(dir, 'sightline.yaml'), 'metrics: { listen_address: 127.0.0.1:0, scrape_self: false }\nrules: { alert: { for_grace_period: 1s } }\n');
    await startProm();
  }, 60_000);

  afterAll(async () => {
    for (const p of [prom, am]) {
      if (p && p.child.exitCode === null) {
        p.child.kill('SIGTERM');
        await p.exited;
      }
    }
    hook?.close();
  });

  const fastBurnFirings = () => notifications.filter((n) => n.status === 'firing' && n.names.includes('FastBurn')).length;

  it('the pending alert keeps its for progress; the firing one is not notified anew', async () => {
    await waitFor(() => fastBurnFirings() > 0, 15_000, 'FastBurn at the webhook');
    const slow = await waitFor(async () => {
      const a = await alert('SlowBurn');
      return a?.state === 'pending' ? a : undefined;
    }, 5000, 'SlowBurn pending');
    // Let it make about 5 s of progress, then kill -9.
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(slow.activeAt) + 5000 - Date.now())));
    const progress = Date.now() - Date.parse(slow.activeAt);
    prom!.child.kill('SIGKILL');
    await prom!.exited;

    const started = await startProm();
    // Restored after the second evaluation: active since `progress` before the restore, not since the restart.
    const restored = await waitFor(async () => {
      const a = await alert('SlowBurn');
      return a && Date.parse(a.activeAt) < started - 2000 ? a : undefined;
    }, 8000, 'SlowBurn activeAt restored');
    expect(restored.state).toBe('pending');
    const kept = Date.now() - Date.parse(restored.activeAt);
    expect(kept).toBeGreaterThanOrEqual(progress - 1500);

    await waitFor(async () => (await alert('FastBurn'))?.state === 'firing', 8000, 'FastBurn firing again');
    // A few Alertmanager group intervals after it was sent again: still the one notification.
    await new Promise((r) => setTimeout(r, 3000));
    expect(fastBurnFirings()).toBe(1);
  }, 45_000);
});
