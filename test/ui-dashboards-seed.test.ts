/**
 * The seed guide's two grafana.com dashboards in a real browser, imported unchanged through `/api/dashboards/import`:
 * 315 (Kubernetes cluster monitoring via Prometheus: a schemaVersion 12 export with `rows`, `singlestat` and `graph`
 * panels and a `${DS_PROMETHEUS}` input) against 30 minutes of cAdvisor series replayed from an exposition fixture
 * (test/fixtures/dashboards/cadvisor-exposition.txt, the label names the dashboard filters on), and 13639 (Logs / App,
 * a Loki bar graph and logs panel with a `label_values(job)` variable and a textbox) against pushed logfmt lines.
 * Every panel, also inside the rows that open collapsed, must be drawn with data and no error badge; the variables
 * populate. Screenshots go to dist/test-artifacts/ui-dashboards/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type SpawnedSightline } from './helpers/process.js';
import { artifactsDir, chromiumAvailable, stopSightline } from './ui-browser.js';
import { cadvisorSeries, startDashboardStack } from './ui-dashboards-stack.js';
import { requirePeer } from './ui-peers.js';

const PASSWORD = 'dash-seed-password';
const enabled = requirePeer('Chromium', chromiumAvailable(), 'chromium');
const fixture = (name: string) => readFileSync(join(REPO_ROOT, 'test/fixtures/dashboards', name), 'utf8');

interface Rows315 {
  rows: { collapse: boolean; panels: { title: string }[] }[];
}
const K8S = JSON.parse(fixture('kubernetes-cluster-monitoring-315.json')) as Rows315;
const LOKI_APPS = JSON.parse(fixture('logs-app-13639.json')) as Record<string, unknown>;

/**
 * Two apps writing logfmt lines, 30 each, 55 s apart (the oldest 26.6 minutes before `now`, so a slow start under
 * load still leaves every line inside the dashboards' last 30 minutes); every tenth line of `checkout` is an error.
 */
function lokiStreams(now: number) {
  const values = (app: string) =>
    Array.from({ length: 30 }, (_, i) => {
      const error = app === 'checkout' && i % 10 === 0;
      return [String((now - (29 - i) * 55_000) * 1e6), `level=${error ? 'error' : 'info'} app=${app} msg="${error ? 'payment declined' : 'request served'}" duration_ms=${10 + i}`];
    });
  return { streams: ['checkout', 'frontend'].map((job) => ({ stream: { job, namespace: 'shop' }, values: values(job) })) };
}

/**
 * Panels over the same cAdvisor data with Grafana's transformations and overrides, as kubernetes-mixin style
 * tables use them: two instant queries merged on their labels, organized and filtered; a stat with overrides.
 */
