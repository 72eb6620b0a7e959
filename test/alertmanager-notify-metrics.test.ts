import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configHashValue } from '../src/alertmanager/index.js';
import { alertmanagerAvailable, startOurAlertmanager, startRealAlertmanager } from './helpers/alertmanager-peer.js';
import { tempDir, waitFor } from './helpers/process.js';

/** A webhook that answers `/flaky` with 503 twice then 200, and `/bad` with 400; it records when each request came. */
async function startFlakyWebhook(): Promise<{ url: string; arrivals: Map<string, number[]>; close(): Promise<void> }> {
  const arrivals = new Map<string, number[]>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '/';
      const list = arrivals.get(path) ?? [];
      list.push(performance.now());
      arrivals.set(path, list);
      res.statusCode = path === '/bad' ? 400 : path === '/flaky' && list.length <= 2 ? 503 : 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, arrivals, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("Alertmanager 0.25's notification metrics and retry rule", () => {
  const dir = tempDir('am-notify-metrics-');
  let hook: Awaited<ReturnType<typeof startFlakyWebhook>>;
  let am: Awaited<ReturnType<typeof startOurAlertmanager>>;

  beforeAll(async () => {
    hook = await startFlakyWebhook();
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      `route:
  receiver: flaky
  group_by: [alertname]
  group_wait: 50ms
  group_interval: 1h
  routes:
    - matchers: [alertname="Bad"]
      receiver: bad
receivers:
  - name: flaky
    webhook_configs: [{ url: '${hook.url}/flaky' }]
  - name: bad
    slack_configs: [{ api_url: '${hook.url}/bad' }]
`,
    );
    am = await startOurAlertmanager(join(dir, 'data'), { config_file: join(dir, 'alertmanager.yml') });
  });
  afterAll(async () => {
    await am?.stop();
    await hook?.close();
  });

  const metrics = async () => (await (await fetch(`${am.url}/metrics`)).text()).split('\n');
  const value = async (series: string) => {
    const line = (await metrics()).find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  const post = (alertname: string) =>
    fetch(`${am.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ labels: { alertname } }]) });

  it('has the series of every 0.25 integration at 0 before anything is sent', async () => {
    for (const integration of ['email', 'pagerduty', 'wechat', 'pushover', 'slack', 'opsgenie', 'webhook', 'victorops', 'sns', 'telegram']) {
      for (const name of ['alertmanager_notifications_total', 'alertmanager_notifications_failed_total', 'alertmanager_notification_requests_total', 'alertmanager_notification_requests_failed_total'])
        expect(await value(`${name}{integration="${integration}"}`), `${name} ${integration}`).toBe(0);
      expect(await value(`alertmanager_notification_latency_seconds_count{integration="${integration}"}`)).toBe(0);
    }
    expect(await value('alertmanager_notification_latency_seconds_bucket{le="20",integration="webhook"}')).toBe(0);
    for (const v of ['v1', 'v2']) {
      expect(await value(`alertmanager_alerts_invalid_total{version="${v}"}`)).toBe(0);
      for (const st of ['firing', 'resolved']) expect(await value(`alertmanager_alerts_received_total{status="${st}",version="${v}"}`)).toBe(0);
    }
    for (const st of ['active', 'suppressed', 'unprocessed']) expect(await value(`alertmanager_marked_alerts{state="${st}"}`)).toBe(0);
    expect(await value('alertmanager_cluster_enabled')).toBe(0);
    expect(await value('alertmanager_receivers')).toBe(2);
    expect(await value('alertmanager_integrations')).toBe(2);
    expect(await value('alertmanager_config_last_reload_successful')).toBe(1);
    expect(Math.abs(Date.now() / 1000 - (await value('alertmanager_config_last_reload_success_timestamp_seconds'))!)).toBeLessThan(60);
    expect(await value('alertmanager_config_hash')).toBe(configHashValue(readFileSync(join(dir, 'alertmanager.yml'), 'utf8')));
    expect((await metrics()).some((l) => /^alertmanager_build_info\{.*version="0\.25\.0".*\} 1$/.test(l))).toBe(true);
  });

  it('computes the config hash as Alertmanager 0.25 does (48 bits of MD5)', () => {
    // the value the real Alertmanager 0.25 reports for this text
    expect(configHashValue('route:\n  receiver: r\nreceivers:\n  - name: r\n')).toBe(17996757767074);
  });

  it('retries a 5xx with a growing, jittered backoff and counts and times every request; never retries a 4xx', async () => {
    expect((await post('Flaky')).status).toBe(200);
    expect((await post('Bad')).status).toBe(200);
    await waitFor(() => (hook.arrivals.get('/flaky')?.length ?? 0) >= 3, 10_000, 'three attempts at the flaky webhook');
    await waitFor(async () => (await value('alertmanager_notification_requests_total{integration="webhook"}')) === 3, 5_000, 'three requests counted');
    expect(await value('alertmanager_notification_requests_failed_total{integration="webhook"}')).toBe(2);
    expect(await value('alertmanager_notifications_total{integration="webhook"}')).toBe(1);
    expect(await value('alertmanager_notifications_failed_total{integration="webhook"}')).toBe(0);
    expect(await value('alertmanager_notification_latency_seconds_count{integration="webhook"}')).toBe(3);

    // first retry after 50 ms × [0.5, 1.5), the next after 75 ms × [0.5, 1.5) (the test's initial backoff is 50 ms)
    const [t0, t1, t2] = hook.arrivals.get('/flaky')!;
    expect(t1! - t0!).toBeGreaterThanOrEqual(24);
    expect(t2! - t1!).toBeGreaterThanOrEqual(36);

    await waitFor(async () => (await value('alertmanager_notifications_failed_total{integration="slack"}')) === 1, 5_000, 'the 4xx notification failed');
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.arrivals.get('/bad')).toHaveLength(1);
    expect(await value('alertmanager_notification_requests_total{integration="slack"}')).toBe(1);
    expect(await value('alertmanager_notification_requests_failed_total{integration="slack"}')).toBe(1);
    expect(await value('alertmanager_alerts_received_total{status="firing",version="v2"}')).toBe(2);
    expect(await value('alertmanager_marked_alerts{state="active"}')).toBe(2);
  });

  it('times queries, GC and snapshots of the silences and the notification log', async () => {
    const created = await fetch(`${am.url}/api/v2/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ matchers: [{ name: 'alertname', value: 'Nope', isRegex: false }], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString(), createdBy: 't', comment: 'c' }),
    });
    expect(created.status).toBe(200);
    expect(await value('alertmanager_silences_snapshot_duration_seconds_count')).toBe(0);
    am.alertmanager.maintenance();
    for (const what of ['silences', 'nflog']) {
      expect(await value(`alertmanager_${what}_snapshot_size_bytes`), what).toBeGreaterThan(50);
      expect(await value(`alertmanager_${what}_snapshot_duration_seconds_count`)).toBe(1);
      expect(await value(`alertmanager_${what}_gc_duration_seconds_count`)).toBe(1);
      expect(await value(`alertmanager_${what}_queries_total`)).toBeGreaterThanOrEqual(1);
      // read together from the metric objects (a scrape itself queries the silences for the alert gauges)
      const m = what === 'silences' ? am.alertmanager.silences.metrics! : am.alertmanager.nflog.metrics!;
      const [queries, duration] = await Promise.all([m.queries.get(), m.queryDuration.get()]);
      expect(duration.values.find((v) => v.metricName?.endsWith('_count'))?.value).toBe(queries.values[0]!.value);
      expect(await value(`alertmanager_${what}_query_errors_total`)).toBe(0);
    }
    expect(await value('alertmanager_dispatcher_alert_processing_duration_seconds_count')).toBe(2);
  });

  it.runIf(alertmanagerAvailable())('has every alertmanager_* metric the real Alertmanager 0.25 has, its HTTP ones included', async () => {
    const names = (text: string) => new Set(text.split('\n').flatMap((l) => /^# TYPE (alertmanager_\w+)/.exec(l)?.[1] ?? []));
    const real = await startRealAlertmanager(join(dir, 'alertmanager.yml'), dir);
    let theirs: Set<string>;
    try {
      theirs = names(await (await fetch(`${real.url}/metrics`)).text());
    } finally {
      await real.stop();
    }
    const ours = names((await metrics()).join('\n'));
    const missing = [...theirs].filter((n) => !ours.has(n));
    expect(missing).toEqual([]);
    expect(theirs.size).toBeGreaterThan(25);
  });

  it('reports a failed reload and, once fixed, the new configuration', async () => {
    const file = join(dir, 'alertmanager.yml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, 'route: {}\n');
    expect((await fetch(`${am.url}/-/reload`, { method: 'POST' })).status).toBe(500);
    expect(await value('alertmanager_config_last_reload_successful')).toBe(0);
    writeFileSync(file, `${good}  - name: spare\n`);
    expect((await fetch(`${am.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    expect(await value('alertmanager_config_last_reload_successful')).toBe(1);
    expect(await value('alertmanager_receivers')).toBe(3);
    expect(await value('alertmanager_config_hash')).toBe(configHashValue(readFileSync(file, 'utf8')));
  });
});
