/**
 * Eight more public Grafana dashboards of different ages and styles (test/fixtures/dashboards/README.md has their
 * sources and licences), imported unchanged through `/api/dashboards/import` and opened in Debian's Chromium, against
 * data with the names they expect: expositions recorded from the real programs (Debian's prometheus-node-exporter
 * 1.5, prometheus 2.42 and alertmanager 0.25, kept under test/fixtures/dashboards) replayed as 30 minutes of samples
 * with the target labels a Kubernetes scrape gives them, and Sightline's own /metrics (prom-client's Node.js metrics)
 * scraped live from the stack under test.
 *
 * For each dashboard every row is opened, every panel counted, and each must be drawn with data and no error badge;
 * the variables populate. A panel that is empty for the data says so in `EMPTY` below with the metric it needs and
 * why the recording has none, and the test checks that the recording indeed lacks it — nothing is skipped silently.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractSelectors, parseMetricSelector } from '../src/metrics/promql/index.js';
import { Entry, ExpositionParser } from '../src/metrics/textparse/index.js';
import { matchLabels } from '../src/model/index.js';
import { REPO_ROOT, type SpawnedSightline } from './helpers/process.js';
import { artifactsDir, chromiumAvailable, stopSightline } from './ui-browser.js';
import { expositionSeries, startDashboardStack } from './ui-dashboards-stack.js';
import { requirePeer } from './ui-peers.js';

const PASSWORD = 'dash-public-password';
const enabled = requirePeer('Chromium', chromiumAvailable(), 'chromium');
const fixture = (name: string) => readFileSync(join(REPO_ROOT, 'test/fixtures/dashboards', name), 'utf8');

/** The scrape targets the recordings stand for, with the labels the dashboards select on (kube-prometheus' `cluster`). */
const CLUSTER = { cluster: 'k8s-1', namespace: 'monitoring' };
const NODE = { ...CLUSTER, job: 'node-exporter', instance: 'node-1:9100' };
const PROMETHEUS = { ...CLUSTER, job: 'prometheus-k8s', instance: '10.0.0.5:9090' };
const ALERTMANAGER = { ...CLUSTER, job: 'alertmanager-main', instance: '10.0.0.6:9093', service: 'alertmanager-main' };
const SIGHTLINE = { job: 'sightline', instance: 'sightline-0:9090' };

/**
 * Why a panel is empty for this data, in a form the last test checks: `absent` names metrics the panel queries that
 * the recording lacks ('all': every metric it queries); `zero` a recorded series whose counters never moved, so a
 * rate or ratio over it is NaN; `noSeries` a selector of a recorded metric that matches none of its series;
 * `undefinedVariable` a variable the panel's query uses but the dashboard never defines.
 */
type Empty = { because: string } & ({ absent: string[] | 'all' } | { zero: string } | { noSeries: string } | { undefinedVariable: string });

interface Dashboard {
  /** Fixture file. */
  file: string;
  /** Folder to import into (an older version of a dashboard keeps its title, which must be unique per folder). */
  folder?: string;
  /** Recorded exposition the dashboard is drawn from. */
  recording?: string;
  /** Total panels (rows not counted, repeats counted) once every row is open. */
  panels: number;
  /** Variables and the number of options each must list. */
  variables: Record<string, number>;
  /** Panels empty for this data: title → why. */
  empty?: Record<string, Empty>;
  /** What else the dashboard must show, checked with every row open. */
  check?: (page: Page) => Promise<void>;
}

const NO_NOTIFICATIONS = (integration: string): Empty => ({
  zero: `alertmanager_notification_latency_seconds_count{integration="${integration}"}`,
  because: `the recorded Alertmanager notified through a webhook only: ${integration}'s latency buckets never moved, histogram_quantile over their zero rates is NaN`,
});
const NO_SWAP: Empty = { zero: 'node_memory_SwapTotal_bytes', because: 'the recording machine has no swap: SwapTotal is 0 and the used share 0/0' };
const NO_SCHEDSTAT = 'the recording VM\'s kernel has no /proc/schedstat, so the schedstat collector exports nothing';
const NO_HARDWARE = 'the recording VM has no hwmon sensors, fans, thermal cooling devices or power supplies';
const NO_SYSTEMD = 'the recording machine (a container) runs no systemd, so its collector (off by default) was not enabled';
const VMSTAT_ZONES = 'the kernel of the recording machine (6.x) reports page reclaim per node, no longer per zone (pgrefill_dma, pgsteal_kswapd_normal, ...) nor nr_alloc_batch (gone since 4.x)';
const TCP_PREQUEUE = 'Linux 4.14 removed the TCP prequeue, so its TcpExt counters are no longer in /proc/net/netstat';