const TRANSFORMED = {
  uid: 'pods-table',
  title: 'Pods table',
  schemaVersion: 39,
  time: { from: 'now-30m', to: 'now' },
  panels: [
    {
      id: 1,
      type: 'table',
      title: 'Pods',
      gridPos: { x: 0, y: 0, w: 16, h: 8 },
      targets: [
        { refId: 'A', expr: 'sum by (io_kubernetes_pod_name, kubernetes_io_hostname) (rate(container_cpu_usage_seconds_total{name=~"^k8s_.*"}[5m]))', format: 'table', instant: true },
        { refId: 'B', expr: 'sum by (io_kubernetes_pod_name, kubernetes_io_hostname) (container_memory_working_set_bytes{name=~"^k8s_.*"})', format: 'table', instant: true },
      ],
      transformations: [
        { id: 'merge', options: {} },
        { id: 'organize', options: { excludeByName: { kubernetes_io_hostname: true }, indexByName: { io_kubernetes_pod_name: 0, 'Value #B': 1, 'Value #A': 2 }, renameByName: { io_kubernetes_pod_name: 'Pod', 'Value #A': 'CPU', 'Value #B': 'Memory' } } },
        { id: 'filterByValue', options: { type: 'exclude', match: 'any', filters: [{ fieldName: 'Memory', config: { id: 'lower', options: { value: 100 * 2 ** 20 } } }] } },
      ],
      fieldConfig: { defaults: { decimals: 2 }, overrides: [{ matcher: { id: 'byName', options: 'Memory' }, properties: [{ id: 'unit', value: 'bytes' }, { id: 'decimals', value: 0 }] }] },
    },
    {
      id: 2,
      type: 'stat',
      title: 'Memory per node',
      gridPos: { x: 16, y: 0, w: 8, h: 8 },
      targets: [{ refId: 'A', expr: 'sum by (kubernetes_io_hostname) (machine_memory_bytes)', legendFormat: '{{kubernetes_io_hostname}}', instant: true }],
      fieldConfig: { defaults: { unit: 'bytes', decimals: 0 }, overrides: [{ matcher: { id: 'byRegexp', options: '/node-b/' }, properties: [{ id: 'displayName', value: 'Big node' }, { id: 'unit', value: 'decbytes' }] }] },
      options: { textMode: 'value_and_name', reduceOptions: { calcs: ['lastNotNull'] } },
    },
    { id: 3, type: 'heatmap', title: 'Container CPU heatmap', gridPos: { x: 0, y: 8, w: 12, h: 8 }, targets: [{ refId: 'A', expr: 'rate(container_cpu_usage_seconds_total{id!="/"}[1m])' }], options: { calculate: true, calculation: { yBuckets: { value: '5' } } } },
    {
      id: 4,
      type: 'state-timeline',
      title: 'Node size',
      gridPos: { x: 12, y: 8, w: 12, h: 8 },
      targets: [{ refId: 'A', expr: 'machine_cpu_cores > bool 4', legendFormat: '{{kubernetes_io_hostname}}' }],
      fieldConfig: { defaults: { mappings: [{ type: 'value', options: { '0': { text: 'small', color: 'blue' }, '1': { text: 'large', color: 'purple' } } }] } },
    },
    { id: 5, type: 'piechart', title: 'Memory by pod', gridPos: { x: 0, y: 16, w: 12, h: 8 }, targets: [{ refId: 'A', expr: 'sum by (io_kubernetes_pod_name) (container_memory_working_set_bytes{name=~"^k8s_.*"})', legendFormat: '{{io_kubernetes_pod_name}}', instant: true }], fieldConfig: { defaults: { unit: 'bytes' } }, options: { pieType: 'donut', reduceOptions: { calcs: ['lastNotNull'] } } },
    { id: 7, type: 'stat', title: 'Cores on $node', repeat: 'node', repeatDirection: 'h', gridPos: { x: 0, y: 24, w: 6, h: 4 }, targets: [{ refId: 'A', expr: 'machine_cpu_cores{kubernetes_io_hostname=~"$node"}', instant: true }] },
    { id: 8, type: 'row', title: 'Node $node', repeat: 'node', collapsed: false, gridPos: { x: 0, y: 28, w: 24, h: 1 }, panels: [] },
    { id: 9, type: 'stat', title: 'Memory of $node', gridPos: { x: 0, y: 29, w: 8, h: 4 }, targets: [{ refId: 'A', expr: 'machine_memory_bytes{kubernetes_io_hostname=~"$node"}', instant: true }], fieldConfig: { defaults: { unit: 'bytes' } } },
    { id: 10, type: 'timeseries', title: 'Pod memory', gridPos: { x: 8, y: 29, w: 16, h: 6 }, targets: [{ refId: 'A', expr: 'sum by (io_kubernetes_pod_name) (container_memory_working_set_bytes{name=~"^k8s_.*"})' }] },
    { id: 6, type: 'barchart', title: 'Cores per node', gridPos: { x: 12, y: 16, w: 12, h: 8 }, targets: [{ refId: 'A', expr: 'machine_cpu_cores', legendFormat: '{{kubernetes_io_hostname}}', instant: true, format: 'table' }], options: { orientation: 'horizontal' } },
  ],
  annotations: {
    list: [
      { builtIn: 1, datasource: '-- Grafana --', enable: true, hide: true, name: 'Annotations & Alerts', type: 'dashboard' },
      { name: 'Big nodes', enable: true, datasource: null, expr: 'machine_cpu_cores > 6', titleFormat: '{{kubernetes_io_hostname}}', iconColor: 'purple' },
      { name: 'Declined payments', enable: true, datasource: { type: 'loki', uid: 'loki' }, expr: '{job="checkout"} |= "payment declined"', iconColor: 'red' },
    ],
  },
  templating: { list: [{ name: 'node', type: 'query', datasource: null, query: 'label_values(machine_cpu_cores, kubernetes_io_hostname)', multi: true, includeAll: true, current: { text: 'All', value: '$__all' } }] },
};

