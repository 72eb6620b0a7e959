/**
 * Prometheus's own pages in the web UI (issue 17): Targets with a failing target's error, Service discovery with a
 * target dropped by relabeling, Configuration with secrets as `<secret>`, Flags, TSDB status whose numbers are the
 * API's, Runtime & build information — for the process's own Prometheus and, through the datasource proxy, for a
 * real Prometheus 2.42 added as a second datasource; and the Prometheus listener's page paths landing on them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type PrometheusPeer } from './helpers/prometheus-peer.js';
import { tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';
import { buildWebApp, chromiumAvailable, launchChromium, signIn, startAllInOne, stopSightline } from './ui-browser.js';
import { layoutProblems } from './ui-layout.js';
import { prometheusAvailable, requirePeer } from './ui-peers.js';

const PASSWORD = 'prom-pages-admin-password';
const SECRET = 'hunter2-scrape-secret';
const enabled = requirePeer('Chromium', chromiumAvailable(), 'chromium') && requirePeer('Prometheus', prometheusAvailable(), 'prometheus');

/** A scrape config with an app that is up, a target that is down (with a secret) and one dropped by relabeling. */
const scrapeConfig = (appPort: number) => `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
- job_name: shop
  static_configs:
  - targets: ["127.0.0.1:${appPort}"]
- job_name: broken
  basic_auth:
    username: scraper
    password: ${SECRET}
  static_configs:
  - targets: ["127.0.0.1:1", "127.0.0.1:2"]
    labels:
      env: dev
  relabel_configs:
  - source_labels: [__address__]
    regex: "127.0.0.1:2"
    action: drop
`;

interface Stat {
  name: string;
  value: number;
}
interface TsdbStatus {
  headStats: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number; maxTime: number };
  seriesCountByMetricName: Stat[];
  labelValueCountByLabelName: Stat[];
  memoryInBytesByLabelName: Stat[];
  seriesCountByLabelValuePair: Stat[];
}
const LISTS = ['seriesCountByMetricName', 'labelValueCountByLabelName', 'memoryInBytesByLabelName', 'seriesCountByLabelValuePair'] as const;