const DASHBOARDS: Dashboard[] = [
  { file: 'node-mixin-nodes.json', recording: 'node-exporter-exposition.txt', panels: 8, variables: { instance: 1 } },
  {
    file: 'prometheus-mixin-overview.json',
    recording: 'prometheus-exposition.txt',
    panels: 10,
    variables: { cluster: 1, job: 1, instance: 1 },
    check: async (page) => {
      // two instant table queries: the build info (its Count column hidden by an override) and the uptime of every
      // job; the Prometheus' row carries both, joined on cluster, job and instance (the uptime counts from the
      // recorded process_start_time_seconds, so it grows with the clock)
      const table = page.locator('[data-panel-title="Prometheus Stats"] [data-testid=panel-table]');
      expect(await table.locator('th').allTextContents()).toEqual(['Cluster', 'Instance', 'Job', 'Version', 'Uptime']);
      const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      expect(rows.find((r) => r[2] === 'prometheus-k8s')).toEqual(['k8s-1', '10.0.0.5:9090', 'prometheus-k8s', '2.42.0+ds', expect.stringMatching(/^[\d.]+ (min|hour|day|week|year)s?$/)]);
    },
  },
  {
    file: 'prometheus-mixin-remote-write.json',
    recording: 'prometheus-exposition.txt',
    panels: 15,
    variables: { cluster: 1, instance: 1, url: 1 },
    empty: {
      'Highest Enqueued Timestamp vs. Highest Timestamp Sent': { absent: ['prometheus_remote_storage_queue_highest_timestamp_seconds'], because: 'the metric is newer than the recorded Prometheus 2.42, which has prometheus_remote_storage_highest_timestamp_in_seconds' },
      'Rate[5m]': { absent: ['prometheus_remote_storage_queue_highest_timestamp_seconds'], because: 'as above' },
    },
  },
  {
    file: 'alertmanager-mixin-overview.json',
    recording: 'alertmanager-exposition.txt',
    // 2 alert graphs + a send rate and a duration graph repeated for each of the 10 integrations of Alertmanager 0.25
    panels: 22,
    variables: { namespace: 1, service: 1 },
    empty: Object.fromEntries(['email', 'opsgenie', 'pagerduty', 'pushover', 'slack', 'sns', 'telegram', 'victorops', 'wechat'].map((i) => [`${i}: Notification Duration`, NO_NOTIFICATIONS(i)])),
  },
  { file: 'go-runtime-mixin.json', panels: 10, variables: { job: 3, instance: 3 } },
  {
    file: 'nodejs-mixin-overview.json',
    panels: 13,
    variables: { job: 1, instance: 1 },
    empty: { 'Node.js Restarts': { undefinedVariable: 'hostname', because: 'its query filters on hostname=~"$hostname", a variable the dashboard does not define, so the matcher is the literal text' } },
  },
  {
    file: 'node-exporter-full.json',
    recording: 'node-exporter-exposition.txt',
    panels: 125,
    variables: { ds_prometheus: 1, job: 1, nodename: 1, node: 1 },
    empty: {
      'SWAP Used': NO_SWAP,
      'CPU Saturation per Core': { absent: 'all', because: NO_SCHEDSTAT },
      'CPU Schedule Timeslices': { absent: 'all', because: NO_SCHEDSTAT },
      'CPU Frequency Scaling': { absent: 'all', because: 'the recording VM has no cpufreq driver (no /sys/devices/system/cpu/cpu*/cpufreq)' },
      'Hardware Temperature Monitor': { absent: 'all', because: NO_HARDWARE },
      'Hardware Fan Speed': { absent: 'all', because: NO_HARDWARE },
      'Cooling Device Utilization': { absent: 'all', because: NO_HARDWARE },
      'Power Supply': { absent: 'all', because: NO_HARDWARE },
      'Systemd Units State': { absent: 'all', because: NO_SYSTEMD },
      'Systemd Sockets Current': { absent: 'all', because: NO_SYSTEMD },
      'Systemd Sockets Accepted': { absent: 'all', because: NO_SYSTEMD },
      'Systemd Sockets Refused': { absent: 'all', because: NO_SYSTEMD },
      'Softnet RPS': { absent: 'all', because: 'node_softnet_received_rps_total and node_softnet_flow_limit_count_total are newer than the recorded node_exporter 1.5' },
      'TCP Stat Transient': {
        noSeries: 'node_tcp_connection_states{state=~"syn_sent|syn_recv|fin_wait1|close|last_ack|closing"}',
        because: 'no connection was in a transient state when recorded, and the tcpstat collector exports only states that have connections',
      },
    },
  },
  {
    file: 'node-exporter-full-2019.json',
    folder: 'Archive',
    recording: 'node-exporter-exposition.txt',
    panels: 176,
    variables: { job: 1, node: 1, port: 1 },
    empty: {
      'Used SWAP': NO_SWAP,
      'Memory Page Refill': { absent: 'all', because: VMSTAT_ZONES },
      'Memory Page Steal Direct': { absent: 'all', because: VMSTAT_ZONES },
      'Memory Page Steal Kswapd': { absent: 'all', because: VMSTAT_ZONES },
      'Memory Scan Direct': { absent: 'all', because: VMSTAT_ZONES },
      'Memory Scan Kswapd': { absent: 'all', because: VMSTAT_ZONES },
      'Memory Page Alloc_batch': { absent: 'all', because: VMSTAT_ZONES },
      'Hardware temperature monitor': { absent: 'all', because: 'the recording machine (a VM) has no hardware sensors, so node_exporter exposes no node_hwmon_* series' },
      'TCP Direct Copy': { absent: 'all', because: TCP_PREQUEUE },
      'TCP Prequeued': { absent: 'all', because: TCP_PREQUEUE },
    },
  },
];

