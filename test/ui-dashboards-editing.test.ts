/**
 * Editing a dashboard in a real browser (Debian's Chromium), from nothing: "New dashboard", a query variable over
 * Prometheus label values, a time series and a stat panel built in the panel editor (PromQL editor, visualization
 * picker, title, unit), saved, reloaded (panels and variable come back), changed and saved again, the two versions
 * listed and the first restored: what the API then holds is what was saved first; the JSON model edited and the
 * dashboard's links added in settings, saved and reloaded. Screenshots go to
 * dist/test-artifacts/ui-dashboards-editing/.
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpawnedSightline } from './helpers/process.js';
import type { PbSeriesV1 } from './helpers/remote-write-protos.js';
import { artifactsDir, chromiumAvailable, stopSightline } from './ui-browser.js';
import { startDashboardStack } from './ui-dashboards-stack.js';
import { requirePeer } from './ui-peers.js';

const PASSWORD = 'dash-edit-password';
const enabled = requirePeer('Chromium', chromiumAvailable(), 'chromium');

/** `shop_requests_total` for two jobs × two instances: counters rising 2, 4, 6, 8 per second (30 min, 15 s apart). */
function series(now: number): PbSeriesV1[] {
  const times = Array.from({ length: 121 }, (_, i) => now - (120 - i) * 15_000);
  const out: PbSeriesV1[] = [];
  let rate = 0;
  for (const job of ['api', 'web']) {
    for (const instance of ['a:80', 'b:80']) {
      const r = (rate += 2);
      out.push({
        labels: [{ name: '__name__', value: 'shop_requests_total' }, { name: 'instance', value: instance }, { name: 'job', value: job }],
        samples: times.map((t, i) => ({ timestamp: t, value: i * 15 * r })),
      });
    }
  }
  return out;
}

/** The number of a stat shown in `req/s` (the rate at the range's end may cover the window partly: not exact). */
function reqps(text: string | null): number {
  const m = /^([\d.]+) req\/s$/.exec(text ?? '');
  if (!m) throw new Error(`not a req/s value: ${text}`);
  return Number(m[1]);
}

interface Saved {
  dashboard: { uid: string; title: string; version: number; panels: { id: number; type: string; title: string; gridPos: unknown; targets: { expr: string }[]; fieldConfig: { defaults: { unit?: string } } }[]; templating: { list: { name: string; type: string; query: unknown; datasource: unknown }[] } };
}

