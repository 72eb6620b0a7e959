/**
 * Dashboards in a real browser: a public Grafana dashboard (Node Exporter Full, test/fixtures/dashboards) imported
 * unchanged through `/api/dashboards/import`, against 30 minutes of remote-written data with the metric and label
 * names node_exporter exposes (two nodes). Debian's Chromium opens it and the test checks what a user sees: as many
 * panels as the JSON's visible panels, none in error, every stat/gauge/time series panel with data, the chained
 * variables (datasource → job → nodename → instance) populated, a collapsed row that expands. A second dashboard
 * covers bad input: an unknown panel type, a failing query and a text panel with HTML, each shown in place while
 * the rest works. Screenshots go to dist/test-artifacts/ui-dashboards/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type SpawnedSightline } from './helpers/process.js';
import type { PbSeriesV1 } from './helpers/remote-write-protos.js';
import { artifactsDir, chromiumAvailable, stopSightline } from './ui-browser.js';
import { startDashboardStack } from './ui-dashboards-stack.js';
import { requirePeer } from './ui-peers.js';

const PASSWORD = 'dash-e2e-password';
const enabled = requirePeer('Chromium', chromiumAvailable(), 'chromium');
const FIXTURE = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/dashboards/node-exporter-full.json'), 'utf8')) as { uid: string; panels: { type: string; collapsed?: boolean; panels?: unknown[] }[] };

const NODES = [
  { instance: 'node-1:9100', nodename: 'node-1' },
  { instance: 'node-2:9100', nodename: 'node-2' },
];
const MODES = ['idle', 'system', 'user', 'iowait', 'irq', 'softirq', 'nice', 'steal'];

/** node_exporter's series for each node: counters rising at steady rates, gauges holding values (30 min, 15 s apart). */
function nodeSeries(now: number): PbSeriesV1[] {
  const times = Array.from({ length: 121 }, (_, i) => now - (120 - i) * 15_000);
  const out: PbSeriesV1[] = [];
  const add = (name: string, labels: Record<string, string>, value: (i: number) => number) =>
    out.push({ labels: Object.entries({ __name__: name, ...labels }).sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, v]) => ({ name: n, value: v })), samples: times.map((t, i) => ({ timestamp: t, value: value(i) })) });
  NODES.forEach((n, k) => {
    const base = { instance: n.instance, job: 'node' };
    add('node_uname_info', { ...base, nodename: n.nodename, sysname: 'Linux', release: '6.1.0', machine: 'x86_64' }, () => 1);
    // each CPU: 60% idle, the rest spread over the other modes (rates that sum to one second per second)
    for (let cpu = 0; cpu < 4; cpu++) MODES.forEach((mode) => add('node_cpu_seconds_total', { ...base, cpu: String(cpu), mode }, (i) => 1000 + i * 15 * (mode === 'idle' ? 0.6 : 0.4 / (MODES.length - 1))));
    add('node_load1', base, (i) => 0.8 + 0.3 * Math.sin(i / 10) + k);
    const total = 16 * 2 ** 30;
    add('node_memory_MemTotal_bytes', base, () => total);
    add('node_memory_MemAvailable_bytes', base, (i) => total * (0.55 + 0.05 * Math.sin(i / 9)));
    add('node_memory_MemFree_bytes', base, (i) => total * (0.3 + 0.05 * Math.sin(i / 9)));
    add('node_memory_Cached_bytes', base, () => total * 0.2);
    add('node_memory_Buffers_bytes', base, () => total * 0.03);
    add('node_memory_SReclaimable_bytes', base, () => total * 0.02);
    add('node_memory_SwapTotal_bytes', base, () => 2 * 2 ** 30);
    add('node_memory_SwapFree_bytes', base, () => 1.5 * 2 ** 30);
    for (const [mountpoint, device] of [['/', '/dev/sda1'], ['/home', '/dev/sda2']]) {
      add('node_filesystem_size_bytes', { ...base, mountpoint, device, fstype: 'ext4' }, () => 100 * 2 ** 30);
      add('node_filesystem_avail_bytes', { ...base, mountpoint, device, fstype: 'ext4' }, (i) => (60 - i * 0.01) * 2 ** 30);
    }
    add('node_time_seconds', base, (i) => times[i]! / 1000);
    add('node_boot_time_seconds', base, () => times[0]! / 1000 - 86400 * 3);
    for (const device of ['eth0', 'lo']) {
      add('node_network_receive_bytes_total', { ...base, device }, (i) => i * 15 * 125_000);
      add('node_network_transmit_bytes_total', { ...base, device }, (i) => i * 15 * 60_000);
    }
    for (const r of ['cpu_waiting', 'memory_waiting', 'io_waiting', 'irq_stalled']) add(`node_pressure_${r}_seconds_total`, base, (i) => i * 15 * 0.02);
  });
  return out;
}

