/**
 * End to end in a real browser against a running Sightline (`--target all`, every listener on port 0): the UI's
 * self-provisioned datasources point at this process's own Prometheus, Loki and Tempo APIs. Data comes from real
 * clients: OpenTelemetry SDK metrics and traces to the OTLP port, pino-loki log lines to the Loki push API. Debian's
 * Chromium driven by playwright-core signs in, finds the datasources, runs PromQL (completion, graph, legend,
 * tooltip, table, metrics browser, errors, URL state, theme), runs `{namespace="default"} |= "error"`, follows the
 * derived trace_id link to the trace waterfall, jumps from a span to its logs, searches traces and opens the service
 * graph. Screenshots of each step go to dist/test-artifacts/ui-e2e/.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import pinoLoki from 'pino-loki';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';
import { allInOneConfig, artifactsDir, buildWebApp, chromiumAvailable, launchChromium } from './ui-browser.js';
import { requirePeer } from './ui-peers.js';
import { POD, pushLogs, pushMetrics, pushTrace, REGIONS } from './ui-seed.js';

const PASSWORD = 'e2e-admin-password';
const QUERY = 'orders_total{job="checkout"}';

const enabled = requirePeer('Chromium', chromiumAvailable(), 'chromium');

describe.runIf(enabled)('UI end to end in Chromium against sightline --target all', () => {
  let sightline: SpawnedSightline;
  let ports: Record<string, number>;
  let base: string;
  let promUrl: string;
  let lokiUrl: string;
  let tempoUrl: string;
  let otlpHttp: string;
  let traced: { traceId: string; spans: string[] };
  let browser: BrowserContext;
  let page: Page;
  const shots = artifactsDir('ui-e2e');
  let step = 0;
  const shot = async (name: string) => page.screenshot({ path: join(shots, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true });

  beforeAll(async () => {
    const webDir = await buildWebApp();
    const dir = tempDir();
    writeFileSync(join(dir, 'sightline.yaml'), allInOneConfig(webDir, { serviceGraphs: true }));
    sightline = spawnSightline(['--target', 'all', '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')], { GF_SECURITY_ADMIN_PASSWORD: PASSWORD });
    ports = await startedPorts(sightline, 40_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${sightline.stderr()}`);
    });
    base = `http://127.0.0.1:${ports.ui}`;
    promUrl = `http://127.0.0.1:${ports.prometheus}`;
    lokiUrl = `http://127.0.0.1:${ports.loki}`;
    tempoUrl = `http://127.0.0.1:${ports.tempo}`;
    otlpHttp = `http://127.0.0.1:${ports.otlp_http}`;
    const [, t, b] = await Promise.all([pushMetrics(otlpHttp), pushTrace(otlpHttp), launchChromium()]);
    traced = t;
    browser = b;
    await pushLogs(lokiUrl, traced.traceId);
    page = browser.pages()[0] ?? (await browser.newPage());
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    if (sightline && sightline.child.exitCode === null) {
      sightline.child.kill('SIGTERM');
      await sightline.exited;
    }
  });

  it('signs in (a wrong password is refused first)', async () => {
    await page.goto(`${base}/explore`);
    await page.waitForURL(/\/login\?redirect=/);
    await shot('login-page');
    await page.fill('input[name=user]', 'admin');
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('[role=alert]').textContent()).toContain('Invalid username or password');
    await shot('login-refused');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/explore/);
    await expect.poll(() => page.locator('[data-testid=current-user]').textContent()).toContain('admin (Admin)');
    const cookies = await browser.cookies(base);
    const session = cookies.find((c) => c.name === 'sightline_session');
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax' });
    await shot('signed-in');
  });

  it('navigates the app shell: Home with health and snippets, the menu, breadcrumbs, reload and back/forward', async () => {
    await page.goto(`${base}/`);
    const healthy = page.locator('[data-testid=home-health-item].health-OK');
    await expect.poll(() => healthy.count(), { timeout: 10_000 }).toBe(4);
    expect(await page.locator('[data-testid=snippet-remote-write] pre').textContent()).toContain(`${promUrl}/api/v1/write`);
    expect(await page.locator('[data-testid=snippet-loki-push] pre').textContent()).toContain(`${lokiUrl}/loki/api/v1/push`);
    expect(await page.locator('[data-testid=nav-home]').getAttribute('aria-current')).toBe('page');
    await shot('home');
    const crumbs = () => page.locator('[data-testid=breadcrumbs] li').allTextContents();
    // the Prometheus section, fed through the datasource proxy
    await page.click('[data-testid=nav-prometheus-status]');
    await page.waitForURL(/\/prometheus\/status$/);
    expect(await crumbs()).toEqual(['Home', 'Prometheus', 'Runtime & build info']);
    await expect.poll(() => page.locator('[data-testid=buildinfo]').textContent(), { timeout: 10_000 }).toContain('version');
    await page.click('[data-testid=nav-prometheus-targets]');
    await page.waitForURL(/\/prometheus\/targets$/);
    await expect.poll(() => page.locator('[data-testid=targets-page]').textContent(), { timeout: 10_000 }).toContain('No scrape targets');
    expect(await page.locator('[data-testid=nav-prometheus-targets]').getAttribute('aria-current')).toBe('page');
    await shot('prometheus-targets');
    // back/forward and reload keep the page
    await page.goBack();
    await page.waitForURL(/\/prometheus\/status$/);
    await expect.poll(crumbs).toEqual(['Home', 'Prometheus', 'Runtime & build info']);
    await page.goForward();
    await page.waitForURL(/\/prometheus\/targets$/);
    await page.reload();
    await expect.poll(crumbs).toEqual(['Home', 'Prometheus', 'Targets']);
    expect(await page.title()).toBe('Targets - Sightline');
    // a breadcrumb leads to the section's landing page, which lists its pages
    await page.click('[data-testid=breadcrumbs] a:text-is("Prometheus")');
    await page.waitForURL(/\/prometheus$/);
    expect(await page.locator('[data-testid=section-cards] a').allTextContents()).toEqual(['Targets', 'Service discovery', 'Rules', 'Alerts', 'Configuration', 'Flags', 'TSDB status', 'Runtime & build info']);
    // the other sections
    await page.click('[data-testid=nav-users]');
    await expect.poll(() => page.locator('[data-testid=user-list] td').first().textContent(), { timeout: 10_000 }).toBe('admin');
    expect(await crumbs()).toEqual(['Home', 'Administration', 'Users']);
    await page.click('[data-testid=nav-dashboards]');
    // a fresh single-process install has one dashboard: the built-in Sightline health
    await expect.poll(() => page.locator('[data-testid=dashboard-link]').allTextContents(), { timeout: 10_000 }).toEqual(['Sightline health']);
    await page.click('[data-testid=nav-alert-rules]');
    await expect.poll(() => page.locator('[data-testid=alert-rules-page]').textContent(), { timeout: 10_000 }).toContain('No rules in Prometheus');
    await page.goto(`${base}/datasources/edit/loki`);
    await expect.poll(crumbs).toEqual(['Home', 'Connections', 'Data sources', 'Edit']);
    await page.goto(`${base}/no/such/page`);
    await expect.poll(crumbs).toEqual(['Home', 'Page not found']);
    // the menu folds to icons and stays folded across reloads
    await page.click('[data-testid=nav-fold]');
    await page.reload();
    await expect.poll(() => page.locator('[data-testid=sidenav]').getAttribute('class')).toContain('folded');
    expect(await page.locator('[data-testid=nav-explore] .nav-title').isVisible()).toBe(false);
    await page.click('[data-testid=nav-fold]');
    expect(await page.locator('[data-testid=nav-explore] .nav-title').isVisible()).toBe(true);
  });

  it('lists the provisioned datasources and tests one (Save & test)', async () => {
    await page.click('a.nav-link:has-text("Data sources")');
    await page.waitForURL(/\/datasources$/);
    await expect.poll(() => page.locator('[data-testid=datasource-list] .ds-name').allTextContents()).toEqual(['Alertmanager', 'Loki', 'Prometheus', 'Tempo']);
    await shot('datasources');
    await page.click('.ds-card a:has-text("Prometheus")');
    await page.waitForURL(/\/datasources\/edit\/prometheus$/);
    await page.click('button:has-text("Test")');
    await expect.poll(() => page.locator('[data-testid=health-result]').textContent()).toBe('Successfully queried the Prometheus API.');
    await shot('datasource-test-ok');
    // add one in the form, Save & test against the real Prometheus, then delete it
    await page.goto(`${base}/datasources`);
    await page.click('button:has-text("Add data source")');
    await page.waitForURL(/\/datasources\/new$/);
    await page.fill('input[name=name]', 'Second Prometheus');
    await page.fill('input[name=url]', promUrl);
    await page.click('button:has-text("Save & test")');
    await expect.poll(() => page.locator('[data-testid=health-result]').textContent()).toBe('Successfully queried the Prometheus API.');
    await page.waitForURL(/\/datasources\/edit\/second-prometheus$/);
    await shot('datasource-added');
    page.once('dialog', (d) => void d.accept());
    await page.click('button:has-text("Delete")');
    await page.waitForURL(/\/datasources$/);
    await expect.poll(() => page.locator('[data-testid=datasource-list] .ds-name').allTextContents()).toEqual(['Alertmanager', 'Loki', 'Prometheus', 'Tempo']);
    await page.goto(`${base}/datasources/edit/loki`);
    await page.click('button:has-text("Test")');
    await expect.poll(() => page.locator('[data-testid=health-result]').textContent()).toBe('Data source successfully connected.');
    await page.goto(`${base}/datasources/edit/tempo`);
    await page.click('button:has-text("Test")');
    await expect.poll(() => page.locator('[data-testid=health-result]').textContent()).toBe('Data source is working');
  });

  it('runs PromQL in Explore: completion, graph with one legend entry per series, tooltip, table', async () => {
    const expected = (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(QUERY)}`)).json()) as { data: { result: { metric: Record<string, string> }[] } };
    const regions = expected.data.result.map((s) => s.metric.region).sort();
    expect(regions).toEqual(REGIONS);

    await page.goto(`${base}/explore?from=now-1m&to=now`);
    const editor = page.locator('[data-testid=promql-editor] .cm-content');
    await editor.click();
    // completion of metric names comes from Prometheus through the proxy
    await page.keyboard.type('orders_to');
    await expect.poll(() => page.locator('.cm-tooltip-autocomplete').textContent(), { timeout: 10_000 }).toContain('orders_total');
    await shot('promql-completion');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(QUERY);
    await page.fill('[data-testid=legend-format]', '{{region}}');
    // the samples are seconds old: a 1s step (the datasource's 15s would align the last step before them)
    await page.fill('input[placeholder=auto]', '1s');
    await page.click('[data-testid=run-query]');
    const legend = page.locator('[data-testid=graph-legend] .legend-name');
    await expect.poll(() => legend.count(), { timeout: 10_000 }).toBe(regions.length);
    expect((await legend.allTextContents()).sort()).toEqual(regions);
    // the canvas has lines drawn on it
    // (a string, evaluated in the page: this file is type-checked without the DOM library)
    const painted = (await page.evaluate(`(() => {
      const c = document.querySelector('[data-testid=graph] canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return { w: c.width, h: c.height, n };
    })()`)) as { w: number; h: number; n: number };
    expect(painted.w).toBeGreaterThan(300);
    expect(painted.n).toBeGreaterThan(500);
    // hovering shows a tooltip with the series' values
    const over = await page.locator('.u-over').boundingBox();
    await page.mouse.move(over!.x + over!.width - 3, over!.y + over!.height / 2);
    await expect.poll(() => page.locator('[data-testid=graph-tooltip] .tt-row').count()).toBeGreaterThan(0);
    await shot('explore-graph');
    expect(await page.locator('[data-testid=query-inspector] summary').textContent()).toBe('Query inspector');

    // the URL holds the view: a reload reproduces it
    const url = new URL(page.url());
    expect(url.searchParams.get('expr')).toBe(QUERY);
    expect(url.searchParams.get('legend')).toBe('{{region}}');
    expect(url.searchParams.get('ds')).toBe('prometheus');
    await page.reload();
    await expect.poll(() => page.locator('[data-testid=graph-legend] .legend-name').count(), { timeout: 10_000 }).toBe(regions.length);

    await page.click('.seg button:has-text("Table")');
    await expect.poll(() => page.locator('[data-testid=result-table] tbody tr').count()).toBe(regions.length);
    await shot('explore-table');
    await page.click('.seg button:has-text("Instant")');
    await expect.poll(() => page.locator('[data-testid=result-table] tbody tr').count()).toBe(regions.length);
    expect(new URL(page.url()).searchParams.get('qt')).toBe('instant');
  });

  it('builds a selector in the metrics browser from the metrics API', async () => {
    await page.goto(`${base}/explore?ds=prometheus&from=now-5m&to=now&step=1s`);
    await page.click('[data-testid=metrics-browser-toggle]');
    await page.fill('[data-testid=mb-filter]', 'orders');
    await page.click('[data-testid=mb-metrics] li:text-is("orders_total")');
    await page.click('[data-testid=mb-labels] li:has-text("region")');
    await page.click('[data-testid=mb-values] li:text-is("eu")');
    await page.click('[data-testid=mb-values] li:text-is("us")');
    const selector = 'orders_total{region=~"eu|us"}';
    expect(await page.locator('[data-testid=mb-selector]').textContent()).toBe(selector);
    await shot('metrics-browser');
    await page.click('button:has-text("Use query")');
    const expected = (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(selector)}`)).json()) as { data: { result: unknown[] } };
    expect(expected.data.result.length).toBe(2);
    await expect.poll(() => page.locator('[data-testid=graph-legend] .legend-name').count(), { timeout: 10_000 }).toBe(2);
    expect(new URL(page.url()).searchParams.get('expr')).toBe(selector);
  });

  it('shows PromQL errors as Prometheus gives them', async () => {
    await page.goto(`${base}/explore?ds=prometheus&expr=${encodeURIComponent('sum(rate(x[5m])')}&from=now-5m&to=now`);
    const err = page.locator('[data-testid=query-error]');
    await expect.poll(() => err.textContent(), { timeout: 10_000 }).toMatch(/^bad_data: .*parse error/);
    await shot('explore-error');
  });

  it('changes the time range in now-notation and switches theme', async () => {
    await page.goto(`${base}/explore?ds=prometheus&expr=${encodeURIComponent('sum by (region) (orders_total)')}&step=1s`);
    await page.click('[data-testid=time-range-button]');
    await page.fill('[data-testid=time-from]', 'now-5m');
    await page.fill('[data-testid=time-to]', 'now');
    await page.click('button:has-text("Apply time range")');
    await page.waitForURL(/from=now-5m/);
    expect(await page.locator('[data-testid=time-range-button]').textContent()).toBe('Last 5 minutes');
    await expect.poll(() => page.locator('[data-testid=graph-legend] .legend-name').allTextContents()).toEqual(REGIONS.map((r) => `{region="${r}"}`));
    await page.click('[data-testid=time-range-button]');
    await page.fill('[data-testid=time-from]', 'yesterday-ish');
    await page.click('button:has-text("Apply time range")');
    expect(await page.locator('.trp-pop .alert.error').textContent()).toContain('invalid time');
    await page.keyboard.press('Escape');
    const before = await page.getAttribute('html', 'data-theme');
    await page.click('button[aria-label="Toggle theme"]');
    const after = await page.getAttribute('html', 'data-theme');
    expect(after).not.toBe(before);
    await shot(`theme-${after}`);
  });

  it('issue 18 #1: a quick range chosen before the first run keeps the query and legend, and runs them', async () => {
    const expr = 'sum by (region) (orders_total)';
    await page.goto(`${base}/explore?ds=prometheus&step=1s`);
    const editor = page.locator('[data-testid=promql-editor] .cm-content');
    await editor.click();
    await page.keyboard.type(expr);
    await page.keyboard.press('Escape');
    await page.fill('[data-testid=legend-format]', '{{region}}');
    await page.click('[data-testid=time-range-button]');
    await page.click('.trp-quick button:has-text("Last 5 minutes")');
    await page.waitForURL(/from=now-5m/);
    expect(await editor.textContent()).toBe(expr);
    expect(await page.inputValue('[data-testid=legend-format]')).toBe('{{region}}');
    expect(new URL(page.url()).searchParams.get('expr')).toBe(expr);
    await expect.poll(() => page.locator('[data-testid=graph-legend] .legend-name').allTextContents(), { timeout: 10_000 }).toEqual(REGIONS);
    // the same in a Loki pane
    await page.goto(`${base}/explore?ds=loki`);
    const logql = page.locator('[data-testid=logql-editor] .cm-content');
    await logql.click();
    await page.keyboard.type('{app="shop');
    await page.keyboard.press('Escape');
    await page.click('[data-testid=time-range-button]');
    await page.click('.trp-quick button:has-text("Last 15 minutes")');
    await page.waitForURL(/from=now-15m/);
    expect(await logql.textContent()).toBe('{app="shop"}');
    await expect.poll(() => page.locator('[data-testid=log-rows] li').count(), { timeout: 10_000 }).toBeGreaterThan(0);
  });

  it('issue 18 #2: the completion popup closes on Shift+Enter and does not open after the editor lost focus', async () => {
    await page.goto(`${base}/explore?ds=prometheus&from=now-5m&to=now&step=1s`);
    const editor = page.locator('[data-testid=promql-editor] .cm-content');
    const popup = page.locator('.cm-tooltip-autocomplete');
    await editor.click();
    await page.keyboard.type('orders_tota');
    await expect.poll(() => popup.count(), { timeout: 10_000 }).toBe(1);
    await page.keyboard.press('Shift+Enter');
    await page.waitForURL(/expr=orders_tota/);
    await expect.poll(() => popup.count()).toBe(0);
    await expect.poll(() => page.locator('[data-testid=result-meta]').count(), { timeout: 10_000 }).toBe(1);
    await page.waitForTimeout(300);
    expect(await popup.count()).toBe(0);
    // focus leaves right after typing: no popup appears later, over the results
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('sum(orders_total)', { delay: 5 });
    await page.locator('[data-testid=legend-format]').focus();
    await page.waitForTimeout(800);
    expect(await popup.count()).toBe(0);
    await page.click('[data-testid=run-query]');
    await page.click('.seg button:has-text("Table")');
    await page.waitForTimeout(300);
    expect(await popup.count()).toBe(0);
  });

  it('runs {namespace="default"} |= "error" over pino-loki lines and follows the derived trace_id link to the waterfall', async () => {
    await page.goto(`${base}/explore?ds=loki&expr=${encodeURIComponent('{namespace="default"} |= "error"')}&from=now-15m&to=now`);
    const rows = page.locator('[data-testid=log-rows] li');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(3);
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-level')))).toEqual(['info', 'warning', 'error']);
    expect((await page.locator('[data-testid=log-rows] .log-line').allTextContents()).join('\n')).toContain(`"trace_id":"${traced.traceId}"`);
    await shot('logs');
    // "show context" of the error line: its stream's neighbours; without the `level` label, the pod's other lines too
    await rows.nth(2).locator('.log-main').click();
    await rows.nth(2).locator('[data-testid=show-context]').click();
    const ctx = page.locator('[data-testid=log-context-rows] .log-line');
    await expect.poll(() => ctx.allTextContents(), { timeout: 10_000 }).toEqual([expect.stringContaining('payment error: card declined')]);
    await page.uncheck('[data-testid=context-label-level]');
    await expect.poll(() => page.locator('[data-testid=log-context-selector]').textContent()).toBe(`{app="shop", namespace="default", pod="${POD}"}`);
    await expect.poll(async () => (await ctx.allTextContents()).map((l) => (JSON.parse(l) as { msg: string }).msg), { timeout: 10_000 }).toEqual(['cart ok', 'payment error: card declined', 'slow response, error budget at 80%', 'retrying after error']);
    expect(await page.locator('[data-testid=log-context-rows] li.context-anchor .log-line').textContent()).toContain('payment error');
    await shot('log-context');
    await rows.nth(2).locator('[data-testid=show-context]').click();
    await expect.poll(() => page.locator('[data-testid=log-context]').count()).toBe(0);
    // the derived trace_id link opens the trace beside the logs (split view)
    await page.click('[data-testid=derived-link]');
    await page.waitForURL(/split=/);
    const split = () => new URLSearchParams(new URL(page.url()).searchParams.get('split') ?? '');
    expect([split().get('ds'), split().get('expr')]).toEqual(['tempo', traced.traceId]);
    expect(new URL(page.url()).searchParams.get('ds')).toBe('loki');
    const right = page.locator('[data-testid=explore-pane-right]');
    const spanNames = right.locator('[data-testid=trace-waterfall] [data-testid=span-row] .span-name');
    await expect.poll(() => spanNames.count(), { timeout: 10_000 }).toBe(traced.spans.length);
    expect(await spanNames.allTextContents()).toEqual(traced.spans);
    // the failing span is highlighted; its details show attributes, the event and the link
    const failing = right.locator('[data-testid=span-row].span-error');
    expect(await failing.locator('.span-name').allTextContents()).toEqual(['authorize']);
    await failing.click();
    const details = right.locator('[data-testid=span-details]');
    await expect.poll(() => details.textContent()).toContain('acc-42');
    expect(await details.textContent()).toContain('fraud check');
    expect(await details.textContent()).toContain('insufficient funds');
    expect(await details.locator('[data-testid=span-link]').count()).toBe(1);
    await shot('split-logs-trace');
    // the tree collapses: hiding the children of `charge card` leaves two rows
    await right.locator('[data-testid=span-row]:has(.span-name:text-is("charge card")) [data-testid=span-toggle]').click();
    await expect.poll(() => spanNames.allTextContents()).toEqual(['POST /pay', 'charge card']);
    await right.locator('[data-testid=span-row]:has(.span-name:text-is("charge card")) [data-testid=span-toggle]').click();
    await expect.poll(() => spanNames.count()).toBe(traced.spans.length);
    // from a span to its logs (tracesToLogs: tags pod, namespace from the span's Kubernetes attributes), in the other pane
    await right.locator('[data-testid=span-row]:has(.span-name:text-is("POST /pay"))').click();
    // tracesToMetrics of the provisioned Tempo datasource (no queries: Grafana's default latency query) is offered too
    expect(await right.locator('[data-testid=span-metrics]').allTextContents()).toEqual(['Request latency']);
    await right.locator('[data-testid=span-metrics]').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('ds')).toBe('prometheus');
    expect(new URL(page.url()).searchParams.get('expr')).toBe('histogram_quantile(0.9, sum(rate(traces_spanmetrics_latency_bucket{}[5m])) by (le))');
    await right.locator('[data-testid=span-logs]').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('expr')).toBe(`{pod="${POD}", namespace="default"} |= "${traced.traceId}"`);
    await expect.poll(() => page.locator('[data-testid=explore-pane-left] [data-testid=log-rows] li').count(), { timeout: 10_000 }).toBe(1);
    await shot('span-to-logs');
    await page.click('[data-testid=split-close]');
    await expect.poll(() => new URL(page.url()).searchParams.has('split')).toBe(false);
  });

  it('issue 18 #3: log volume counts only the lines the query keeps, by level, on a y-axis from 0', async () => {
    await page.goto(`${base}/explore?ds=loki&expr=${encodeURIComponent('{app="shop"} |= "error"')}&from=now-15m&to=now`);
    const rows = page.locator('[data-testid=log-rows] li');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(3);
    const volume = page.locator('[data-testid=log-volume]');
    await expect.poll(() => volume.getAttribute('data-total'), { timeout: 10_000 }).toBe('3');
    expect(await volume.locator('[data-testid=graph-legend] .legend-name').allTextContents()).toEqual(['error', 'warning', 'info']);
    expect(await volume.locator('[data-testid=graph]').getAttribute('data-y-min')).toBe('0');
    await shot('log-volume');
  });

  it('issue 18 #4, #5: the trace view has a header and minimap, readable duration labels and cut names with an ellipsis; span logs keep to the trace', async () => {
    const split = new URLSearchParams({ ds: 'tempo', expr: traced.traceId, from: 'now-15m', to: 'now' });
    await page.goto(`${base}/explore?ds=loki&expr=${encodeURIComponent('{app="shop"}')}&from=now-15m&to=now&split=${encodeURIComponent(split.toString())}`);
    const right = page.locator('[data-testid=explore-pane-right]');
    const spanRows = right.locator('[data-testid=span-row]');
    await expect.poll(() => spanRows.count(), { timeout: 10_000 }).toBe(traced.spans.length);
    const header = right.locator('[data-testid=trace-header]');
    expect(await header.textContent()).toContain('shop: POST /pay');
    expect(await header.locator('[data-testid=trace-span-count]').textContent()).toBe('5');
    expect(await header.textContent()).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect(await right.locator('[data-testid=trace-minimap] [data-testid=minimap-viewport]').count()).toBe(1);
    // duration labels beside their bars, not over them, and inside the timeline
    const boxes = (await spanRows.evaluateAll((els) =>
      els.map((row) => {
        const r = (sel: string) => row.querySelector(sel)!.getBoundingClientRect();
        const [bar, dur, line] = [r('.span-bar'), r('.wf-dur'), r('.wf-timeline')];
        return { bar: [bar.left, bar.right, bar.top, bar.bottom], dur: [dur.left, dur.right, dur.top, dur.bottom], line: [line.left, line.right] };
      }),
    )) as { bar: number[]; dur: number[]; line: number[] }[];
    for (const b of boxes) {
      // beside the bar, or (a bar across the whole row) wholly inside it, never across its edge
      const overlaps = b.dur[0]! < b.bar[1]! && b.dur[1]! > b.bar[0]! && b.dur[2]! < b.bar[3]! && b.dur[3]! > b.bar[2]!;
      const inside = b.dur[0]! >= b.bar[0]! && b.dur[1]! <= b.bar[1]! && b.dur[2]! >= b.bar[2]! - 0.5 && b.dur[3]! <= b.bar[3]! + 0.5;
      expect(!overlaps || inside, JSON.stringify(b)).toBe(true);
      expect(b.dur[0]).toBeGreaterThanOrEqual(b.line[0]! - 0.5);
      expect(b.dur[1]).toBeLessThanOrEqual(b.line[1]! + 0.5);
    }
    // a name too long for its column ends in an ellipsis and keeps the full name as a tooltip
    const names = (await right.locator('[data-testid=span-row] .span-name').evaluateAll((els) =>
      els.map((e) => ({ overflow: (globalThis as unknown as { getComputedStyle(el: unknown): { textOverflow: string } }).getComputedStyle(e).textOverflow, title: e.getAttribute('title'), text: e.textContent })),
    )) as { overflow: string; title: string; text: string }[];
    for (const n of names) expect(n).toEqual({ overflow: 'ellipsis', title: n.text, text: n.text });
    await shot('trace-view-split');
    // logs for a span: that trace's lines only, the trace ID marked; the time button shows dates, not epoch ms
    await right.locator('[data-testid=span-row]:has(.span-name:text-is("POST /pay"))').click();
    // tracesToMetrics of the provisioned Tempo datasource (no queries: Grafana's default latency query) is offered too
    expect(await right.locator('[data-testid=span-metrics]').allTextContents()).toEqual(['Request latency']);
    await right.locator('[data-testid=span-metrics]').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('ds')).toBe('prometheus');
    expect(new URL(page.url()).searchParams.get('expr')).toBe('histogram_quantile(0.9, sum(rate(traces_spanmetrics_latency_bucket{}[5m])) by (le))');
    await right.locator('[data-testid=span-logs]').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('expr')).toBe(`{pod="${POD}", namespace="default"} |= "${traced.traceId}"`);
    const left = page.locator('[data-testid=explore-pane-left]');
    await expect.poll(() => left.locator('[data-testid=log-rows] li').count(), { timeout: 10_000 }).toBe(1);
    expect(await left.locator('[data-testid=log-rows] mark').first().textContent()).toBe(traced.traceId);
    const button = (await left.locator('[data-testid=time-range-button]').textContent()) ?? '';
    expect(button).not.toMatch(/\d{12}/);
    expect(button).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d/);
    await shot('span-logs');
  });

  it('draws only the waterfall rows in view for a 1,500-span trace, the others as spacers; scrolling brings them in', async () => {
    const SPANS = 1500;
    const traceId = 'b16b16b16b16b16b16b16b16b16b16b1';
    const t0 = BigInt(Date.now() - 30_000) * 1_000_000n;
    const id = (i: number) => (i + 1).toString(16).padStart(16, '0');
    const spans = Array.from({ length: SPANS }, (_, i) => ({
      traceId,
      spanId: id(i),
      ...(i === 0 ? {} : { parentSpanId: id(Math.floor((i - 1) / 4)) }),
      name: `step-${i}`,
      kind: 1,
      startTimeUnixNano: String(t0 + BigInt(i) * 1_000_000n),
      endTimeUnixNano: String(t0 + BigInt(i) * 1_000_000n + 500_000n),
    }));
    const r = await fetch(`${otlpHttp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'big' } }] }, scopeSpans: [{ scope: { name: 'e2e' }, spans }] }] }),
    });
    expect(r.status).toBe(200);
    await page.goto(`${base}/explore?ds=tempo&expr=${traceId}&from=now-15m&to=now`);
    const waterfall = page.locator('[data-testid=trace-waterfall]');
    await expect.poll(() => waterfall.getAttribute('data-rows'), { timeout: 15_000 }).toBe(String(SPANS));
    const rows = page.locator('[data-testid=span-row]');
    const drawn = await rows.count();
    expect(drawn).toBeGreaterThan(10);
    expect(drawn).toBeLessThan(200);
    // the page is as tall as every row: the spacers stand for the rows not drawn
    const listHeight = await page.locator('[data-testid=wf-rows]').evaluate((el) => el.getBoundingClientRect().height);
    expect(listHeight).toBeGreaterThanOrEqual(SPANS * 26);
    // the last row comes in when scrolled to the end (tree order: the last span is a leaf of the last branch)
    await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
    await expect.poll(() => rows.last().getAttribute('data-row-index')).toBe(String(SPANS - 1));
    expect(await rows.count()).toBeLessThan(200);
    expect(await rows.first().getAttribute('data-row-index')).not.toBe('0');
    // a span selected down there opens its details in place
    await rows.last().click();
    await expect.poll(() => page.locator('[data-testid=span-details]').count()).toBe(1);
    expect(await page.locator('[data-testid=span-details]').textContent()).toContain('step-');
  });

  it('tails logs live over the tail WebSocket as pino-loki pushes them', async () => {
    await page.goto(`${base}/explore?ds=loki&expr=${encodeURIComponent(`{app="shop"}`)}&from=now-15m&to=now`);
    await page.click('[data-testid=live-tail]');
    await expect.poll(() => page.locator('[data-testid=live-status]').count()).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    const stream = pinoLoki({ host: lokiUrl, batching: false, labels: { namespace: 'default', pod: POD, app: 'shop' } });
    pino({ base: undefined }, stream).error('live one');
    await new Promise<void>((r) => stream.end(r));
    await expect.poll(async () => (await page.locator('[data-testid=log-rows] .log-line').allTextContents()).some((l) => l.includes('live one')), { timeout: 10_000 }).toBe(true);
    await shot('live-tail');
    await page.click('[data-testid=live-tail]');
  });

  it('searches traces by service, span name, tags and duration, and by TraceQL', async () => {
    // switching a PromQL pane to Tempo starts on the empty search form
    await page.goto(`${base}/explore?ds=prometheus&expr=up&from=now-15m&to=now`);
    await page.selectOption('[data-testid=datasource-picker]', 'tempo');
    await expect.poll(() => page.locator('[data-testid=trace-search]').count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('expr')).toBeNull();
    await page.goto(`${base}/explore?ds=tempo&tq=search&from=now-15m&to=now`);
    await expect.poll(() => page.locator('[data-testid=search-service] option').allTextContents(), { timeout: 10_000 }).toEqual(expect.arrayContaining(['bank', 'shop']));
    await page.selectOption('[data-testid=search-service]', 'bank');
    await page.fill('[data-testid=search-span]', 'authorize');
    await page.fill('[data-testid=search-tags]', 'bank.account=acc-42');
    await page.fill('[data-testid=search-min-duration]', '10ms');
    await page.click('[data-testid=run-search]');
    const results = page.locator('[data-testid=trace-results] tbody tr');
    await expect.poll(() => results.count(), { timeout: 10_000 }).toBe(1);
    expect(await results.first().locator('td').first().textContent()).toBe(traced.traceId);
    expect(await results.first().textContent()).toContain('shop');
    await shot('trace-search');
    // no trace is that slow
    await page.fill('[data-testid=search-min-duration]', '10s');
    await page.click('[data-testid=run-search]');
    await expect.poll(() => page.locator('[data-testid=trace-results-empty]').count()).toBe(1);

    // the TraceQL editor: an attribute name, then one of its values, completed from Tempo through the proxy
    await page.goto(`${base}/explore?ds=tempo&tq=traceql&from=now-15m&to=now`);
    const tql = page.locator('[data-testid=traceql-editor] .cm-content');
    await tql.click();
    await page.keyboard.type('{ resource.service.na');
    const completions = page.locator('.cm-tooltip-autocomplete li');
    await expect.poll(() => completions.allTextContents(), { timeout: 10_000 }).toContain('resource.service.name');
    // CodeMirror takes keys for a completion list only after its interaction delay (75 ms)
    await page.waitForTimeout(200);
    await page.keyboard.press('Enter');
    await expect.poll(() => tql.textContent()).toBe('{ resource.service.name}');
    await page.keyboard.type(' = "ba');
    await expect.poll(() => completions.allTextContents(), { timeout: 10_000 }).toEqual(['"bank"']);
    await shot('traceql-completion');
    await page.waitForTimeout(200);
    await page.keyboard.press('Enter');
    await expect.poll(() => tql.textContent()).toBe('{ resource.service.name = "bank"}');
    // the grammar highlights the string on its own
    expect(await tql.locator('span:text-is("\\"bank\\"")').count()).toBe(1);
    await page.keyboard.press('Shift+Enter');
    await expect.poll(() => results.count(), { timeout: 10_000 }).toBe(1);
    expect(await results.first().locator('td').first().textContent()).toBe(traced.traceId);
    expect(new URL(page.url()).searchParams.get('expr')).toBe('{ resource.service.name = "bank"}');
    await shot('traceql-results');

    await page.goto(`${base}/explore?ds=tempo&tq=traceql&expr=${encodeURIComponent('{ status = error && resource.service.name = "bank" }')}&from=now-15m&to=now`);
    await expect.poll(() => tql.textContent()).toBe('{ status = error && resource.service.name = "bank" }');
    await expect.poll(() => results.count(), { timeout: 10_000 }).toBe(1);
    await results.first().locator('a').first().click();
    await expect.poll(() => page.locator('[data-testid=trace-waterfall] [data-testid=span-row]').count(), { timeout: 10_000 }).toBe(traced.spans.length);
    expect(new URL(page.url()).searchParams.get('expr')).toBe(traced.traceId);
    await shot('traceql-to-trace');
  });

  it('opens the service graph from the service-graph metrics', async () => {
    // a second trace, so that the metrics generator's counter for the edge shop → bank rises within the range
    // (the graph shows rates over the range, and a counter seen at one value only has none)
    await pushTrace(otlpHttp);
    await waitFor(async () => {
      const q = 'sum(traces_service_graph_request_total{client="shop", server="bank"})';
      const r = (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: { value: [number, string] }[] } };
      return Number(r.data.result[0]?.value[1] ?? 0) >= 2;
    }, 15_000, 'service graph counter at 2');
    await page.goto(`${base}/explore?ds=tempo&tq=servicemap&from=now-15m&to=now`);
    const graph = page.locator('[data-testid=service-graph]');
    await expect.poll(() => graph.locator('[data-testid=sg-node] .sg-name').allTextContents(), { timeout: 10_000 }).toEqual(['bank', 'shop']);
    expect(await graph.locator('[data-testid=sg-edge]').evaluateAll((els) => els.map((e) => e.getAttribute('data-edge')))).toEqual(['shop→bank']);
    expect(await graph.locator('[data-testid=sg-node]:has(.sg-name:text-is("bank")) .sg-failed').textContent()).toMatch(/100(\.0)?% failed/);
    // rates over the range, not counter totals
    const edgeLabel = (await graph.locator('[data-testid=sg-edge] .sg-edge-label').textContent()) ?? '';
    expect(edgeLabel).toMatch(/^[\d.e-]+ req\/s/);
    expect(await graph.locator('[data-testid=sg-edge] .sg-edge-label title').textContent()).toMatch(/^[\d.e-]+ req\/s, [\d.e-]+ failed\/s$/);
    expect(Number(edgeLabel.split(' ')[0])).toBeGreaterThan(0);
    expect(Number(edgeLabel.split(' ')[0])).toBeLessThan(1);
    await shot('service-graph');
    void tempoUrl;
  });

  it('issue 18 #6: the trace search form is in the URL and restored on reload; a service-graph node opens its spans and rates; the graph uses the width', async () => {
    await page.goto(`${base}/explore?ds=tempo&tq=search&from=now-15m&to=now`);
    await expect.poll(() => page.locator('[data-testid=search-service] option').allTextContents(), { timeout: 10_000 }).toEqual(expect.arrayContaining(['bank', 'shop']));
    await page.selectOption('[data-testid=search-service]', 'bank');
    await page.fill('[data-testid=search-span]', 'authorize');
    await page.fill('[data-testid=search-min-duration]', '10ms');
    await page.click('[data-testid=run-search]');
    const results = page.locator('[data-testid=trace-results] tbody tr');
    const traceIds = () => results.locator('td:first-child').allTextContents();
    await expect.poll(traceIds, { timeout: 10_000 }).toContain(traced.traceId);
    const found = (await traceIds()).sort();
    const url = new URL(page.url());
    expect(url.searchParams.get('tq')).toBe('search');
    expect(Object.fromEntries(new URLSearchParams(url.searchParams.get('expr') ?? ''))).toEqual({ service: 'bank', span: 'authorize', minDuration: '10ms' });
    // a reload (or the link opened elsewhere) brings back the form and runs the search
    await page.reload();
    await expect.poll(async () => (await traceIds()).sort(), { timeout: 10_000 }).toEqual(found);
    await expect.poll(() => page.locator('[data-testid=search-service]').inputValue()).toBe('bank');
    expect(await page.locator('[data-testid=search-span]').inputValue()).toBe('authorize');
    expect(await page.locator('[data-testid=search-min-duration]').inputValue()).toBe('10ms');

    await page.goto(`${base}/explore?ds=tempo&tq=servicemap&from=now-15m&to=now`);
    const graph = page.locator('[data-testid=service-graph]');
    await expect.poll(() => graph.locator('[data-testid=sg-node] .sg-name').allTextContents(), { timeout: 10_000 }).toEqual(['bank', 'shop']);
    // drawn across the pane, not in a corner: the svg spans the pane and the two columns are far apart
    const paneWidth = await page.locator('.service-graph-box').evaluate((el) => el.clientWidth);
    const svgBox = (await graph.boundingBox())!;
    expect(svgBox.width).toBeGreaterThan(paneWidth * 0.95);
    const xs = await graph.locator('[data-testid=sg-node] circle.sg-ok').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().x));
    expect(Math.abs(xs[0] - xs[1])).toBeGreaterThan(paneWidth * 0.6);
    // zoom and pan, as Grafana's node graph: the buttons and the wheel scale the nodes, dragging the background moves them
    const nodeBox = () => graph.locator('[data-testid=sg-node] circle.sg-ok').first().evaluate((e) => { const r = e.getBoundingClientRect(); return { x: r.x, w: r.width }; });
    const before = await nodeBox();
    await page.locator('[data-testid=sg-zoom-in]').click();
    await expect.poll(async () => (await nodeBox()).w).toBeGreaterThan(before.w * 1.2);
    await graph.hover({ position: { x: 20, y: 20 } });
    await page.mouse.wheel(0, 300);
    await expect.poll(async () => (await nodeBox()).w).toBeLessThan(before.w * 1.1);
    await page.locator('[data-testid=sg-zoom-reset]').click();
    await expect.poll(() => graph.getAttribute('data-view')).toBe('0.0,0.0,1.000');
    await page.mouse.move(svgBox.x + 10, svgBox.y + 10);
    await page.mouse.down();
    await page.mouse.move(svgBox.x + 60, svgBox.y + 30, { steps: 5 });
    await page.mouse.up();
    await expect.poll(async () => (await nodeBox()).x).toBeGreaterThan(before.x + 40);
    await page.locator('[data-testid=sg-zoom-reset]').click();
    await graph.locator('[data-testid=sg-node]:has(.sg-name:text-is("bank"))').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('expr')).toBe('bank');
    expect(await graph.locator('[data-testid=sg-node]:has(.sg-name:text-is("bank"))').getAttribute('aria-pressed')).toBe('true');
    const details = page.locator('[data-testid=sg-details]');
    expect(await details.locator('h3').textContent()).toBe('bank');
    await expect.poll(() => details.locator('[data-testid=trace-results] tbody tr td:first-child').allTextContents(), { timeout: 10_000 }).toContain(traced.traceId);
    await expect.poll(() => details.locator('[data-testid=sg-rate-summary]').textContent(), { timeout: 10_000 }).toMatch(/^[\d.e-]+ req\/s, [\d.e-]+ errors\/s/);
    expect(await details.locator('[data-testid=sg-rates] canvas').count()).toBeGreaterThan(0);
    await shot('service-graph-selected');
    await details.locator('text=Open in TraceQL').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('tq')).toBe('traceql');
    expect(new URL(page.url()).searchParams.get('expr')).toBe('{resource.service.name="bank"}');
    await expect.poll(() => results.count(), { timeout: 10_000 }).toBeGreaterThan(0);
  });

  it('issue 18 #10: adds, edits and removes a scrape job on the Targets page and sees its target up without a restart', async () => {
    const exposition = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end('# TYPE shop_exporter_up gauge\nshop_exporter_up 1\n');
    });
    await new Promise<void>((r) => exposition.listen(0, '127.0.0.1', r));
    const target = `127.0.0.1:${(exposition.address() as AddressInfo).port}`;
    try {
      await page.goto(`${base}/prometheus/targets`);
      await page.click('text=Add scrape job');
      await page.fill('form[aria-label="Scrape job"] input[name=job_name]', 'shop-exporter');
      await page.fill('form[aria-label="Scrape job"] input[name=targets]', target);
      await page.fill('form[aria-label="Scrape job"] input[name=labels]', 'env=dev');
      await page.fill('form[aria-label="Scrape job"] input[name=scrape_interval]', '1s');
      await page.click('form[aria-label="Scrape job"] button[type=submit]');
      await expect.poll(() => page.locator('[data-testid=scrape-job-row]').allTextContents()).toEqual([expect.stringContaining('shop-exporter')]);
      const pool = page.locator('[data-testid=scrape-pool]:has(h3:text("shop-exporter"))');
      await expect.poll(() => pool.locator('[data-testid=target-row]').textContent(), { timeout: 15_000 }).toContain('UP');
      expect(await pool.locator('[data-testid=target-row]').textContent()).toContain('env="dev"');
      await shot('targets-scrape-job');
      // a bad job is refused with the reason, and nothing changes
      await page.click('text=Add scrape job');
      await page.fill('form[aria-label="Scrape job"] input[name=job_name]', 'slow');
      await page.fill('form[aria-label="Scrape job"] input[name=targets]', target);
      await page.fill('form[aria-label="Scrape job"] input[name=scrape_interval]', 'soon');
      await page.click('form[aria-label="Scrape job"] button[type=submit]');
      await expect.poll(() => page.locator('[data-testid=scrape-jobs] [role=alert]').textContent()).toContain('scrape_interval');
      await page.click('form[aria-label="Scrape job"] >> text=Cancel');
      // edit the label, then remove the job
      await page.click('[data-testid=scrape-job-row] >> text=Edit');
      await page.fill('form[aria-label="Scrape job"] input[name=labels]', 'env=prod');
      await page.click('form[aria-label="Scrape job"] button[type=submit]');
      await expect.poll(() => pool.locator('[data-testid=target-row]').textContent(), { timeout: 10_000 }).toContain('env="prod"');
      page.once('dialog', (d) => void d.accept());
      await page.click('[aria-label="Remove shop-exporter"]');
      await expect.poll(() => page.locator('[data-testid=scrape-job-row]').count()).toBe(0);
      await expect.poll(() => pool.count(), { timeout: 10_000 }).toBe(0);
    } finally {
      exposition.close();
    }
  });

  it('issue 18 #8: datasource settings forms for Loki (derived fields with a tester) and Tempo (trace to logs), JSON as an advanced view', async () => {
    const stored = async (uid: string) => (await (await page.request.get(`${base}/api/datasources/uid/${uid}`)).json()) as { jsonData: Record<string, unknown>; secureJsonFields?: Record<string, boolean> };
    const saved = async (uid: string) => (await stored(uid)).jsonData;
    await page.goto(`${base}/datasources/new`);
    await page.fill('input[name=name]', 'Logs two');
    await page.selectOption('select[name=type]', 'loki');
    await page.fill('input[name=url]', lokiUrl);
    expect(await page.locator('textarea[name=jsonData]').count()).toBe(0);
    await page.click('button:has-text("Add derived field")');
    const field = page.locator('[data-testid=derived-field]');
    await field.locator('input[name=df-name]').fill('TraceID');
    await field.locator('input[name=df-regex]').fill('"trace_id":"(\\w+)"');
    await field.locator('[data-testid=df-datasource]').selectOption('tempo');
    await field.locator('input[name=df-url]').fill('${__value.raw}');
    // a new datasource has no lines yet: a pasted line is tested
    const tester = page.locator('[data-testid=df-tester]');
    expect(await tester.textContent()).toContain('Save the data source');
    const results = (row: number) => tester.locator('[data-testid=df-test-line]').nth(row).locator('[data-testid=df-test-result]').allTextContents();
    await page.fill('input[name=df-sample]', '{"level":"error","trace_id":"abc123","msg":"x"}');
    expect(await results(0)).toEqual(['abc123 Tempo: abc123']);
    await page.fill('input[name=df-sample]', 'no trace here');
    expect(await results(0)).toEqual(['no match']);
    await page.fill('input[name=df-sample]', '');
    // the JSON view shows what the form wrote, and an edit there shows in the form
    await page.check('[data-testid=json-toggle]');
    const json = JSON.parse(await page.locator('textarea[name=jsonData]').inputValue()) as Record<string, unknown>;
    expect(json.derivedFields).toEqual([{ name: 'TraceID', matcherRegex: '"trace_id":"(\\w+)"', datasourceUid: 'tempo', url: '${__value.raw}' }]);
    await page.fill('textarea[name=jsonData]', JSON.stringify({ ...json, maxLines: 500 }));
    expect(await page.locator('input[name=maxLines]').inputValue()).toBe('500');
    await page.click('button:has-text("Add header")');
    await page.fill('input[name=header-name-1]', 'X-Sightline-Test');
    await page.fill('input[name=header-value-1]', 'secret-value');
    await shot('datasource-loki-form');
    await page.click('button:has-text("Save & test")');
    await expect.poll(() => page.locator('[data-testid=health-result]').textContent()).toBe('Data source successfully connected.');
    expect((await stored('logs-two')).secureJsonFields).toEqual({ httpHeaderValue1: true });
    expect(await saved('logs-two')).toEqual({ httpHeaderName1: 'X-Sightline-Test', maxLines: 500, derivedFields: [{ name: 'TraceID', matcherRegex: '"trace_id":"(\\w+)"', datasourceUid: 'tempo', url: '${__value.raw}' }] });

    // saved: the tester reads the datasource's recent lines (first the first stream of the last hour, then a selector
    // typed here), and shows per line which field matches and the link it makes — lines pushed through Loki's API
    await expect.poll(() => tester.locator('[data-testid=df-tester-query]').textContent(), { timeout: 10_000 }).toMatch(/The last 10 lines of \{\w+="[^"]+"\}/);
    expect(await tester.locator('[data-testid=df-test-line]').count()).toBeGreaterThan(0);
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const pushed = ['{"level":"info","msg":"cart ok"}', '{"level":"error","trace_id":"4bf92f3577b34da6","msg":"declined","ticket":"T-77"}', 'plain line ticket=T-78'];
    const push = await fetch(`${lokiUrl}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { app: 'df-tester' }, values: pushed.map((l, i) => [String(nowNs - BigInt(3 - i) * 1_000_000_000n), l]) }] }),
    });
    expect(push.status).toBe(204);
    await page.click('button:has-text("Add derived field")');
    const ticket = page.locator('[data-testid=derived-field]').nth(1);
    await ticket.locator('input[name=df-name]').fill('Ticket');
    await ticket.locator('input[name=df-regex]').fill('ticket"?[=:]"?([\\w-]+)');
    await ticket.locator('input[name=df-url]').fill('https://tickets.example/browse/${__value.raw}');
    await page.fill('input[name=df-selector]', '{app="df-tester"}');
    await page.click('button:has-text("Fetch recent lines")');
    await expect.poll(() => tester.locator('[data-testid=df-test-line]').count(), { timeout: 10_000 }).toBe(3);
    // newest first
    expect(await tester.locator('[data-testid=df-test-line] .mono').allTextContents()).toEqual([...pushed].reverse());
    expect(await results(0)).toEqual(['no match', 'T-78 https://tickets.example/browse/T-78']);
    expect(await results(1)).toEqual(['4bf92f3577b34da6 Tempo: 4bf92f3577b34da6', 'T-77 https://tickets.example/browse/T-77']);
    expect(await results(2)).toEqual(['no match', 'no match']);
    expect(await tester.locator('[data-testid=df-test-line]').nth(0).locator('a[data-testid=df-test-link]').getAttribute('href')).toBe('https://tickets.example/browse/T-78');
    // a pasted line is tested beside them; a broken regex says so
    await page.fill('input[name=df-sample]', 'ticket=T-1');
    expect(await results(0)).toEqual(['no match', 'T-1 https://tickets.example/browse/T-1']);
    await ticket.locator('input[name=df-regex]').fill('ticket=(');
    expect(await results(0)).toEqual(['no match', 'invalid regex']);
    await shot('datasource-loki-tester');

    await page.goto(`${base}/datasources/new`);
    await page.fill('input[name=name]', 'Traces two');
    await page.selectOption('select[name=type]', 'tempo');
    await page.fill('input[name=url]', tempoUrl);
    await expect.poll(() => page.locator('[data-testid=t2l-datasource] option').allTextContents()).toContain('Logs two');
    await page.locator('[data-testid=t2l-datasource]').selectOption('loki');
    await page.fill('input[name=t2l-tags]', 'namespace, pod');
    await page.check('input[name=t2l-trace]');
    await page.locator('[data-testid=service-map-datasource]').selectOption('prometheus');
    await page.locator('[data-testid=t2m-datasource]').selectOption('prometheus');
    await page.fill('input[name=t2m-tags]', 'service.name=service');
    await page.click('[data-testid=traces-to-metrics] button:has-text("Add query")');
    await page.fill('input[name=t2m-query-name-0]', 'Request rate');
    await page.fill('input[name=t2m-query-0]', 'sum(rate(traces_spanmetrics_calls_total{$__tags}[5m]))');
    await shot('datasource-tempo-form');
    await page.click('button:has-text("Save & test")');
    await expect.poll(() => page.locator('[data-testid=health-result]').textContent()).toBe('Data source is working');
    expect(await saved('traces-two')).toEqual({
      tracesToLogs: { datasourceUid: 'loki', tags: [{ key: 'namespace' }, { key: 'pod' }], filterByTraceID: true },
      serviceMap: { datasourceUid: 'prometheus' },
      tracesToMetrics: { datasourceUid: 'prometheus', tags: [{ key: 'service.name', value: 'service' }], queries: [{ name: 'Request rate', query: 'sum(rate(traces_spanmetrics_calls_total{$__tags}[5m]))' }] },
    });
    for (const uid of ['logs-two', 'traces-two']) expect((await page.request.delete(`${base}/api/datasources/uid/${uid}`, { headers: { origin: base } })).status()).toBe(200);
  });

  it('signs out', async () => {
    await page.click('form.sign-out button');
    await page.waitForURL(/\/login/);
    const r = await page.request.get(`${base}/api/user`);
    expect(r.status()).toBe(401);
  });
});