/** Every panel of a dashboard JSON with the given title: in `panels`, in rows' `panels` and in old `rows`. */
function panelsTitled(dashboard: Record<string, unknown>, title: string): { targets?: { expr?: string; hide?: boolean }[] }[] {
  type P = { title?: string; panels?: P[]; targets?: { expr?: string; hide?: boolean }[] };
  const all = [...((dashboard.panels as P[] | undefined) ?? []).flatMap((p) => [p, ...(p.panels ?? [])]), ...((dashboard.rows as { panels: P[] }[] | undefined) ?? []).flatMap((r) => r.panels)];
  return all.filter((p) => p.title === title);
}

/** Metric names a query selects, variables replaced by placeholders first (as Sightline's PromQL parser reads it). */
function metricsOf(expr: string): string[] {
  const plain = expr.replace(/\[\$\{?\w+\}?\]/g, '[5m]').replace(/\$__\w+/g, '300').replace(/\$\{?(\w+)(:\w+)?\}?|\[\[(\w+)\]\]/g, 'x');
  return extractSelectors(plain).flatMap((ms) => ms.filter((m) => m.name === '__name__' && m.type === '=').map((m) => m.value));
}

/** Values of the recorded series a selector matches. */
function recorded(text: string, selector: string): number[] {
  const matchers = parseMetricSelector(selector);
  const parser = new ExpositionParser(text, false);
  const out: number[] = [];
  for (let e = parser.next(); e !== Entry.EOF; e = parser.next()) {
    if (e !== Entry.Series) continue;
    const labels = parser.labels().toObject();
    if (matchLabels(matchers, (n) => labels[n] ?? '')) out.push(parser.value);
  }
  return out;
}

