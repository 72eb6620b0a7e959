import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookSink } from './helpers/alertmanager-peer.js';
import { spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kill -9 of the Alertmanager role', () => {
  const dir = tempDir('am-kill-');
  let sink: Awaited<ReturnType<typeof startWebhookSink>>;
  let proc: SpawnedSightline | undefined;

  beforeAll(async () => {
    sink = await startWebhookSink();
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      `route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 300ms\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: hook\n    webhook_configs:\n      - url: '${sink.url}/hook'\n`,
    );
    writeFileSync(join(dir, 'sightline.yaml'), 'alertmanager:\n  listen_address: 127.0.0.1:0\n');
  });
  afterAll(async () => {
    proc?.child.kill('SIGKILL');
    await sink?.close();
  });

  const start = async () => {
    proc = spawnSightline(['--target', 'alertmanager', '--config.file', join(dir, 'sightline.yaml'), '--alertmanager.config', join(dir, 'alertmanager.yml'), '--data-dir', join(dir, 'data')]);
    const ports = await startedPorts(proc, 40_000);
    return `http://127.0.0.1:${ports.alertmanager}/api/v2`;
  };
  const post = async (api: string, alerts: unknown[]) => {
    const r = await fetch(`${api}/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    expect(r.status).toBe(200);
  };

  it('neither re-sends a notified group within repeat_interval nor forgets an acknowledged silence', async () => {
    const api = await start();
    const firing = [{ labels: { alertname: 'Down', instance: 'a' } }, { labels: { alertname: 'Down', instance: 'b' } }];
    await post(api, firing);
    await waitFor(() => sink.received.length === 1, 15_000, 'first notification');
    // A silence acknowledged just before the crash.
    const sr = await fetch(`${api}/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ matchers: [{ name: 'alertname', value: 'Quiet', isRegex: false }], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString(), createdBy: 't', comment: 'c' }),
    });
    expect(sr.status).toBe(200);
    const { silenceID } = (await sr.json()) as { silenceID: string };
    await sleep(300); // let the notification log entry be written after the send
    proc!.child.kill('SIGKILL');
    await proc!.exited;

    const api2 = await start();
    const sils = (await (await fetch(`${api2}/silences`)).json()) as { id: string; status: { state: string } }[];
    expect(sils.find((s) => s.id === silenceID)?.status.state).toBe('active');
    // Prometheus re-sends the same firing alerts after the restart: nothing new to say within repeat_interval.
    await post(api2, firing);
    await post(api2, [{ labels: { alertname: 'Quiet' } }]);
    await sleep(2500);
    expect(sink.received.length).toBe(1);
    // A change in the group is still notified (the pipeline runs).
    await post(api2, [{ labels: { alertname: 'Down', instance: 'c' } }]);
    await waitFor(() => sink.received.length === 2, 10_000, 'notification after restart');
    const alerts = (sink.received[1].body.alerts as { labels: { instance: string } }[]).map((a) => a.labels.instance);
    expect(alerts).toEqual(['a', 'b', 'c']);
  }, 90_000);
});