/** The dashboard's panels a viewer sees on load: not rows, not inside collapsed rows (rows carry those in `panels`). */
const visibleCount = (panels: { type: string; collapsed?: boolean }[]) => panels.filter((p) => p.type !== 'row').length;

const BAD_INPUT = {
  uid: 'bad-input',
  title: 'Bad input',
  tags: ['test'],
  schemaVersion: 39,
  time: { from: 'now-30m', to: 'now' },
  panels: [
    { id: 1, type: 'grafana-worldmap-panel', title: 'World map', gridPos: { x: 0, y: 0, w: 8, h: 6 } },
    { id: 2, type: 'timeseries', title: 'Broken query', gridPos: { x: 8, y: 0, w: 8, h: 6 }, targets: [{ refId: 'A', expr: 'rate(node_load1[' }] },
    { id: 3, type: 'stat', title: 'Load', gridPos: { x: 16, y: 0, w: 8, h: 6 }, timeFrom: '10m', targets: [{ refId: 'A', expr: 'sum(node_load1{instance=~"$inst"})' }] },
    { id: 4, type: 'text', title: 'Notes', gridPos: { x: 0, y: 6, w: 24, h: 5 }, options: { mode: 'markdown', content: '## Read me\n\n<img src=x onerror="window.__pwned=1"> **bold** for $inst' } },
    { id: 5, type: 'stat', title: 'Gone datasource', gridPos: { x: 0, y: 11, w: 8, h: 4 }, datasource: { type: 'prometheus', uid: 'no-such-ds' }, targets: [{ refId: 'A', expr: 'up' }] },
  ],
  templating: {
    list: [
      { name: 'inst', type: 'query', datasource: null, query: 'label_values(node_load1, instance)', multi: true, includeAll: true, current: {} },
      { name: 'broken', type: 'query', datasource: null, query: 'query_result(rate(node_load1[)', current: {} },
    ],
  },
};