describe.runIf(enabled)('Prometheus pages in the web UI', () => {
  let sightline: SpawnedSightline;
  let real: PrometheusPeer;
  let browser: BrowserContext;
  let page: Page;
  let base: string;
  let prom: string;
  let app: Server;

  beforeAll(async () => {
    app = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end('# TYPE shop_orders_total counter\nshop_orders_total{region="eu"} 3\nshop_orders_total{region="us"} 5\n');
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const config = scrapeConfig((app.address() as AddressInfo).port);
    const [webDir, b, peer] = await Promise.all([buildWebApp(), launchChromium(), startPrometheus(tempDir('sightline-ui-prom-pages-'), config)]);
    browser = b;
    real = peer;
    page = browser.pages()[0] ?? (await browser.newPage());
    const started = await startAllInOne(webDir, PASSWORD, { prometheusConfig: config });
    sightline = started.sightline;
    base = `http://127.0.0.1:${started.ports.ui}`;
    prom = `http://127.0.0.1:${started.ports.prometheus}`;
    await signIn(page, base, PASSWORD);
    const ds = await page.request.post(`${base}/api/datasources`, { headers: { origin: base }, data: { name: 'Real Prometheus', uid: 'real-prom', type: 'prometheus', url: real.url, access: 'proxy' } });
    expect(ds.status()).toBe(200);
    // both have scraped every target once (the failing one has its error)
    const scraped = async (url: string) => {
      const r = (await (await fetch(`${url}/api/v1/targets`)).json()) as { data: { activeTargets: { scrapePool: string; health: string; lastError: string }[] } };
      const t = r.data.activeTargets;
      return t.some((x) => x.scrapePool === 'shop' && x.health === 'up') && t.some((x) => x.scrapePool === 'broken' && x.lastError !== '');
    };
    await waitFor(() => scraped(prom), 20_000, 'Sightline to scrape every target');
    await waitFor(() => scraped(real.url), 20_000, 'Prometheus to scrape every target');
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stopSightline(sightline);
    await real?.stop();
    app?.close();
  });

  const open = async (path: string, ready: string) => {
    await page.goto(`${base}${path}`);
    await page.waitForSelector(ready, { timeout: 10_000 });
  };
  const noLayoutProblems = async () => expect(await layoutProblems(page)).toEqual([]);

  it('Targets: the failing target is DOWN with its scrape error, for both datasources', async () => {
    for (const [ds, error] of [['prometheus', /ECONNREFUSED 127\.0\.0\.1:1/], ['real-prom', /connect: connection refused/]] as const) {
      await open(`/prometheus/targets?ds=${ds}`, '[data-testid=target-row]');
      const row = page.locator('[data-testid=target-row]', { hasText: 'http://127.0.0.1:1/metrics' });
      await expect.poll(() => row.locator('.error-text').textContent(), { timeout: 10_000 }).toMatch(error);
      expect(await row.locator('.state').textContent()).toBe('DOWN');
      expect(await page.locator('[data-testid=target-row]', { hasText: '127.0.0.1:2' }).count()).toBe(0);
      await noLayoutProblems();
    }
  });

  it('Service discovery: labels before and after relabeling per pool, and the target relabeling dropped', async () => {
    // Sightline names each dropped target's pool; Prometheus 2.42 does not (the page takes the discovered `job`)
    for (const ds of ['prometheus', 'real-prom']) {
      await open(`/prometheus/service-discovery?ds=${ds}`, '[data-testid=sd-pool]');
      expect(await page.locator('[data-testid=sd-summary] li').allTextContents()).toEqual(['broken (1 / 2 active targets)', 'shop (1 / 1 active targets)']);
      const broken = page.locator('[data-testid=sd-pool]', { hasText: 'broken' });
      const dropped = broken.locator('[data-testid=sd-target][data-dropped=true]');
      expect(await dropped.count()).toBe(1);
      expect(await dropped.locator('td').first().textContent()).toContain('__address__="127.0.0.1:2"');
      expect(await dropped.locator('td').nth(1).textContent()).toContain('Dropped');
      const active = broken.locator('[data-testid=sd-target]:not([data-dropped])');
      expect(await active.locator('td').first().textContent()).toContain('__address__="127.0.0.1:1"');
      // after relabeling: `instance` set, the `__` labels gone
      const after = await active.locator('td').nth(1).textContent();
      expect(after).toContain('instance="127.0.0.1:1"');
      expect(after).not.toContain('__address__');
      await noLayoutProblems();
    }
  });

  it('Configuration: the loaded YAML with <secret> in place of the password, for both datasources', async () => {
    for (const ds of ['prometheus', 'real-prom']) {
      await open(`/prometheus/config?ds=${ds}`, '[data-testid=config-yaml]');
      const yaml = (await page.locator('[data-testid=config-yaml]').textContent()) ?? '';
      expect(yaml).toContain('job_name: broken');
      expect(yaml).toMatch(/password: <secret>/);
      expect(yaml).not.toContain(SECRET);
      expect(await page.content()).not.toContain(SECRET);
      await noLayoutProblems();
    }
  });

  it('Flags: every flag with its value, filtered by name', async () => {
    await open('/prometheus/flags', '[data-testid=flag-row]');
    const flags = await page.locator('[data-testid=flag-row] th').allTextContents();
    expect(flags).toContain('--storage.tsdb.retention.time');
    expect(flags).toContain('--config.file');
    expect(await page.locator('[data-testid=flag-row]', { hasText: '--config.file' }).locator('td').textContent()).toMatch(/prometheus\.yml$/);
    await noLayoutProblems();
    // the real Prometheus's flags through the proxy
    await open('/prometheus/flags?ds=real-prom', '[data-testid=flag-row]');
    expect((await page.locator('[data-testid=flag-row]').count())).toBeGreaterThan(40);
    await page.fill('input[aria-label="Filter flags"]', 'page-title');
    await expect.poll(() => page.locator('[data-testid=flag-row]').allTextContents()).toEqual(['--web.page-titlePrometheus Time Series Collection and Processing Server']);
    await noLayoutProblems();
  });

  it('TSDB status: every number on the page is the one /api/v1/status/tsdb answers, for both datasources', async () => {
    for (const [ds, api] of [['prometheus', prom], ['real-prom', real.url]] as const) {
      const answer = page.waitForResponse((r) => r.url().includes('/api/v1/status/tsdb'));
      await page.goto(`${base}/prometheus/tsdb-status?ds=${ds}`);
      const got = ((await (await answer).json()) as { data: TsdbStatus }).data;
      await page.waitForSelector('[data-testid=tsdb-head]');
      const h = got.headStats;
      expect(h.numSeries).toBeGreaterThan(0);
      for (const k of ['numSeries', 'chunkCount', 'numLabelPairs'] as const) expect(await page.locator(`[data-testid=head-${k}]`).textContent(), k).toBe(String(h[k]));
      for (const k of ['minTime', 'maxTime'] as const) expect(await page.locator(`[data-testid=head-${k}]`).textContent(), k).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d/);
      for (const list of LISTS) {
        const rows = page.locator(`[data-testid=tsdb-${list}] [data-testid=tsdb-stat]`);
        const shown = await rows.evaluateAll((trs) => trs.map((tr) => [tr.children[0]!.textContent, tr.children[1]!.textContent]));
        expect(got[list].length, list).toBeGreaterThan(0);
        expect(shown, list).toEqual(got[list].map((s) => [s.name, String(s.value)]));
      }
      // the answer the page was given is the API's own: the series counts (stable once every target has been scraped)
      const direct = ((await (await fetch(`${api}/api/v1/status/tsdb`)).json()) as { data: TsdbStatus }).data;
      expect(direct.headStats.numSeries).toBe(h.numSeries);
      expect(direct.seriesCountByLabelValuePair).toEqual(got.seriesCountByLabelValuePair);
      await noLayoutProblems();
    }
    // Sightline's own figures for what it scraped: two `shop_orders_total` series, `up` of the two active targets, nothing of the dropped one
    const own = ((await (await fetch(`${prom}/api/v1/status/tsdb?limit=100`)).json()) as { data: TsdbStatus }).data;
    expect(own.seriesCountByMetricName).toContainEqual({ name: 'shop_orders_total', value: 2 });
    expect(own.seriesCountByMetricName).toContainEqual({ name: 'up', value: 2 });
    expect(own.seriesCountByLabelValuePair).not.toContainEqual(expect.objectContaining({ name: 'instance=127.0.0.1:2' }));
  });

  it('Runtime & build information of both datasources', async () => {
    /** The value in table `testId`'s row named exactly `key`. */
    const value = (testId: string, key: string) => page.locator(`[data-testid=${testId}] tr`).filter({ has: page.locator('th', { hasText: new RegExp(`^${key}$`) }) }).locator('td').textContent();
    await open('/prometheus/status', '[data-testid=buildinfo]');
    expect(await value('runtimeinfo', 'CWD')).toBeTruthy();
    expect(await value('runtimeinfo', 'startTime')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d/);
    expect(await value('buildinfo', 'version')).toMatch(/^\d+\.\d+\.\d+/);
    await noLayoutProblems();
    await open('/prometheus/status?ds=real-prom', '[data-testid=buildinfo]');
    expect(await value('buildinfo', 'version')).toMatch(/^2\.\d+\.\d+/);
    expect(await value('runtimeinfo', 'goroutineCount')).toMatch(/^[1-9]\d*$/);
    expect(await value('runtimeinfo', 'storageRetention')).toBe('15d');
  });

  it("the Prometheus listener's /config, /flags, /tsdb-status, /service-discovery and /status land on those pages, found in the menu", async () => {
    const pages: [string, string, string][] = [
      ['/config', '/prometheus/config', 'config-yaml'],
      ['/flags', '/prometheus/flags', 'flag-row'],
      ['/tsdb-status', '/prometheus/tsdb-status', 'tsdb-head'],
      ['/service-discovery', '/prometheus/service-discovery', 'sd-pool'],
      ['/status', '/prometheus/status', 'buildinfo'],
    ];
    for (const [from, to, ready] of pages) {
      await page.goto(`${prom}${from}`);
      expect(new URL(page.url()).pathname, from).toBe(to);
      await page.waitForSelector(`[data-testid=${ready}]`, { timeout: 10_000 });
    }
    // the menu's Prometheus section leads to each of them
    await page.click('[data-testid=nav-prometheus-tsdb-status]');
    await page.waitForURL(/\/prometheus\/tsdb-status$/);
    expect(await page.locator('[data-testid=breadcrumbs] li').allTextContents()).toEqual(['Home', 'Prometheus', 'TSDB status']);
    await page.click('[data-testid=nav-prometheus-config]');
    await page.waitForSelector('[data-testid=config-yaml]');
  });
});
