import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertmanagerAvailable,
  startOurAlertmanager,
  startRealAlertmanager,
  startWebhookSink,
  type ReceivedNotification,
  type RealAlertmanager,
} from './helpers/alertmanager-peer.js';
import { tempDir } from './helpers/process.js';

const HAVE = alertmanagerAvailable();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const config = (hook: string) => `
route:
  receiver: team
  group_by: [alertname, cluster]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
  routes:
    - matchers: ['severity="page"']
      receiver: pager
      continue: true
    - matchers: ['team="db"']
      receiver: team
      group_by: ['...']
      routes:
        - matchers: ['env="staging"']
          receiver: pager
          mute_time_intervals: [always]
inhibit_rules:
  - source_matchers: ['severity="page"']
    target_matchers: ['severity="warn"']
    equal: [cluster]
time_intervals:
  - name: always
    time_intervals:
      - times: [{ start_time: '00:00', end_time: '24:00' }]
receivers:
  - name: team
    webhook_configs:
      - url: '${hook}/team'
  - name: pager
    webhook_configs:
      - url: '${hook}/pager'
        send_resolved: false
`;

function normalize(n: ReceivedNotification) {
  const b = n.body as { alerts: Record<string, unknown>[] } & Record<string, unknown>;
  return {
    path: n.path,
    ...b,
    alerts: b.alerts.map((a) => ({ ...a, startsAt: '<t>', endsAt: a.status === 'firing' ? '<t>' : '<resolved-t>' })),
  };
}

/** Notifications grouped by receiver path and group key, each list in arrival order. */
function byGroup(list: ReceivedNotification[]) {
  const m = new Map<string, unknown[]>();
  for (const n of list) {
    const k = `${n.path} ${String(n.body.groupKey)}`;
    m.set(k, [...(m.get(k) ?? []), normalize(n)]);
  }
  return Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

describe.skipIf(!HAVE)('dispatching: the same notifications as the real Alertmanager 0.25', () => {
  const dir = tempDir('am-dispatch-');
  let real: RealAlertmanager;
  let ours: Awaited<ReturnType<typeof startOurAlertmanager>>;
  let realSink: Awaited<ReturnType<typeof startWebhookSink>>;
  let ourSink: Awaited<ReturnType<typeof startWebhookSink>>;

  beforeAll(async () => {
    [realSink, ourSink] = await Promise.all([startWebhookSink(), startWebhookSink()]);
    writeFileSync(join(dir, 'real.yml'), config(realSink.url));
    writeFileSync(join(dir, 'ours.yml'), config(ourSink.url));
    [real, ours] = await Promise.all([startRealAlertmanager(join(dir, 'real.yml'), dir), startOurAlertmanager(join(dir, 'ours'), { config_file: join(dir, 'ours.yml') })]);
  });
  afterAll(async () => {
    await Promise.all([real?.stop(), ours?.stop(), realSink?.close(), ourSink?.close()]);
  });

  const post = (alerts: unknown[]) =>
    Promise.all(
      [real.url, ours.url].map(async (u) => {
        const r = await fetch(`${u}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
        expect(r.status).toBe(200);
      }),
    );

  it('routes, groups, inhibits, mutes and resolves alike', async () => {
    const t0 = new Date(Date.now() - 1000).toISOString();
    await post([
      { labels: { alertname: 'Down', cluster: 'eu', severity: 'page', instance: 'a' }, annotations: { summary: 'down a' }, startsAt: t0, generatorURL: 'http://prom/g' },
      { labels: { alertname: 'Down', cluster: 'eu', severity: 'page', instance: 'b' }, startsAt: t0 },
      { labels: { alertname: 'Slow', cluster: 'eu', severity: 'warn' }, startsAt: t0 },
      { labels: { alertname: 'Slow', cluster: 'us', severity: 'warn' }, startsAt: t0 },
      { labels: { alertname: 'Disk', team: 'db', env: 'prod' }, startsAt: t0 },
      { labels: { alertname: 'Disk', team: 'db', env: 'staging' }, startsAt: t0 },
    ]);
    await sleep(2000);
    // Between the first and second flush: one more alert in a group, one resolved.
    await post([
      { labels: { alertname: 'Down', cluster: 'eu', severity: 'page', instance: 'c' }, startsAt: t0 },
      { labels: { alertname: 'Slow', cluster: 'us', severity: 'warn' }, startsAt: t0, endsAt: new Date().toISOString() },
    ]);
    // Both flush the second round at group_wait + group_interval (~3 s); under a loaded CI machine either may run
    // late, so wait until each sink holds the five notifications both are expected to send (or 20 s), then a
    // further group_interval to catch anything sent twice.
    const expected = 5;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
      if (realSink.received.length >= expected && ourSink.received.length >= expected) break;
      await sleep(200);
    }
    await sleep(2500);
    const want = byGroup(realSink.received);
    const got = byGroup(ourSink.received);
    expect(Object.keys(want).length).toBeGreaterThanOrEqual(3);
    expect(got).toEqual(want);
    // What both did: Down/eu paged with 2, then 3 alerts; Slow/us firing then resolved; Slow/eu inhibited;
    // the staging Disk muted; each exactly once per change.
    const counts = Object.fromEntries(Object.entries(got).map(([k, v]) => [k.split(' ')[0] + ' ' + k.slice(k.indexOf(':{')), v.length]));
    expect(counts).toEqual({
      '/pager :{alertname="Down", cluster="eu"}': 2,
      '/team :{alertname="Slow", cluster="us"}': 2,
      '/team :{alertname="Disk", env="prod", team="db"}': 1,
    });
  }, 45_000);
});