describe.runIf(enabled)('dashboards in Chromium: the seed guide’s grafana.com 315 and 13639', () => {
  let sightline: SpawnedSightline;
  let base: string;
  let browser: BrowserContext;
  let page: Page;
  const urls: Record<string, string> = {};
  const shots = artifactsDir('ui-dashboards');
  const grid = () => page.locator('[data-testid=dashboard-grid]');
  const panels = () => page.locator('[data-testid=dashboard-panel]');
  const variable = (name: string) => page.locator(`[data-testid=variable][data-name=${name}]`);
  const allDrawn = () => expect.poll(() => grid().getAttribute('data-all-drawn'), { timeout: 20_000 }).toBe('true');

  /** Titles of panels in error or without data (empty when every panel is drawn with data). */
  const badPanels = () =>
    panels().evaluateAll((els) =>
      els
        .filter((e) => e.querySelector('[data-testid=panel-error]') !== null || e.getAttribute('data-has-data') !== 'true')
        .map((e) => `${e.getAttribute('data-panel-title')}: ${e.querySelector('[data-testid=panel-error]')?.getAttribute('title') ?? 'no data'}`),
    );

  beforeAll(async () => {
    const now = Date.now() - 5_000;
    const pushLogs = async (ports: Record<string, number>) => {
      const push = await fetch(`http://127.0.0.1:${ports.loki}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(lokiStreams(now)) });
      expect(push.status, await push.text()).toBe(204);
    };
    let imported: string[];
    ({ sightline, browser, page, base, urls: imported } = await startDashboardStack(PASSWORD, cadvisorSeries(now), [K8S, LOKI_APPS, TRANSFORMED], pushLogs));
    [urls['315'], urls['13639'], urls.pods] = imported;
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stopSightline(sightline);
  });

  it('315: every panel of the open rows is drawn with data, the Node variable lists both nodes', async () => {
    await page.goto(`${base}${urls['315']}?from=now-30m&to=now`);
    await allDrawn();
    expect(await badPanels()).toEqual([]);
    const open = K8S.rows.filter((r) => !r.collapse).flatMap((r) => r.panels);
    expect(await panels().count()).toBe(open.length);
    expect(await panels().evaluateAll((els) => els.map((e) => e.getAttribute('data-panel-title')))).toEqual(open.map((p) => p.title));
    // graph → time series, singlestat → stat or gauge (Grafana's migration of the old panels)
    const types = await panels().evaluateAll((els) => els.map((e) => e.getAttribute('data-panel-type')));
    expect(new Set(types)).toEqual(new Set(['timeseries', 'gauge', 'stat']));
    expect(await variable('Node').getAttribute('data-options')).toBe('2'); // node-a, node-b (and All)
    expect(await variable('Node').getAttribute('data-value')).toBe('$__all');
    // the cluster's totals, in the panel's units, from the fixture: 4 + 8 cores, 16 + 32 GiB
    const stats = await page.locator('[data-panel-title=Total] [data-testid=stat-value]').allTextContents();
    expect(stats).toEqual(['48.00 GiB', '12.00 cores', '300.00 GiB']);
    // the export's `height: "1px"` stats still get room to show their value (Grafana's three-cell minimum)
    for (const box of await page.locator('[data-panel-title=Used] [data-testid=stat-value]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height))) expect(box).toBeGreaterThan(10);
    await page.screenshot({ path: join(shots, '10-k8s-315.png'), fullPage: true });
  });

  it('315: the collapsed rows open with data in every panel', async () => {
    const collapsed = page.locator('[data-testid=dashboard-row][data-collapsed=true]');
    const hidden = K8S.rows.filter((r) => r.collapse).flatMap((r) => r.panels);
    expect(await collapsed.count()).toBe(K8S.rows.filter((r) => r.collapse).length);
    while ((await collapsed.count()) > 0) {
      await collapsed.first().locator('button').click();
      await allDrawn();
    }
    expect(await panels().count()).toBe(K8S.rows.flatMap((r) => r.panels).length);
    expect(await badPanels()).toEqual([]);
    expect(hidden.length).toBeGreaterThan(0);
    // a node picked: the panels re-query for it alone
    await page.selectOption('[data-testid=var-Node]', 'node-b');
    await expect.poll(() => page.url()).toContain('var-Node=node-b');
    await allDrawn();
    expect(await badPanels()).toEqual([]);
    await expect.poll(() => page.locator('[data-panel-title=Total] [data-testid=stat-value]').allTextContents()).toEqual(['32.00 GiB', '8.00 cores', '200.00 GiB']);
    await page.screenshot({ path: join(shots, '11-k8s-315-expanded.png'), fullPage: true });
  });

  it('13639: the app variable lists the pushed jobs, the bar graph and the logs show them, the search filters', async () => {
    await page.goto(`${base}${urls['13639']}?from=now-1h&to=now`);
    await allDrawn();
    expect(await badPanels()).toEqual([]);
    expect(await panels().count()).toBe(2);
    expect(await variable('app').getAttribute('data-options')).toBe('2');
    expect(await variable('app').getAttribute('data-value')).toBe('checkout');
    expect(await page.locator('[data-panel-type=timeseries] canvas').count()).toBe(1);
    const rows = page.locator('[data-testid=panel-logs] li');
    await expect.poll(() => rows.count()).toBe(30);
    expect(await rows.first().textContent()).toContain('app=checkout');
    await page.fill('[data-testid=var-search]', 'payment declined');
    await page.press('[data-testid=var-search]', 'Enter');
    await expect.poll(() => page.url()).toContain('var-search=payment');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(3);
    await allDrawn();
    expect(await badPanels()).toEqual([]);
    await page.selectOption('[data-testid=var-app]', 'frontend');
    await page.fill('[data-testid=var-search]', '');
    await page.press('[data-testid=var-search]', 'Enter');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(30);
    expect(await rows.first().textContent()).toContain('app=frontend');
    // the dashboard's links, with the variables and the time range they ask for
    const links = page.locator('[data-testid=dashboard-link-item]');
    expect(await links.allTextContents()).toEqual(['View In Explore', 'Learn LogQL']);
    const explore = new URL((await links.first().getAttribute('href'))!, base);
    expect(explore.searchParams.get('var-app')).toBe('frontend');
    expect(explore.searchParams.get('from')).toBe('now-1h');
    expect(explore.searchParams.get('left')).toContain('{job=\\"frontend\\"}');
    expect(await links.nth(1).getAttribute('href')).toBe('https://grafana.com/docs/loki/latest/logql/');
    await page.screenshot({ path: join(shots, '12-logs-app-13639.png'), fullPage: true });
  });

  it('a table merges, organizes and filters two queries; overrides set units and names; heatmap, state timeline, pie and bar charts draw', async () => {
    await page.goto(`${base}${urls.pods}?from=now-30m&to=now`);
    await allDrawn();
    expect(await badPanels()).toEqual([]);
    const table = page.locator('[data-panel-title=Pods] [data-testid=panel-table]');
    expect(await table.locator('th').allTextContents()).toEqual(['Pod', 'Memory', 'CPU']);
    // cache-0 (901 MiB), sightline-0 (2 GiB), web-6c7d9 (421 MiB) with their pause containers; none under 100 MiB
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows.map((r) => r[0]).sort()).toEqual(['cache-0', 'sightline-0', 'web-6c7d9']);
    expect(rows.find((r) => r[0] === 'sightline-0')?.[1]).toBe('2 GiB');
    expect(rows.every((r) => /^\d+\.\d\d$/.test(r[2] ?? ''))).toBe(true);
    const stat = page.locator('[data-panel-title="Memory per node"] [data-testid=stat-value]');
    expect(await stat.locator('.stat-name').allTextContents()).toEqual(['node-a', 'Big node']);
    expect(await stat.locator('.stat-value').allTextContents()).toEqual(['16 GiB', '34 GB']);
    // heatmap, state timeline, pie and bar charts over the same data
    expect(Number(await page.locator('[data-testid=panel-heatmap]').getAttribute('data-rows'))).toBe(5);
    expect(Number(await page.locator('[data-testid=panel-heatmap]').getAttribute('data-max'))).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=state-row]').count()).toBe(2);
    expect(await page.locator('[data-testid=state-span]').allTextContents()).toEqual(['small', 'large']);
    expect(await page.locator('[data-testid=pie-slice]').count()).toBe(3);
    expect(await page.locator('[data-panel-title="Memory by pod"] .legend-name').allTextContents()).toEqual(['sightline-0', 'cache-0', 'web-6c7d9']);
    expect(await page.locator('[data-testid=bar] .barchart-value').allTextContents()).toEqual(['4', '8']);
    // a stat repeated for each node of the All selection, each copy querying its own node
    const repeated = page.locator('[data-testid=dashboard-panel][data-panel-title^="Cores on"]');
    expect(await repeated.evaluateAll((els) => els.map((e) => [e.getAttribute('data-panel-title'), e.querySelector('[data-testid=stat-value]')?.textContent]))).toEqual([
      ['Cores on node-a', '4'],
      ['Cores on node-b', '8'],
    ]);
    // a row repeated per node, its stat scoped to the row's node
    expect(await page.locator('[data-testid=dashboard-row]').allTextContents()).toEqual(['▾ Node node-a', '▾ Node node-b']);
    expect(await page.locator('[data-panel-title^="Memory of"]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-panel-title'), e.querySelector('[data-testid=stat-value]')?.textContent]))).toEqual([
      ['Memory of node-a', '16 GiB'],
      ['Memory of node-b', '32 GiB'],
    ]);
    // query annotations on the graphs: node-b's cores over 6 all along (one region) and the 3 declined payments
    // (the graph sits in the repeated row: once per node)
    await expect.poll(() => page.locator('[data-panel-title="Pod memory"] [data-annotations]').evaluateAll((els) => els.map((e) => e.getAttribute('data-annotations'))), { timeout: 10_000 }).toEqual(['4', '4']);
    await page.screenshot({ path: join(shots, '13-transformations.png'), fullPage: true });
    // panel inspect: the data, the queries as sent, the panel's JSON
    await page.locator('[data-panel-title=Pods] [data-testid=panel-inspect-open]').click();
    const inspect = page.locator('[data-testid=panel-inspect]');
    expect(await inspect.locator('[data-testid=inspect-data] thead th').count()).toBe(1 + 6); // Time + a series per pod and query
    await inspect.locator('[data-testid=inspect-tab-query]').click();
    expect(await inspect.locator('[data-testid=inspect-queries] pre').allTextContents()).toEqual(TRANSFORMED.panels[0]!.targets!.map((t) => t.expr));
    await inspect.locator('[data-testid=inspect-tab-json]').click();
    expect(JSON.parse((await inspect.locator('[data-testid=inspect-json]').textContent())!)).toMatchObject({ id: 1, type: 'table', transformations: TRANSFORMED.panels[0]!.transformations });
    await page.screenshot({ path: join(shots, '14-inspect.png') });
    await inspect.locator('[data-testid=inspect-close]').click();
    expect(await inspect.count()).toBe(0);
  });
});
