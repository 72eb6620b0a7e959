/**
 * The visual and accessibility bar of issue 18, on one running stack with realistic data (OpenTelemetry SDK
 * metrics and traces, pino-loki logs, a scrape job, the self-scrape): axe-core finds no serious or critical
 * violations on Home, Explore (Prometheus, Loki, Tempo), Data sources and Prometheus's pages (Targets, Service
 * discovery, Configuration, Flags, TSDB status, Runtime & build info); and every page, in both themes at
 * 1400×900 (and 1920×1080 in CI or with SIGHTLINE_UI_SCREENSHOTS_FULL=1), is saved as a screenshot
 * (dist/test-artifacts/ui-screenshots/, outside git) and passes the layout checks of ui-layout.ts (no overlapping or
 * clipped text, no raw epoch-ms times, whole-number ticks on count axes), with the log volume's count axis from 0.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type SpawnedSightline } from './helpers/process.js';
import { artifactsDir, buildWebApp, chromiumAvailable, launchChromium, signIn, startAllInOne, stopSightline } from './ui-browser.js';
import { layoutProblems } from './ui-layout.js';
import { requirePeer } from './ui-peers.js';
import { pushLogs, pushMetrics, pushTrace } from './ui-seed.js';

const PASSWORD = 'quality-admin-password';
const enabled = requirePeer('Chromium', chromiumAvailable(), 'chromium');
/**
 * `npm test` draws every page at 1400×900 in both themes; in CI (`CI=true`, as `.ci/run` sets it) or with
 * SIGHTLINE_UI_SCREENSHOTS_FULL=1 also at 1920×1080 (the full 116-picture suite, about a minute more on a 2-core
 * machine; see docs/ui.md). SIGHTLINE_UI_SCREENSHOTS_FULL=0 turns the large set off.
 */
const FULL = process.env.SIGHTLINE_UI_SCREENSHOTS_FULL === '1' || (!!process.env.CI && process.env.SIGHTLINE_UI_SCREENSHOTS_FULL !== '0');
const VIEWPORTS = [{ width: 1400, height: 900 }, ...(FULL ? [{ width: 1920, height: 1080 }] : [])];