describe.runIf(enabled)('dashboards in Chromium: eight more public dashboards imported unchanged', () => {
  let sightline: SpawnedSightline;
  let base: string;
  let browser: BrowserContext;
  let page: Page;
  const urls: string[] = [];
  const shots = artifactsDir('ui-dashboards-public');
  const grid = () => page.locator('[data-testid=dashboard-grid]');
  const panels = () => page.locator('[data-testid=dashboard-panel]');
  const allDrawn = () => expect.poll(() => grid().getAttribute('data-all-drawn'), { timeout: 30_000 }).toBe('true');

  /** End of the replayed data: the dashboards are opened on the 30 minutes before it (instant queries evaluate there). */
  const now = Date.now() - 5_000;

  beforeAll(async () => {
    const series = [
      ...expositionSeries(fixture('node-exporter-exposition.txt'), now, NODE),
      ...expositionSeries(fixture('prometheus-exposition.txt'), now, PROMETHEUS),
      ...expositionSeries(fixture('alertmanager-exposition.txt'), now, ALERTMANAGER),
    ];
    const here = DASHBOARDS.filter((d) => d.folder === undefined);
    let auth: Record<string, string>;
    let imported: string[];
    ({ sightline, browser, page, base, auth, urls: imported } = await startDashboardStack(PASSWORD, series, here.map((d) => JSON.parse(fixture(d.file)) as unknown), async (ports) => {
      // Sightline's own metrics, scraped from the stack under test and stored as 30 minutes of a target
      const own = await (await fetch(`http://127.0.0.1:${ports.prometheus}/metrics`)).text();
      return expositionSeries(own, now, SIGHTLINE);
    }));
    for (const d of DASHBOARDS) {
      if (d.folder === undefined) {
        urls.push(imported[here.indexOf(d)]!);
        continue;
      }
      const folder = await fetch(`${base}/api/folders`, { method: 'POST', headers: auth, body: JSON.stringify({ title: d.folder }) });
      expect(folder.status).toBe(200);
      const { uid } = (await folder.json()) as { uid: string };
      const res = await fetch(`${base}/api/dashboards/import`, { method: 'POST', headers: auth, body: JSON.stringify({ dashboard: JSON.parse(fixture(d.file)), folderUid: uid, overwrite: true, inputs: [] }) });
      expect(res.status).toBe(200);
      urls.push(((await res.json()) as { importedUrl: string }).importedUrl);
    }
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stopSightline(sightline);
  });

  for (const [i, d] of DASHBOARDS.entries()) {
    it(`${d.file}: every panel, in every row, drawn with data; variables populated`, async () => {
      await page.goto(`${base}${urls[i]}?from=${now - 30 * 60_000}&to=${now}`);
      await allDrawn();
      // what a user sees on opening it (a full-page shot of 100+ open panels takes too long on a loaded machine)
      await page.screenshot({ path: join(shots, d.file.replace(/\.json$/, '.png')) });
      const collapsed = page.locator('[data-testid=dashboard-row][data-collapsed=true]');
      // open every row, then wait once for all the panels they hold
      while ((await collapsed.count()) > 0) await collapsed.first().locator('button').click();
      await allDrawn();
      const states = await panels().evaluateAll((els) =>
        els.map((e) => ({ title: e.getAttribute('data-panel-title') ?? '', error: e.querySelector('[data-testid=panel-error]')?.getAttribute('title') ?? null, data: e.getAttribute('data-has-data') === 'true' })),
      );
      const variables = await page.locator('[data-testid=variable]').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-name'), Number(e.getAttribute('data-options'))])));
      expect(states.filter((s) => s.error !== null).map((s) => `${s.title}: ${s.error}`)).toEqual([]);
      expect(states.filter((s) => !s.data).map((s) => s.title).sort()).toEqual(Object.keys(d.empty ?? {}).sort());
      expect(states.length).toBe(d.panels);
      expect(variables).toMatchObject(d.variables);
      await d.check?.(page);
    }, 120_000);
  }

  it('the panels said to be empty are empty for the reason given', () => {
    for (const d of DASHBOARDS) {
      const json = JSON.parse(fixture(d.file)) as Record<string, unknown>;
      for (const [title, why] of Object.entries(d.empty ?? {})) {
        const where = `${d.file} "${title}"`;
        if ('zero' in why) {
          const values = recorded(fixture(d.recording!), why.zero);
          expect(values.length, `${where}: ${why.zero} recorded`).toBeGreaterThan(0);
          expect(values.every((v) => v === 0), `${where}: ${why.zero} all zero`).toBe(true);
          continue;
        }
        // the queries the panel runs (a hidden query is not run)
        if ('noSeries' in why) {
          expect(recorded(fixture(d.recording!), why.noSeries.replace(/\{.*$/, '')).length, `${where}: ${why.noSeries} metric recorded`).toBeGreaterThan(0);
          expect(recorded(fixture(d.recording!), why.noSeries), `${where}: ${why.noSeries}`).toEqual([]);
          continue;
        }
        const exprs = panelsTitled(json, title).flatMap((p) => (p.targets ?? []).filter((t) => t.hide !== true).map((t) => t.expr ?? ''));
        expect(exprs.length, `${where}: queries`).toBeGreaterThan(0);
        if ('undefinedVariable' in why) {
          expect((json.templating as { list: { name: string }[] }).list.map((v) => v.name)).not.toContain(why.undefinedVariable);
          expect(exprs.some((e) => e.includes(`$${why.undefinedVariable}`)), `${where}: uses $${why.undefinedVariable}`).toBe(true);
          continue;
        }
        const used = [...new Set(exprs.flatMap(metricsOf))];
        const lacking = why.absent === 'all' ? used : why.absent;
        expect(lacking.length, `${where}: metrics`).toBeGreaterThan(0);
        const text = fixture(d.recording!);
        for (const metric of lacking) {
          expect(used, `${where}: queries ${metric}`).toContain(metric);
          expect(recorded(text, metric), `${where}: ${metric} in ${d.recording}`).toEqual([]);
        }
      }
    }
  });
});
