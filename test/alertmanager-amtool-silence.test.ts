import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerAvailable, startOurAlertmanager, startRealAlertmanager, startWebhookSink } from './helpers/alertmanager-peer.js';
import { tempDir, waitFor } from './helpers/process.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Issue 13's acceptance: amtool adds a silence, the firing alert is not notified; amtool expires it, the notification arrives. */
describe.skipIf(!alertmanagerAvailable())('amtool silence flow, Sightline and the real Alertmanager 0.25', () => {
  const dir = tempDir('am-amtool-');
  let sink: Awaited<ReturnType<typeof startWebhookSink>>;
  const peers: { name: string; url: string; stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    sink = await startWebhookSink();
    for (const name of ['sightline', 'alertmanager-0.25']) {
      const file = join(dir, `${name}.yml`);
      writeFileSync(
        file,
        `route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 200ms\n  group_interval: 500ms\n  repeat_interval: 1h\nreceivers:\n  - name: hook\n    webhook_configs:\n      - url: '${sink.url}/${name}'\n`,
      );
      const p = name === 'sightline' ? await startOurAlertmanager(join(dir, 'ours'), { config_file: file }) : await startRealAlertmanager(file, dir);
      peers.push({ name, url: p.url, stop: () => p.stop() });
    }
  }, 30_000);
  afterAll(async () => {
    for (const p of peers) await p.stop();
    await sink?.close();
  });

  it('silenced: no notification; expired with amtool: the notification arrives', async () => {
    const outcome: Record<string, unknown> = {};
    for (const p of peers) {
      const amt = (...args: string[]) => run('amtool', [`--alertmanager.url=${p.url}`, ...args]);
      const id = (await amt('silence', 'add', 'alertname=DiskFull', '-c', 'maintenance', '-d', '1h')).stdout.trim();
      const r = await fetch(`${p.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ labels: { alertname: 'DiskFull', instance: 'db1' } }]) });
      expect(r.status).toBe(200);
      // group_wait and two group intervals pass: the alert is there, silenced, and nothing is sent.
      await sleep(1500);
      const silencedQuery = (await amt('alert', 'query', '--silenced', 'alertname=DiskFull')).stdout;
      const sentWhileSilenced = sink.received.filter((n) => n.path === `/${p.name}`).length;
      await amt('silence', 'expire', id);
      const n = await waitFor(() => sink.received.find((x) => x.path === `/${p.name}`), 10_000, `${p.name}: notification after expiry`);
      const alerts = n.body.alerts as { status: string; labels: Record<string, string> }[];
      outcome[p.name] = { silencedQuery: silencedQuery.includes('DiskFull'), sentWhileSilenced, status: n.body.status, alerts: alerts.map((a) => [a.status, a.labels.alertname, a.labels.instance]) };
    }
    expect(outcome.sightline).toEqual({ silencedQuery: true, sentWhileSilenced: 0, status: 'firing', alerts: [['firing', 'DiskFull', 'db1']] });
    expect(outcome['alertmanager-0.25']).toEqual(outcome.sightline);
  }, 40_000);
});