describe.runIf(enabled)('UI quality: accessibility and screenshots with layout checks', () => {
  let sightline: SpawnedSightline;
  let browser: BrowserContext;
  let page: Page;
  let base: string;
  let app: Server;
  let traceId: string;
  let dashboardUrl: string;

  beforeAll(async () => {
    const [webDir, b] = await Promise.all([buildWebApp(), launchChromium()]);
    browser = b;
    page = browser.pages()[0] ?? (await browser.newPage());
    // a job whose target is down (with a secret for the Configuration page) and one target dropped by relabeling
    const prometheusConfig = [
      'scrape_configs:',
      '- job_name: payments',
      '  scrape_interval: 1s',
      '  basic_auth: { username: scraper, password: quality-scrape-secret }',
      '  static_configs: [{ targets: ["127.0.0.1:1", "127.0.0.1:2"], labels: { env: dev } }]',
      '  relabel_configs: [{ source_labels: [__address__], regex: "127.0.0.1:2", action: drop }]',
      '',
    ].join('\n');
    const started = await startAllInOne(webDir, PASSWORD, { selfScrapeInterval: '1s', serviceGraphs: true, prometheusConfig });
    sightline = started.sightline;
    const { ports } = started;
    base = `http://127.0.0.1:${ports.ui}`;
    const otlp = `http://127.0.0.1:${ports.otlp_http}`;
    const [, t] = await Promise.all([pushMetrics(otlp), pushTrace(otlp)]);
    traceId = t.traceId;
    await pushLogs(`http://127.0.0.1:${ports.loki}`, traceId);
    await pushTrace(otlp);
    app = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end('# TYPE shop_up gauge\nshop_up 1\n');
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    await signIn(page, base, PASSWORD);
    const job = await page.request.post(`${base}/api/sightline/scrape-jobs`, { headers: { origin: base }, data: { job_name: 'shop', targets: [`127.0.0.1:${(app.address() as AddressInfo).port}`], scrape_interval: '1s' } });
    expect(job.status()).toBe(200);
    const hits = (await (await page.request.get(`${base}/api/search?type=dash-db`)).json()) as { url: string }[];
    dashboardUrl = hits[0]!.url;
    // the service graph's counters (two traces) and the self-scrape's rates are there before any page is drawn
    const has = async (expr: string) => {
      const r = (await (await page.request.get(`${base}/api/datasources/proxy/uid/prometheus/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { data: { result: unknown[] } };
      return r.data.result.length > 0;
    };
    await waitFor(() => has('sum(traces_service_graph_request_total) >= 2'), 20_000, 'the service graph counters');
    await waitFor(() => has('sum(loki_distributor_lines_received_total{job="sightline"}) > 0'), 20_000, 'the self-scrape');
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stopSightline(sightline);
    app?.close();
  });

  const explore = (ds: string, expr: string, extra = '') => `/explore?ds=${ds}&expr=${encodeURIComponent(expr)}&from=now-15m&to=now${extra}`;
  /** Open a page and wait until its requests are done and it is drawn. */
  const open = async (path: string) => {
    await page.goto(`${base}${path}`);
    await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => undefined);
    await page.waitForTimeout(150);
  };
  /** Requests in flight in the page (websockets are not requests), and when that last changed. */
  let inflight = 0;
  let changed = Date.now();
  const track = () => {
    const done = () => {
      inflight = Math.max(0, inflight - 1);
      changed = Date.now();
    };
    page.on('request', () => {
      inflight++;
      changed = Date.now();
    });
    page.on('requestfinished', done);
    page.on('requestfailed', done);
  };
  /**
   * Go to a page inside the loaded app as a click on a link does (the History API and the router's event), then wait
   * until no request has been in flight for 300 ms: no reload of the bundle for each of the 29 pages. Explore keeps
   * its state across its own URLs, so Explore pages are loaded afresh.
   */
  const visit = async (path: string, fresh: boolean) => {
    if (fresh || path.startsWith('/explore')) return open(path);
    await page.evaluate(`history.pushState(null, '', ${JSON.stringify(path)}); dispatchEvent(new Event('sightline:navigate'))`);
    const end = Date.now() + 10_000;
    await page.waitForTimeout(50);
    while (Date.now() < end && (inflight > 0 || Date.now() - changed < 300)) await page.waitForTimeout(50);
    await page.waitForTimeout(150);
  };

  it("axe-core: no serious or critical violations on Home, Explore (Prometheus, Loki, Tempo), Data sources and Prometheus's pages, in both themes", async () => {
    const pages: [string, string, string][] = [
      ['Home', '/', '[data-testid=home-health-item].health-OK'],
      ['Explore Prometheus', explore('prometheus', 'sum by (region) (orders_total)', '&step=1s'), '[data-testid=graph-legend] li'],
      ['Explore Loki', explore('loki', '{app="shop"}'), '[data-testid=log-rows] li'],
      ['Explore Tempo trace', explore('tempo', traceId), '[data-testid=span-row]'],
      ['Explore Tempo search', '/explore?ds=tempo&tq=search&from=now-15m&to=now', '[data-testid=trace-search]'],
      ['Data sources', '/datasources', '[data-testid=datasource-list]'],
      ['Targets', '/prometheus/targets', '[data-testid=target-row]'],
      ['Service discovery', '/prometheus/service-discovery', '[data-testid=sd-pool]'],
      ['Configuration', '/prometheus/config', '[data-testid=config-yaml]'],
      ['Flags', '/prometheus/flags', '[data-testid=flag-row]'],
      ['TSDB status', '/prometheus/tsdb-status', '[data-testid=tsdb-stat]'],
      ['Runtime & build info', '/prometheus/status', '[data-testid=buildinfo]'],
    ];
    // the two themes' page backgrounds, as a fresh load in each draws them (the switch below must give the same)
    const background = async (theme: string) => {
      await page.evaluate(`localStorage.setItem('sightline.theme', '${theme}')`);
      await open('/datasources');
      return (await page.evaluate('getComputedStyle(document.body).backgroundColor')) as string;
    };
    const darkBg = await background('dark');
    const lightBg = await background('light');
    expect(darkBg).not.toBe(lightBg);
    const found: string[] = [];
    let checked = 0;
    // one load per page: the theme is CSS on <html data-theme> (what the theme switch sets), so each page is checked
    // dark, then switched to light and checked again
    for (const [title, path, ready] of pages) {
      await page.evaluate(`localStorage.setItem('sightline.theme', 'dark')`);
      await open(path);
      await page.waitForSelector(ready, { timeout: 10_000 });
      for (const theme of ['dark', 'light']) {
        await page.evaluate(`document.documentElement.dataset.theme = '${theme}'`);
        expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe(theme === 'dark' ? darkBg : lightBg);
        const { violations } = await new AxeBuilder({ page }).analyze();
        checked++;
        for (const v of violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
          found.push(`${title} (${theme}): ${v.id} [${v.impact}] ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
        }
      }
    }
    expect(checked).toBe(pages.length * 2);
    expect(found).toEqual([]);
  }, 240_000);

  it(`screenshots every page in both themes at ${VIEWPORTS.map((v) => `${v.width}×${v.height}`).join(' and ')}, with no overlapping or clipped text, no epoch-ms times, whole-number count ticks`, async () => {
    const shots = artifactsDir('ui-screenshots');
    track();
    const pages: [string, string][] = [
      ['home', '/'],
      ['explore-prometheus', explore('prometheus', 'sum by (region) (orders_total)', '&step=1s')],
      ['explore-prometheus-table', explore('prometheus', 'orders_total', '&view=table')],
      ['explore-loki', explore('loki', '{app="shop"}')],
      ['explore-logs-trace-split', `${explore('loki', '{app="shop"}')}&split=${encodeURIComponent(new URLSearchParams({ ds: 'tempo', expr: traceId, from: 'now-15m', to: 'now' }).toString())}`],
      ['explore-tempo-trace', explore('tempo', traceId)],
      ['explore-tempo-search', '/explore?ds=tempo&tq=search&from=now-15m&to=now'],
      ['explore-service-graph', '/explore?ds=tempo&tq=servicemap&from=now-15m&to=now'],
      ['dashboards', '/dashboards'],
      ['dashboard-health', dashboardUrl],
      ['alerting', '/alerting'],
      ['alert-rules', '/alerting/list'],
      ['alert-groups', '/alerting/groups'],
      ['silences', '/alerting/silences'],
      ['contact-points', '/alerting/notifications'],
      ['notification-policies', '/alerting/routes'],
      ['prometheus-targets', '/prometheus/targets'],
      ['prometheus-rules', '/prometheus/rules'],
      ['prometheus-alerts', '/prometheus/alerts'],
      ['prometheus-service-discovery', '/prometheus/service-discovery'],
      ['prometheus-config', '/prometheus/config'],
      ['prometheus-flags', '/prometheus/flags'],
      ['prometheus-tsdb-status', '/prometheus/tsdb-status'],
      ['prometheus-status', '/prometheus/status'],
      ['datasources', '/datasources'],
      ['datasource-edit-loki', '/datasources/edit/loki'],
      ['datasource-edit-tempo', '/datasources/edit/tempo'],
      ['users', '/admin/users'],
      ['service-accounts', '/admin/serviceaccounts'],
    ];
    const problems: string[] = [];
    let count = 0;
    for (const theme of ['dark', 'light']) {
      await page.evaluate(`localStorage.setItem('sightline.theme', '${theme}')`);
      for (const [name, path] of pages) {
        await page.setViewportSize(VIEWPORTS[0]!);
        // the first page of a theme is a fresh load: the app reads the theme at start
        await visit(path, path === pages[0]![1]);
        for (const vp of VIEWPORTS) {
          if (vp !== VIEWPORTS[0]) {
            await page.setViewportSize(vp);
            await page.waitForTimeout(120);
          }
          const at = `${name} ${theme} ${vp.width}x${vp.height}`;
          await page.screenshot({ path: join(shots, `${name}-${theme}-${vp.width}x${vp.height}.png`) });
          for (const p of await layoutProblems(page)) problems.push(`${at}: ${p}`);
          if (name === 'explore-loki') {
            const volume = page.locator('[data-testid=log-volume] [data-testid=graph]');
            expect(await volume.getAttribute('data-y-min'), at).toBe('0');
            // the ticks the layout checks read are there (whole numbers from 0)
            expect(await volume.getAttribute('data-y-ticks'), `${at} ${await volume.getAttribute('data-y-max')}`).toMatch(/^0(,\d+)+$/);
          }
          count++;
        }
      }
    }
    await page.setViewportSize(VIEWPORTS[0]!);
    expect(count).toBe(pages.length * 2 * VIEWPORTS.length);
    expect(problems).toEqual([]);
  }, 200_000);
});