describe.runIf(enabled)('dashboards in Chromium: the editing round trip', () => {
  let sightline: SpawnedSightline;
  let base: string;
  let browser: BrowserContext;
  let page: Page;
  let auth: Record<string, string>;
  let uid = '';
  let first: Saved | undefined;
  const shots = artifactsDir('ui-dashboards-editing');
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const grid = () => page.locator('[data-testid=dashboard-grid]');
  const panels = () => page.locator('[data-testid=dashboard-panel]');
  const versions = () => page.locator('[data-testid=dashboard-version]');
  const getDashboard = async () => (await (await fetch(`${base}/api/dashboards/uid/${uid}`, { headers: auth })).json()) as Saved;

  /** Type into the panel editor's PromQL editor (Explore's CodeMirror editor), replacing what is there. */
  const typeQuery = async (q: string) => {
    await page.locator('[data-testid=panel-editor] [data-testid=promql-editor] .cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(q);
    await page.keyboard.press('Escape');
  };

  /** Add a panel through the editor: visualization, title, query, unit; the preview must draw data first. */
  const addPanel = async (type: string, title: string, query: string, unit: string) => {
    await page.click('[data-testid=dashboard-add-panel]');
    await page.locator('[data-testid=panel-editor]').waitFor();
    await page.selectOption('[data-testid=panel-type]', type);
    await page.fill('[data-testid=panel-title]', title);
    await typeQuery(query);
    await page.fill('[data-testid=panel-unit]', unit);
    await page.click('[data-testid=panel-run-queries]');
    const preview = page.locator(`[data-testid=panel-editor-preview] [data-testid=dashboard-panel][data-panel-type=${type}]`);
    await expect.poll(() => preview.getAttribute('data-has-data'), { timeout: 15_000 }).toBe('true');
    expect(await preview.getAttribute('data-panel-title')).toBe(title);
    await shot(`editor-${type}`);
    await page.click('[data-testid=panel-editor-apply]');
    await page.locator('[data-testid=panel-editor]').waitFor({ state: 'detached' });
  };

  beforeAll(async () => {
    ({ sightline, browser, page, base, auth } = await startDashboardStack(PASSWORD, series(Date.now() - 5_000), []));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stopSightline(sightline);
  });

  it('creates a dashboard with a query variable, a time series and a stat panel, and saves it', async () => {
    await page.goto(`${base}/dashboards?from=now-30m`);
    await page.click('[data-testid=dashboard-new]');
    await page.waitForURL((u) => u.pathname === '/dashboard/new');
    expect(await page.locator('[data-testid=dashboard-title]').textContent()).toBe('New dashboard');
    // the variable: label values of a Prometheus label
    await page.click('[data-testid=dashboard-settings-toggle]');
    await page.click('[data-testid=variable-new]');
    await page.fill('[data-testid=variable-name]', 'job');
    await page.selectOption('[data-testid=variable-type]', 'query');
    await page.fill('[data-testid=variable-query]', 'label_values(shop_requests_total, job)');
    await page.click('[data-testid=variable-apply]');
    const job = page.locator('[data-testid=variable][data-name=job]');
    await expect.poll(() => job.getAttribute('data-options'), { timeout: 10_000 }).toBe('2');
    expect(await job.getAttribute('data-value')).toBe('api');
    // a bad name is refused with Grafana's message
    await page.click('[data-testid=variable-new]');
    await page.fill('[data-testid=variable-name]', 'job');
    await page.click('[data-testid=variable-apply]');
    expect(await page.locator('[data-testid=variable-form-error]').textContent()).toBe('Variable with the same name already exists');
    await page.click('[aria-label="Close settings"]');

    await page.goto(`${base}/dashboard/new?from=now-30m&to=now`).catch(() => undefined);
    // (going to the URL again starts over: the unsaved dashboard lives in the page only)
    await expect.poll(() => page.locator('[data-testid=variable]').count()).toBe(0);
    await page.click('[data-testid=dashboard-settings-toggle]');
    await page.click('[data-testid=variable-new]');
    await page.fill('[data-testid=variable-name]', 'job');
    await page.fill('[data-testid=variable-query]', 'label_values(shop_requests_total, job)');
    await page.click('[data-testid=variable-apply]');
    await expect.poll(() => job.getAttribute('data-options'), { timeout: 10_000 }).toBe('2');
    await page.click('[aria-label="Close settings"]');

    await addPanel('timeseries', 'Request rate', 'sum by (instance) (rate(shop_requests_total{job="$job"}[5m]))', 'reqps');
    await addPanel('stat', 'Requests per second', 'sum(rate(shop_requests_total{job="$job"}[5m]))', 'reqps');
    await expect.poll(() => grid().getAttribute('data-all-drawn'), { timeout: 20_000 }).toBe('true');
    expect(await panels().evaluateAll((els) => els.map((e) => [e.getAttribute('data-panel-type'), e.getAttribute('data-panel-title'), e.getAttribute('data-has-data')]))).toEqual([
      ['timeseries', 'Request rate', 'true'],
      ['stat', 'Requests per second', 'true'],
    ]);
    // job="api": instances a and b rise 2 and 4 per second
    const api = reqps(await page.locator('[data-panel-title="Requests per second"] [data-testid=stat-value]').textContent());
    expect(api).toBeGreaterThan(5);
    expect(api).toBeLessThanOrEqual(6.05);
    expect(await page.locator('[data-testid=dashboard-unsaved]').count()).toBe(1);
    await shot('01-built');

    await page.click('[data-testid=dashboard-settings-toggle]');
    await page.fill('[data-testid=settings-title]', 'Shop traffic');
    await page.fill('[data-testid=settings-message]', 'first');
    await page.click('[data-testid=dashboard-save]');
    await page.waitForURL((u) => u.pathname.startsWith('/d/') && u.pathname.endsWith('/shop-traffic'));
    uid = new URL(page.url()).pathname.split('/')[2]!;
    first = await getDashboard();
    expect(first.dashboard.version).toBe(1);
    expect(first.dashboard.title).toBe('Shop traffic');
    expect(first.dashboard.panels.map((p) => [p.type, p.title, p.fieldConfig.defaults.unit, p.targets[0]!.expr])).toEqual([
      ['timeseries', 'Request rate', 'reqps', 'sum by (instance) (rate(shop_requests_total{job="$job"}[5m]))'],
      ['stat', 'Requests per second', 'reqps', 'sum(rate(shop_requests_total{job="$job"}[5m]))'],
    ]);
    // side by side on the grid, each half the width
    expect(first.dashboard.panels.map((p) => p.gridPos)).toEqual([
      { x: 0, y: 0, w: 12, h: 8 },
      { x: 12, y: 0, w: 12, h: 8 },
    ]);
    expect(first.dashboard.templating.list.map((v) => [v.name, v.type, v.query])).toEqual([['job', 'query', 'label_values(shop_requests_total, job)']]);
  });

  it('comes back after a reload: panels, variable and values', async () => {
    await page.goto(`${base}/d/${uid}/shop-traffic?from=now-30m&to=now&var-job=web`);
    await expect.poll(() => grid().getAttribute('data-all-drawn'), { timeout: 20_000 }).toBe('true');
    expect(await panels().evaluateAll((els) => els.map((e) => [e.getAttribute('data-panel-type'), e.getAttribute('data-panel-title'), e.getAttribute('data-has-data'), e.getAttribute('data-state')]))).toEqual([
      ['timeseries', 'Request rate', 'true', 'done'],
      ['stat', 'Requests per second', 'true', 'done'],
    ]);
    const job = page.locator('[data-testid=variable][data-name=job]');
    expect(await job.getAttribute('data-options')).toBe('2');
    expect(await job.getAttribute('data-value')).toBe('web');
    // job="web": 6 + 8 per second
    expect(reqps(await page.locator('[data-panel-title="Requests per second"] [data-testid=stat-value]').textContent())).toBeGreaterThan(12);
    expect(reqps(await page.locator('[data-panel-title="Requests per second"] [data-testid=stat-value]').textContent())).toBeLessThanOrEqual(14.05);
    expect(await page.locator('[data-panel-title="Request rate"] canvas').count()).toBeGreaterThan(0);
    await shot('02-reloaded');
  });

  it('changes a panel, saves again, lists two versions and restores the first', async () => {
    await page.click('[data-testid=dashboard-edit-toggle]');
    // the query editor follows the datasource: Explore's LogQL and TraceQL editors; Discard keeps the panel as it was
    await page.locator('[data-panel-title="Request rate"] [data-testid=panel-edit]').click();
    const uidOf = (name: string) => page.locator('[data-testid=panel-datasource] option', { hasText: name }).getAttribute('value');
    await page.selectOption('[data-testid=panel-datasource]', (await uidOf('Loki'))!);
    await page.locator('[data-testid=panel-editor] [data-testid=logql-editor]').waitFor();
    await page.selectOption('[data-testid=panel-datasource]', (await uidOf('Tempo'))!);
    await page.locator('[data-testid=panel-editor] [data-testid=traceql-editor]').waitFor();
    await page.click('[data-testid=panel-editor-discard]');
    await expect.poll(() => page.locator('[data-panel-title="Request rate"]').getAttribute('data-has-data')).toBe('true');
    await page.locator('[data-panel-title="Requests per second"] [data-testid=panel-edit]').click();
    await page.locator('[data-testid=panel-editor]').waitFor();
    await page.fill('[data-testid=panel-title]', 'Requests in the window');
    await page.selectOption('[data-testid=panel-type]', 'gauge');
    await typeQuery('sum(increase(shop_requests_total{job="$job"}[5m]))');
    await page.fill('[data-testid=panel-unit]', 'short');
    await page.fill('[data-testid=panel-grid-w]', '8');
    await page.click('[data-testid=panel-editor-apply]');
    await expect.poll(() => grid().getAttribute('data-all-drawn'), { timeout: 20_000 }).toBe('true');
    expect(await page.locator('[data-panel-title="Requests in the window"]').getAttribute('data-panel-type')).toBe('gauge');
    await page.click('[data-testid=dashboard-settings-toggle]');
    await page.fill('[data-testid=settings-message]', 'second');
    await page.click('[data-testid=dashboard-save]');
    await expect.poll(() => versions().count(), { timeout: 10_000 }).toBe(2);
    const second = await getDashboard();
    expect(second.dashboard.version).toBe(2);
    expect(second.dashboard.panels[1]).toMatchObject({ type: 'gauge', title: 'Requests in the window', gridPos: { x: 12, y: 0, w: 8, h: 8 }, fieldConfig: { defaults: { unit: 'short' } } });
    expect(await versions().evaluateAll((els) => els.map((e) => [e.getAttribute('data-version'), e.querySelectorAll('td')[3]?.textContent]))).toEqual([
      ['2', 'second'],
      ['1', 'first'],
    ]);
    await shot('03-versions');

    await page.locator('[data-testid=dashboard-version][data-version="1"] [data-testid=version-restore]').click();
    await expect.poll(() => versions().count(), { timeout: 10_000 }).toBe(3);
    await expect.poll(() => page.locator('[data-panel-title="Requests per second"]').count(), { timeout: 10_000 }).toBe(1);
    const restored = await getDashboard();
    expect(restored.dashboard.version).toBe(3);
    const { version: _a, ...was } = first!.dashboard;
    const { version: _b, ...now } = restored.dashboard;
    expect(now).toEqual(was);
    await page.reload();
    await expect.poll(() => grid().getAttribute('data-all-drawn'), { timeout: 20_000 }).toBe('true');
    expect(await panels().evaluateAll((els) => els.map((e) => [e.getAttribute('data-panel-type'), e.getAttribute('data-panel-title')]))).toEqual([
      ['timeseries', 'Request rate'],
      ['stat', 'Requests per second'],
    ]);
    await shot('04-restored');
  });

  it('adds an annotation with Ctrl+click on a graph; the built-in annotations show stored ones on their panels', async () => {
    const graph = page.locator('[data-panel-title="Request rate"] [data-testid=graph]');
    const marks = graph.locator('[data-testid=annotation-mark]');
    expect(await marks.count()).toBe(0);
    const box = (await page.locator('[data-panel-title="Request rate"] .u-over').boundingBox())!;
    const before = Date.now();
    // the middle of the last 30 minutes
    await page.locator('[data-panel-title="Request rate"] .u-over').click({ modifiers: ['Control'], position: { x: box.width / 2, y: box.height / 2 } });
    await page.locator('[data-testid=annotation-form]').waitFor();
    await page.fill('[data-testid=annotation-text]', 'Deployed shop v2');
    await page.fill('[data-testid=annotation-tags]', 'deploy, shop');
    await page.click('[data-testid=annotation-save]');
    await page.locator('[data-testid=annotation-form]').waitFor({ state: 'detached' });
    await expect.poll(() => marks.count(), { timeout: 10_000 }).toBe(1);
    expect(await marks.first().getAttribute('title')).toBe('Deployed shop v2\ndeploy, shop');
    await shot('05-annotation');
    const stored = (await (await fetch(`${base}/api/annotations?dashboardUID=${uid}`, { headers: auth })).json()) as { panelId: number; time: number; timeEnd: number; text: string; tags: string[] }[];
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ panelId: 1, text: 'Deployed shop v2', tags: ['deploy', 'shop'] });
    // the click was in the middle of the range: about 15 minutes ago
    expect(stored[0]!.time).toBeGreaterThan(before - 25 * 60_000);
    expect(stored[0]!.time).toBeLessThan(before - 5 * 60_000);
    expect(stored[0]!.timeEnd).toBe(stored[0]!.time);

    // through the API: a dashboard-wide region shows on the graph; one made on another panel does not
    const post = (b: object) => fetch(`${base}/api/annotations`, { method: 'POST', headers: auth, body: JSON.stringify({ dashboardUID: uid, ...b }) });
    expect((await post({ time: before - 10 * 60_000, timeEnd: before - 8 * 60_000, text: 'Maintenance' })).status).toBe(200);
    expect((await post({ panelId: 2, time: before - 12 * 60_000, text: 'On the stat only' })).status).toBe(200);
    await page.reload();
    await expect.poll(() => marks.count(), { timeout: 15_000 }).toBe(2);
    const titles = await marks.evaluateAll((els) => els.map((e) => [e.getAttribute('title'), e.getAttribute('data-end') !== null]));
    expect(titles.sort()).toEqual([
      ['Deployed shop v2\ndeploy, shop', false],
      ['Maintenance', true],
    ]);
  });

  it('narrows every Prometheus query with an ad hoc filter, kept in the URL', async () => {
    const dashboard = {
      uid: 'adhoc-shop',
      title: 'Ad hoc shop',
      time: { from: 'now-30m', to: 'now' },
      panels: [
        { id: 1, type: 'stat', title: 'All requests', gridPos: { x: 0, y: 0, w: 12, h: 6 }, fieldConfig: { defaults: { unit: 'reqps' } }, targets: [{ refId: 'A', expr: 'sum(rate(shop_requests_total[5m]))' }] },
        { id: 2, type: 'stat', title: 'Series', gridPos: { x: 12, y: 0, w: 12, h: 6 }, targets: [{ refId: 'A', expr: 'count(shop_requests_total)' }] },
      ],
      templating: { list: [{ name: 'filters', type: 'adhoc', datasource: { type: 'prometheus' }, filters: [] }] },
    };
    const res = await fetch(`${base}/api/dashboards/db`, { method: 'POST', headers: auth, body: JSON.stringify({ dashboard, overwrite: true }) });
    expect(res.status).toBe(200);
    await page.goto(`${base}/d/adhoc-shop/ad-hoc-shop`);
    await expect.poll(() => grid().getAttribute('data-all-drawn'), { timeout: 20_000 }).toBe('true');
    const value = (title: string) => page.locator(`[data-panel-title="${title}"] [data-testid=stat-value]`).textContent();
    expect(await value('Series')).toBe('4');
    // 2 + 4 + 6 + 8 per second
    expect(reqps(await value('All requests'))).toBeGreaterThan(17);
    const addFilter = async (key: string, operator: string, v: string) => {
      await page.click('[data-testid=adhoc-add]');
      await page.fill('[data-testid=adhoc-key]', key);
      await page.selectOption('[data-testid=adhoc-operator]', operator);
      await page.fill('[data-testid=adhoc-value]', v);
      await page.click('[data-testid=adhoc-apply]');
    };
    await addFilter('instance', '=', 'a:80');
    // instance a:80 of both jobs: 2 + 6 per second, two series
    await expect.poll(() => value('Series'), { timeout: 15_000 }).toBe('2');
    await expect.poll(async () => reqps(await value('All requests')), { timeout: 15_000 }).toBeLessThanOrEqual(8.05);
    expect(reqps(await value('All requests'))).toBeGreaterThan(6.5);
    expect(new URL(page.url()).searchParams.getAll('var-filters')).toEqual(['instance|=|a:80']);
    await shot('06-adhoc');
    // a second filter narrows further; the URL keeps both across a reload
    await addFilter('job', '!=', 'api');
    await expect.poll(() => value('Series'), { timeout: 15_000 }).toBe('1');
    await page.reload();
    await expect.poll(() => grid().getAttribute('data-all-drawn'), { timeout: 20_000 }).toBe('true');
    expect(await value('Series')).toBe('1');
    expect(await page.locator('[data-testid=adhoc-filter]').evaluateAll((els) => els.map((e) => e.getAttribute('data-filter')))).toEqual(['instance=a:80', 'job!=api']);
    // removing them all brings every series back (and stays so on reload: the URL says "no filters")
    await page.locator('[data-testid=adhoc-remove]').first().click();
    await page.locator('[data-testid=adhoc-remove]').first().click();
    await expect.poll(() => value('Series'), { timeout: 15_000 }).toBe('4');
    await page.reload();
    await expect.poll(() => grid().getAttribute('data-all-drawn'), { timeout: 20_000 }).toBe('true');
    expect(await value('Series')).toBe('4');
  });

  it('draws a time series panel with field overrides: names, colours, negative-Y and a right axis', async () => {
    const overrides = [
      { matcher: { id: 'byName', options: 'web' }, properties: [{ id: 'custom.transform', value: 'negative-Y' }, { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }, { id: 'displayName', value: 'web (mirrored)' }] },
      { matcher: { id: 'byFrameRefID', options: 'B' }, properties: [{ id: 'custom.axisPlacement', value: 'right' }, { id: 'unit', value: 'short' }, { id: 'custom.drawStyle', value: 'bars' }] },
    ];
    const targets = [
      { refId: 'A', expr: 'sum by (job) (rate(shop_requests_total[5m]))', legendFormat: '{{job}}' },
      { refId: 'B', expr: 'count(shop_requests_total)', legendFormat: 'series' },
    ];
    const traffic = { id: 1, type: 'timeseries', title: 'Traffic', gridPos: { x: 0, y: 0, w: 24, h: 10 }, fieldConfig: { defaults: { unit: 'reqps' }, overrides }, targets };
    const dashboard = { uid: 'overrides-shop', title: 'Overrides shop', time: { from: 'now-30m', to: 'now' }, panels: [traffic] };
    expect((await fetch(`${base}/api/dashboards/db`, { method: 'POST', headers: auth, body: JSON.stringify({ dashboard, overwrite: true }) })).status).toBe(200);
    await page.goto(`${base}/d/overrides-shop/overrides-shop`);
    await expect.poll(() => grid().getAttribute('data-all-drawn'), { timeout: 20_000 }).toBe('true');
    const legend = page.locator('[data-panel-title=Traffic] .legend-item');
    expect(await legend.locator('.legend-name').allTextContents()).toEqual(['api', 'web (mirrored)', 'series']);
    // Grafana's named red, and values in the legend as they are (positive) in each series' unit
    expect(await legend.nth(1).locator('.swatch').evaluate((e) => (globalThis as unknown as { getComputedStyle: (el: unknown) => { backgroundColor: string } }).getComputedStyle(e).backgroundColor)).toBe('rgb(242, 73, 92)');
    expect(await legend.nth(1).locator('.legend-last').textContent()).toMatch(/^1[0-4](\.\d+)? req\/s$/);
    expect(await legend.nth(2).locator('.legend-last').textContent()).toBe('4');
    const graph = page.locator('[data-panel-title=Traffic] [data-testid=graph]');
    // web is drawn below zero; the series count has its own axis on the right
    expect(Number(await graph.getAttribute('data-y-min'))).toBeLessThan(-10);
    expect(await graph.getAttribute('data-y2-ticks')).toBeTruthy();
    await shot('07-overrides');
  });

  it('resizes and moves panels on the grid with the pointer, pushing the others down, and saves the layout', async () => {
    await page.goto(`${base}/d/adhoc-shop/ad-hoc-shop`);
    await expect.poll(() => grid().getAttribute('data-all-drawn'), { timeout: 20_000 }).toBe('true');
    await page.click('[data-testid=dashboard-edit-toggle]');
    const cells = page.locator('[data-testid=dashboard-cell]');
    expect(await cells.evaluateAll((els) => els.map((e) => e.getAttribute('data-grid')))).toEqual(['0,0,12,6', '12,0,12,6']);
    const gridBox = (await grid().boundingBox())!;
    const col = (gridBox.width + 8) / 24;
    const drag = async (handle: string, cell: number, dx: number, dy: number) => {
      const b = (await cells.nth(cell).locator(`[data-testid=${handle}]`).boundingBox())!;
      await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
      await page.mouse.down();
      // in steps, as a hand moves
      await page.mouse.move(b.x + b.width / 2 + dx / 2, b.y + b.height / 2 + dy / 2, { steps: 4 });
      await page.mouse.move(b.x + b.width / 2 + dx, b.y + b.height / 2 + dy, { steps: 4 });
      await page.mouse.up();
    };
    // "All requests" 12 columns wider and 2 rows taller: "Series" is pushed below it
    await drag('panel-resize', 0, 12 * col, 2 * 38);
    await expect.poll(() => cells.evaluateAll((els) => els.map((e) => e.getAttribute('data-grid')))).toEqual(['0,0,24,8', '12,8,12,6']);
    // "Series" moved to the left edge
    await drag('panel-move', 1, -12 * col, 0);
    await expect.poll(() => cells.evaluateAll((els) => els.map((e) => e.getAttribute('data-grid')))).toEqual(['0,0,24,8', '0,8,12,6']);
    await shot('08-grid-moved');
    await page.click('[data-testid=dashboard-settings-toggle]');
    await page.fill('[data-testid=settings-message]', 'layout');
    await page.click('[data-testid=dashboard-save]');
    await expect.poll(async () => ((await (await fetch(`${base}/api/dashboards/uid/adhoc-shop`, { headers: auth })).json()) as Saved).dashboard.panels.map((p) => p.gridPos), { timeout: 10_000 }).toEqual([
      { x: 0, y: 0, w: 24, h: 8 },
      { x: 0, y: 8, w: 12, h: 6 },
    ]);
  });

  it('edits the JSON model and the links in settings: applied to the page, invalid JSON refused, kept after save and reload', async () => {
    await page.goto(`${base}/d/${uid}/shop-traffic?from=now-30m&to=now`);
    await expect.poll(() => grid().getAttribute('data-all-drawn'), { timeout: 20_000 }).toBe('true');
    await page.click('[data-testid=dashboard-settings-toggle]');
    const json = page.locator('[data-testid=json-model]');
    const model = JSON.parse(await json.inputValue()) as Saved['dashboard'];
    expect(model.uid).toBe(uid);
    expect(model.panels.map((p) => p.title)).toEqual(['Request rate', 'Requests per second']);
    model.title = 'Shop traffic from JSON';
    model.panels[0]!.title = 'Rate from JSON';
    await json.fill(JSON.stringify(model, null, 2));
    await page.click('[data-testid=json-model-apply]');
    await expect.poll(() => page.locator('[data-testid=dashboard-title]').textContent()).toBe('Shop traffic from JSON');
    await expect.poll(() => panels().evaluateAll((els) => els.map((e) => e.getAttribute('data-panel-title')))).toEqual(['Rate from JSON', 'Requests per second']);
    expect(await page.locator('[data-testid=settings-title]').inputValue()).toBe('Shop traffic from JSON');
    expect(await page.locator('[data-testid=json-model-error]').count()).toBe(0);
    await shot('09-json-model');

    // invalid JSON: the reason is shown and nothing changes
    await json.fill('{"title": "Broken",');
    await page.click('[data-testid=json-model-apply]');
    expect(await page.locator('[data-testid=json-model-error]').textContent()).toMatch(/^Invalid JSON: /);
    expect(await page.locator('[data-testid=dashboard-title]').textContent()).toBe('Shop traffic from JSON');
    expect(await panels().evaluateAll((els) => els.map((e) => e.getAttribute('data-panel-title')))).toEqual(['Rate from JSON', 'Requests per second']);
    await shot('10-json-invalid');
    await page.click('[data-testid=json-model-reset]');
    expect(JSON.parse(await json.inputValue())).toMatchObject({ title: 'Shop traffic from JSON' });

    // links: a link keeping the time range, then a second one moved above it
    const addLink = async (title: string, url: string, keepTime: boolean) => {
      await page.click('[data-testid=link-new]');
      await page.fill('[data-testid=link-title]', title);
      await page.fill('[data-testid=link-url]', url);
      if (keepTime) await page.check('[data-testid=link-keepTime]');
      await page.click('[data-testid=link-apply]');
    };
    const bar = page.locator('[data-testid=dashboard-links] [data-testid=dashboard-link-item]');
    await addLink('Ad hoc shop', '/d/adhoc-shop/ad-hoc-shop', true);
    await expect.poll(() => bar.allTextContents()).toEqual(['Ad hoc shop']);
    expect(await bar.first().getAttribute('href')).toBe('/d/adhoc-shop/ad-hoc-shop?from=now-30m&to=now');
    await addLink('Docs', 'https://example.com/docs', false);
    await page.locator('[data-testid=links-editor-item][data-title=Docs] [data-testid=link-up]').click();
    await expect.poll(() => bar.allTextContents()).toEqual(['Docs', 'Ad hoc shop']);
    // the JSON model follows
    expect((JSON.parse(await json.inputValue()) as { links: { title: string }[] }).links.map((l) => l.title)).toEqual(['Docs', 'Ad hoc shop']);
    await shot('11-links');

    await page.fill('[data-testid=settings-message]', 'json model and links');
    await page.click('[data-testid=dashboard-save]');
    const saved = () => getDashboard().then((r) => r.dashboard as Saved['dashboard'] & { links?: { type: string; title: string; url: string; keepTime: boolean }[] });
    await expect.poll(async () => (await saved()).title, { timeout: 10_000 }).toBe('Shop traffic from JSON');
    const after = await saved();
    expect(after.panels.map((p) => p.title)).toEqual(['Rate from JSON', 'Requests per second']);
    expect(after.links?.map((l) => [l.type, l.title, l.url, l.keepTime])).toEqual([
      ['link', 'Docs', 'https://example.com/docs', false],
      ['link', 'Ad hoc shop', '/d/adhoc-shop/ad-hoc-shop', true],
    ]);
    await page.reload();
    await expect.poll(() => grid().getAttribute('data-all-drawn'), { timeout: 20_000 }).toBe('true');
    expect(await page.locator('[data-testid=dashboard-title]').textContent()).toBe('Shop traffic from JSON');
    expect(await bar.allTextContents()).toEqual(['Docs', 'Ad hoc shop']);
    expect(await panels().evaluateAll((els) => els.map((e) => e.getAttribute('data-panel-title')))).toEqual(['Rate from JSON', 'Requests per second']);
    await shot('12-links-reloaded');
  });
});
