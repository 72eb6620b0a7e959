import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurAlertmanager, startWebhookSink } from './helpers/alertmanager-peer.js';
import { tempDir, waitFor } from './helpers/process.js';

const run = promisify(execFile);
const AMTOOL = spawnSync('amtool', ['--version']).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('notifications of the built-in Alertmanager', () => {
  const dir = tempDir('am-notify-');
  let sink: Awaited<ReturnType<typeof startWebhookSink>>;
  let am: Awaited<ReturnType<typeof startOurAlertmanager>>;

  beforeAll(async () => {
    sink = await startWebhookSink();
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      `route:
  receiver: both
  group_by: [alertname]
  group_wait: 200ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: both
    webhook_configs:
      - url: '${sink.url}/down'
      - url: '${sink.url}/up'
`,
    );
    sink.failFor.add('/down');
    am = await startOurAlertmanager(join(dir, 'data'), { config_file: join(dir, 'alertmanager.yml') });
  });
  afterAll(async () => {
    await am?.stop();
    await sink?.close();
  });

  const post = async (alerts: unknown[]) => {
    const r = await fetch(`${am.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    expect(r.status).toBe(200);
  };
  const metric = async (name: string, integration: string) => {
    const text = await (await fetch(`${am.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{integration="${integration}"}`));
    return line ? Number(line.split(' ')[1]) : 0;
  };

  it('retries a receiver that is down and counts it, without holding back the other', async () => {
    await post([{ labels: { alertname: 'Retry', instance: 'x' } }]);
    await waitFor(() => sink.received.some((n) => n.path === '/up' && (n.body.groupLabels as { alertname: string }).alertname === 'Retry'), 5000, 'the up receiver');
    await waitFor(async () => (await metric('alertmanager_notification_requests_failed_total', 'webhook')) >= 2, 5000, 'retries of the down receiver');
    expect(await metric('alertmanager_notifications_total', 'webhook')).toBeGreaterThanOrEqual(2);
    // The down receiver comes back: the retry delivers the same notification there.
    sink.failFor.delete('/down');
    await waitFor(() => sink.received.some((n) => n.path === '/down'), 15_000, 'delivery after recovery');
    expect(sink.received.filter((n) => n.path === '/up').length).toBe(1);
  }, 30_000);

  it.skipIf(!AMTOOL)('amtool: a silence keeps a firing alert quiet; expiring it lets the notification through', async () => {
    const amt = (...args: string[]) => run('amtool', [`--alertmanager.url=${am.url}`, ...args]);
    const id = (await amt('silence', 'add', 'alertname=Quiet', '-c', 'test', '-d', '1h')).stdout.trim();
    await post([{ labels: { alertname: 'Quiet' } }]);
    await sleep(1500);
    const forQuiet = () => sink.received.filter((n) => n.path === '/up' && (n.body.groupLabels as { alertname: string }).alertname === 'Quiet');
    expect(forQuiet()).toHaveLength(0);
    await amt('silence', 'expire', id);
    await waitFor(() => forQuiet().length === 1, 5000, 'notification after expiry');
    const body = forQuiet()[0].body;
    expect(body).toMatchObject({ version: '4', status: 'firing', receiver: 'both', groupLabels: { alertname: 'Quiet' }, externalURL: 'http://am.example:9093', truncatedAlerts: 0 });
    expect(body.groupKey).toBe('{}:{alertname="Quiet"}');
  }, 30_000);
});