describe.runIf(enabled)('dashboards in Chromium: a public Grafana dashboard imported unchanged', () => {
  let sightline: SpawnedSightline;
  let base: string;
  let browser: BrowserContext;
  let page: Page;
  let nodeUrl = '';
  const shots = artifactsDir('ui-dashboards');
  let auth: Record<string, string>;
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    let urls: string[];
    ({ sightline, browser, page, base, auth, urls } = await startDashboardStack(PASSWORD, nodeSeries(Date.now() - 5_000), [FIXTURE, BAD_INPUT]));
    nodeUrl = urls[0]!;
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stopSightline(sightline);
  });

  it('lists dashboards by folder, filters by name and tag, and opens one', async () => {
    await page.goto(`${base}/dashboards`);
    const links = page.locator('[data-testid=dashboard-link]');
    await expect.poll(() => links.allTextContents(), { timeout: 10_000 }).toEqual(expect.arrayContaining(['Node Exporter Full', 'Bad input']));
    expect(await page.locator('[data-testid=dashboard-folder]').first().getAttribute('data-folder')).toBe('General');
    await page.fill('[data-testid=dashboard-search]', 'node exp');
    await expect.poll(() => links.allTextContents()).toEqual(['Node Exporter Full']);
    await page.fill('[data-testid=dashboard-search]', '');
    // the two imported here and the built-in Sightline health dashboard
    await expect.poll(() => links.allTextContents()).toEqual(expect.arrayContaining(['Node Exporter Full', 'Bad input', 'Sightline health']));
    await expect.poll(() => links.count()).toBe(3);
    await page.locator('[data-testid=dashboard-tag]', { hasText: 'test' }).click();
    await expect.poll(() => links.allTextContents()).toEqual(['Bad input']);
    expect(page.url()).toContain('tag=test');
    await shot('01-browse');
    await page.goto(`${base}/dashboards`);
    await page.locator('[data-testid=dashboard-link]', { hasText: 'Node Exporter Full' }).click();
    await page.waitForURL((u) => u.pathname === nodeUrl);
  });

  it('draws every visible panel of Node Exporter Full with data, no errors, variables populated', async () => {
    await page.goto(`${base}${nodeUrl}?from=now-30m&to=now`);
    const grid = page.locator('[data-testid=dashboard-grid]');
    await expect.poll(() => grid.getAttribute('data-all-drawn'), { timeout: 20_000 }).toBe('true');
    const panels = page.locator('[data-testid=dashboard-panel]');
    expect(await panels.count()).toBe(visibleCount(FIXTURE.panels));
    expect(await panels.count()).toBe(15);
    const errors = await page.locator('[data-testid=panel-error]').evaluateAll((els) => els.map((e) => `${e.closest('[data-testid=dashboard-panel]')?.getAttribute('data-panel-title')}: ${e.getAttribute('title')}`));
    expect(errors).toEqual([]);
    const states = await panels.evaluateAll((els) => els.map((e) => ({ title: e.getAttribute('data-panel-title'), type: e.getAttribute('data-panel-type'), data: e.getAttribute('data-has-data') })));
    expect(states.filter((s) => s.data !== 'true')).toEqual([]);
    expect(new Set(states.map((s) => s.type))).toEqual(new Set(['bargauge', 'gauge', 'stat', 'timeseries']));
    // the graphs are drawn, with the dashboard's legends
    expect(await page.locator('[data-panel-type=timeseries] canvas').count()).toBe(4);
    expect(await page.locator('[data-panel-title="CPU Basic"] .legend-name').allTextContents()).toEqual(['Busy System', 'Busy User', 'Busy Iowait', 'Busy IRQs', 'Busy Other', 'Idle']);
    // values with the dashboard's units
    expect(await page.locator('[data-panel-title="CPU Cores"] [data-testid=stat-value]').textContent()).toBe('4');
    expect(await page.locator('[data-panel-title="RAM Total"] [data-testid=stat-value]').textContent()).toBe('16 GiB');
    // chained variables: datasource, job, nodename, instance
    const variable = (name: string) => page.locator(`[data-testid=variable][data-name=${name}]`);
    expect(await variable('job').getAttribute('data-value')).toBe('node');
    expect(await variable('nodename').getAttribute('data-options')).toBe('2');
    expect(await variable('node').getAttribute('data-value')).toBe('node-1:9100');
    await shot('02-node-exporter-full');
    const load = page.locator('[data-panel-title="Sys Load"] [data-testid=gauge-value]');
    const loadNode1 = await load.textContent();
    await page.selectOption('[data-testid=var-nodename]', 'node-2');
    await expect.poll(() => variable('node').getAttribute('data-value'), { timeout: 10_000 }).toBe('node-2:9100');
    expect(page.url()).toContain('var-nodename=node-2');
    expect(page.url()).toContain('var-node=node-2%3A9100');
    await expect.poll(() => grid.getAttribute('data-all-drawn'), { timeout: 20_000 }).toBe('true');
    // node-2's load is one higher (25 points on 4 CPUs): the gauge re-queried with the new instance
    await expect.poll(() => load.textContent(), { timeout: 10_000 }).not.toBe(loadNode1);
    // URL state survives a reload
    await page.reload();
    await expect.poll(() => variable('node').getAttribute('data-value'), { timeout: 15_000 }).toBe('node-2:9100');
  });

  it('expands a collapsed row carrying its panels', async () => {
    const rows = page.locator('[data-testid=dashboard-row]');
    const before = await page.locator('[data-testid=dashboard-panel]').count();
    const row = rows.filter({ hasText: 'Memory Meminfo' });
    expect(await row.getAttribute('data-collapsed')).toBe('true');
    // the graphs drawn so far are marked: expanding a row must not query and redraw them
    const marked = await page.locator('[data-panel-type=timeseries] canvas').evaluateAll((els) => els.map((e) => e.setAttribute('data-mark', 'before')).length);
    await row.locator('button').click();
    await expect.poll(() => row.getAttribute('data-collapsed')).toBe('false');
    await expect.poll(() => page.locator('[data-testid=dashboard-grid]').getAttribute('data-all-drawn'), { timeout: 20_000 }).toBe('true');
    expect(await page.locator('canvas[data-mark=before]').count()).toBe(marked);
    const inRow = FIXTURE.panels.find((p) => (p as { title?: string }).title === 'Memory Meminfo')!.panels!.length;
    expect(await page.locator('[data-testid=dashboard-panel]').count()).toBe(before + inRow);
    await shot('03-row-expanded');
  });

  it('shows bad input in place while the rest of the dashboard works', async () => {
    await page.goto(`${base}/d/bad-input/bad-input`);
    const grid = page.locator('[data-testid=dashboard-grid]');
    await expect.poll(() => grid.getAttribute('data-all-drawn'), { timeout: 20_000 }).toBe('true');
    expect(await page.locator('[data-testid=panel-unsupported]').textContent()).toBe('Unsupported panel type "grafana-worldmap-panel"');
    const broken = page.locator('[data-panel-title="Broken query"]');
    expect(await broken.locator('[data-testid=panel-error]').count()).toBe(1);
    expect(await broken.locator('[data-testid=panel-error-text]').textContent()).toMatch(/^A: .*parse error/);
    expect(await page.locator('[data-panel-title="Gone datasource"] [data-testid=panel-error-text]').textContent()).toBe('A: Datasource no-such-ds was not found');
    // a variable whose query fails says so next to its picker
    expect(await page.locator('[data-testid=variable][data-name=broken] [data-testid=variable-error]').textContent()).toMatch(/parse error/);
    // the working stat sums both nodes' load (All expands to both instances)
    expect(await page.locator('[data-panel-title="Load"]').getAttribute('data-has-data')).toBe('true');
    expect(await page.locator('[data-panel-title="Load"] [data-testid=panel-time]').textContent()).toBe('Last 10m');
    expect(await page.locator('[data-testid=variable][data-name=inst]').getAttribute('data-value')).toBe('$__all');
    // Markdown rendered, the HTML kept as text and never run
    const text = page.locator('[data-testid=text-panel]');
    expect(await text.locator('h2').textContent()).toBe('Read me');
    expect(await text.locator('strong').textContent()).toBe('bold');
    expect(await text.textContent()).toContain('<img src=x onerror="window.__pwned=1">');
    expect(await text.textContent()).toContain('for node-1:9100,node-2:9100');
    expect(await text.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    await shot('04-bad-input');
    // refresh picker and kiosk mode live in the URL; kiosk hides the app's menu and top bar
    await page.selectOption('[data-testid=refresh-picker]', '5s');
    await expect.poll(() => page.url()).toContain('refresh=5s');
    await page.click('[data-testid=kiosk-toggle]');
    await expect.poll(() => page.locator('.topbar').isVisible()).toBe(false);
    expect(page.url()).toContain('kiosk');
    await page.click('[data-testid=kiosk-toggle]');
    await expect.poll(() => page.locator('.topbar').isVisible()).toBe(true);
    await page.selectOption('[data-testid=refresh-picker]', '');
  });

  it('saves a new title, lists the versions and restores the first', async () => {
    const title = page.locator('[data-testid=dashboard-title]');
    await page.click('[data-testid=dashboard-settings-toggle]');
    const versions = page.locator('[data-testid=dashboard-version]');
    await expect.poll(() => versions.count(), { timeout: 10_000 }).toBe(1);
    await page.fill('[data-testid=settings-title]', 'Bad input, renamed');
    await page.fill('[data-testid=settings-message]', 'rename');
    await page.click('[data-testid=dashboard-save]');
    await expect.poll(() => title.textContent(), { timeout: 10_000 }).toBe('Bad input, renamed');
    await expect.poll(() => versions.count(), { timeout: 10_000 }).toBe(2);
    expect(await versions.first().textContent()).toContain('rename');
    await page.reload();
    await expect.poll(() => title.textContent(), { timeout: 10_000 }).toBe('Bad input, renamed');
    await page.click('[data-testid=dashboard-settings-toggle]');
    await expect.poll(() => versions.count(), { timeout: 10_000 }).toBe(2);
    await page.locator('[data-testid=dashboard-version][data-version="1"] [data-testid=version-restore]').click();
    await expect.poll(() => title.textContent(), { timeout: 10_000 }).toBe('Bad input');
    await expect.poll(() => versions.count(), { timeout: 10_000 }).toBe(3);
    expect(await versions.first().textContent()).toContain('Restored from version 1');
    await shot('05-versions');
    // the API holds what the page shows
    const api = (await (await fetch(`${base}/api/dashboards/uid/bad-input`, { headers: auth })).json()) as { dashboard: { title: string; version: number } };
    expect(api.dashboard).toMatchObject({ title: 'Bad input', version: 3 });
  });

  it('saves a copy under a new title and deletes it', async () => {
    await page.fill('[data-testid=settings-copy-title]', 'Bad input copy');
    await page.click('[data-testid=dashboard-save-copy]');
    await page.waitForURL((u) => u.pathname.endsWith('/bad-input-copy') && !u.pathname.startsWith('/d/bad-input/'));
    await expect.poll(() => page.locator('[data-testid=dashboard-title]').textContent(), { timeout: 10_000 }).toBe('Bad input copy');
    const copyUid = new URL(page.url()).pathname.split('/')[2]!;
    const copy = (await (await fetch(`${base}/api/dashboards/uid/${copyUid}`, { headers: auth })).json()) as { dashboard: { panels: unknown[]; version: number } };
    expect(copy.dashboard.version).toBe(1);
    expect(copy.dashboard.panels).toEqual(BAD_INPUT.panels);
    // the original is untouched
    expect(((await (await fetch(`${base}/api/dashboards/uid/bad-input`, { headers: auth })).json()) as { dashboard: { title: string } }).dashboard.title).toBe('Bad input');
    page.once('dialog', (d) => void d.accept());
    await page.click('[data-testid=dashboard-delete]');
    await page.waitForURL((u) => u.pathname === '/dashboards');
    expect((await fetch(`${base}/api/dashboards/uid/${copyUid}`, { headers: auth })).status).toBe(404);
    await expect.poll(() => page.locator('[data-testid=dashboard-link]').allTextContents(), { timeout: 10_000 }).not.toContain('Bad input copy');
  });
});
