/**
 * End to end in a real browser: Sightline's `ui` target started from the CLI, a real Prometheus behind the
 * datasource proxy, Debian's Chromium driven by playwright-core. Signs in, finds the provisioned datasources, runs
 * "Save & test", runs PromQL in Explore (completion, graph, legend format, tooltip, table, error, URL state, theme).
 * Screenshots of each step go to dist/test-artifacts/ui-e2e/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSightline, startedPorts, tempDir, type SpawnedSightline } from './helpers/process.js';
import { artifactsDir, buildWebApp, chromiumAvailable, launchChromium } from './ui-browser.js';
import { prometheusAvailable, requirePeer, startPrometheus, type PrometheusServer } from './ui-peers.js';

const PASSWORD = 'e2e-admin-password';
const QUERY = 'prometheus_engine_query_duration_seconds{quantile="0.9"}';

const enabled = requirePeer('Chromium', chromiumAvailable(), 'chromium') && requirePeer('Prometheus', prometheusAvailable(), 'prometheus');

describe.runIf(enabled)('UI end to end in Chromium', () => {
  let prom: PrometheusServer;
  let sightline: SpawnedSightline;
  let base: string;
  let browser: BrowserContext;
  let page: Page;
  const shots = artifactsDir('ui-e2e');
  let step = 0;
  const shot = async (name: string) => page.screenshot({ path: join(shots, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true });

  beforeAll(async () => {
    const [webDir, p] = await Promise.all([buildWebApp(), startPrometheus()]);
    prom = p;
    const dir = tempDir();
    const prov = join(dir, 'provisioning', 'datasources');
    mkdirSync(prov, { recursive: true });
    writeFileSync(
      join(prov, 'sightline.yaml'),
      `apiVersion: 1\ndatasources:\n- name: Prometheus\n  type: prometheus\n  uid: prometheus\n  url: \${PROM_URL}\n  access: proxy\n  isDefault: true\n  jsonData:\n    timeInterval: 1s\n    httpMethod: POST\n- name: Loki\n  type: loki\n  url: http://127.0.0.1:1\n  access: proxy\n  jsonData:\n    maxLines: 1000\n    derivedFields:\n    - datasourceUid: tempo\n      matcherRegex: '"trace_id":"(\\w+)"'\n      name: TraceID\n      url: $\${__value.raw}\n- name: Tempo\n  type: tempo\n  url: http://127.0.0.1:1\n  access: proxy\n  jsonData:\n    tracesToLogs:\n      datasourceUid: loki\n      mapTagNamesEnabled: true\n      tags:\n      - pod\n      - namespace\n`,
    );
    writeFileSync(join(dir, 'sightline.yaml'), `ui:\n  listen_address: 127.0.0.1:0\n  static_dir: ${webDir}\n  provisioning_path: ${join(dir, 'provisioning')}\n`);
    sightline = spawnSightline(['--target', 'ui', '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')], { PROM_URL: prom.url, GF_SECURITY_ADMIN_PASSWORD: PASSWORD });
    const ports = await startedPorts(sightline).catch((e: Error) => {
      throw new Error(`${e.message}\n${sightline.stderr()}`);
    });
    base = `http://127.0.0.1:${ports.ui}`;
    browser = await launchChromium();
    page = browser.pages()[0] ?? (await browser.newPage());
    // Let Prometheus scrape itself a few times so a range query has points.
    await new Promise((r) => setTimeout(r, 2500));
  });

  afterAll(async () => {
    await browser?.close();
    if (sightline && sightline.child.exitCode === null) {
      sightline.child.kill('SIGTERM');
      await sightline.exited;
    }
    await prom?.stop();
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

  it('lists the provisioned datasources and tests one (Save & test)', async () => {
    await page.click('a.nav-link:has-text("Data sources")');
    await page.waitForURL(/\/datasources$/);
    await expect.poll(() => page.locator('[data-testid=datasource-list] .ds-name').allTextContents()).toEqual(['Loki', 'Prometheus', 'Tempo']);
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
    await page.fill('input[name=url]', prom.url);
    await page.click('button:has-text("Save & test")');
    await expect.poll(() => page.locator('[data-testid=health-result]').textContent()).toBe('Successfully queried the Prometheus API.');
    await page.waitForURL(/\/datasources\/edit\/second-prometheus$/);
    await shot('datasource-added');
    page.once('dialog', (d) => void d.accept());
    await page.click('button:has-text("Delete")');
    await page.waitForURL(/\/datasources$/);
    await expect.poll(() => page.locator('[data-testid=datasource-list] .ds-name').allTextContents()).toEqual(['Loki', 'Prometheus', 'Tempo']);
    await page.goto(`${base}/datasources/edit/loki`);
    await page.click('button:has-text("Test")');
    await expect.poll(() => page.locator('[data-testid=health-result]').textContent()).toMatch(/^Unable to reach http:\/\/127\.0\.0\.1:1/);
  });

  it('runs PromQL in Explore: completion, graph with one legend entry per series, tooltip, table', async () => {
    const expected = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(QUERY)}`)).json()) as { data: { result: { metric: Record<string, string> }[] } };
    const slices = expected.data.result.map((s) => s.metric.slice).sort();
    expect(slices.length).toBeGreaterThanOrEqual(2);

    await page.goto(`${base}/explore?from=now-1m&to=now`);
    const editor = page.locator('[data-testid=promql-editor] .cm-content');
    await editor.click();
    // completion of metric names comes from Prometheus through the proxy
    await page.keyboard.type('prometheus_engine_query_dur');
    await expect.poll(() => page.locator('.cm-tooltip-autocomplete').textContent(), { timeout: 10_000 }).toContain('prometheus_engine_query_duration_seconds');
    await shot('promql-completion');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(QUERY);
    await page.fill('[data-testid=legend-format]', '{{slice}}');
    await page.click('[data-testid=run-query]');
    const legend = page.locator('[data-testid=graph-legend] .legend-name');
    await expect.poll(() => legend.count(), { timeout: 10_000 }).toBe(slices.length);
    expect((await legend.allTextContents()).sort()).toEqual(slices);
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
    expect(url.searchParams.get('legend')).toBe('{{slice}}');
    expect(url.searchParams.get('ds')).toBe('prometheus');
    await page.reload();
    await expect.poll(() => page.locator('[data-testid=graph-legend] .legend-name').count(), { timeout: 10_000 }).toBe(slices.length);

    await page.click('.seg button:has-text("Table")');
    await expect.poll(() => page.locator('[data-testid=result-table] tbody tr').count()).toBe(slices.length);
    await shot('explore-table');
    await page.click('.seg button:has-text("Instant")');
    await expect.poll(() => page.locator('[data-testid=result-table] tbody tr').count()).toBe(slices.length);
    expect(new URL(page.url()).searchParams.get('qt')).toBe('instant');
  });

  it('builds a selector in the metrics browser from the metrics API', async () => {
    await page.goto(`${base}/explore?ds=prometheus&from=now-5m&to=now`);
    await page.click('[data-testid=metrics-browser-toggle]');
    await page.fill('[data-testid=mb-filter]', 'prometheus_engine_query_duration');
    await page.click('[data-testid=mb-metrics] li:text-is("prometheus_engine_query_duration_seconds")');
    await page.click('[data-testid=mb-labels] li:has-text("slice")');
    await page.click('[data-testid=mb-values] li:text-is("inner_eval")');
    await page.click('[data-testid=mb-values] li:text-is("prepare_time")');
    const selector = 'prometheus_engine_query_duration_seconds{slice=~"inner_eval|prepare_time"}';
    expect(await page.locator('[data-testid=mb-selector]').textContent()).toBe(selector);
    await shot('metrics-browser');
    await page.click('button:has-text("Use query")');
    const expected = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(selector)}`)).json()) as { data: { result: unknown[] } };
    await expect.poll(() => page.locator('[data-testid=graph-legend] .legend-name').count(), { timeout: 10_000 }).toBe(expected.data.result.length);
    expect(new URL(page.url()).searchParams.get('expr')).toBe(selector);
  });

  it('shows PromQL errors as Prometheus gives them', async () => {
    await page.goto(`${base}/explore?ds=prometheus&expr=${encodeURIComponent('sum(rate(x[5m])')}&from=now-5m&to=now`);
    const err = page.locator('[data-testid=query-error]');
    await expect.poll(() => err.textContent(), { timeout: 10_000 }).toMatch(/^bad_data: .*parse error/);
    await shot('explore-error');
  });

  it('changes the time range in now-notation and switches theme', async () => {
    await page.goto(`${base}/explore?ds=prometheus&expr=up`);
    await page.click('[data-testid=time-range-button]');
    await page.fill('[data-testid=time-from]', 'now-5m');
    await page.fill('[data-testid=time-to]', 'now');
    await page.click('button:has-text("Apply time range")');
    await page.waitForURL(/from=now-5m/);
    expect(await page.locator('[data-testid=time-range-button]').textContent()).toBe('Last 5 minutes');
    await expect.poll(() => page.locator('[data-testid=graph-legend] .legend-name').allTextContents()).toEqual([`up{instance="${new URL(prom.url).host}", job="prometheus"}`]);
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

  // No Loki or Tempo server exists on this machine (the logs and traces pillars are built elsewhere), so this
  // step answers the browser's proxy calls with a TEST DOUBLE of their APIs (page.route): it checks the UI layer
  // (log rows, levels, derived-field link to the trace view), not a real Loki or Tempo.
  it('renders logs and follows a derived trace_id link to the trace (Loki/Tempo answers from a test double)', async () => {
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await page.route('**/api/datasources/proxy/uid/loki/loki/api/v1/query_range*', async (route) => {
      const q = new URL(route.request().url()).searchParams.get('query') ?? '';
      if (q.includes('count_over_time')) {
        return route.fulfill({ json: { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [[Math.floor(Date.now() / 1000) - 60, '3']] }] } } });
      }
      return route.fulfill({
        json: {
          status: 'success',
          data: {
            resultType: 'streams',
            result: [
              { stream: { namespace: 'default', app: 'shop' }, values: [[String(nowNs - 1_000_000_000n), `{"level":"error","msg":"payment failed","trace_id":"${traceId}"}`], [String(nowNs - 3_000_000_000n), 'level=info msg="cart ok"']] },
              { stream: { namespace: 'default', app: 'web' }, values: [[String(nowNs - 2_000_000_000n), 'WARN slow response error budget']] },
            ],
          },
        },
      });
    });
    await page.route(`**/api/datasources/proxy/uid/tempo/api/traces/${traceId}`, (route) => {
      const span = (id: string, parent: string | undefined, name: string, startMs: number, durMs: number) => ({ traceId, spanId: id, parentSpanId: parent, name, startTimeUnixNano: `${Date.now() + startMs}000000`, endTimeUnixNano: `${Date.now() + startMs + durMs}000000` });
      return route.fulfill({
        json: {
          batches: [
            { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }, { key: 'k8s.namespace.name', value: { stringValue: 'default' } }, { key: 'k8s.pod.name', value: { stringValue: 'shop-7d9f' } }] }, scopeSpans: [{ spans: [span('a1', undefined, 'POST /pay', 0, 120), span('a2', 'a1', 'charge card', 10, 80)] }] },
            { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bank' } }] }, scopeSpans: [{ spans: [span('b1', 'a2', 'authorize', 20, 50)] }] },
          ],
        },
      });
    });
    await page.goto(`${base}/explore?ds=loki&expr=${encodeURIComponent('{namespace="default"} |= "error"')}&from=now-15m&to=now`);
    const rows = page.locator('[data-testid=log-rows] li');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(3);
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-level')))).toEqual(['error', 'warning', 'info']);
    await shot('logs');
    // the derived trace_id link opens the trace beside the logs (split view)
    await page.click('[data-testid=derived-link]');
    await page.waitForURL(/split=/);
    const split = () => new URLSearchParams(new URL(page.url()).searchParams.get('split') ?? '');
    expect([split().get('ds'), split().get('expr')]).toEqual(['tempo', traceId]);
    expect(new URL(page.url()).searchParams.get('ds')).toBe('loki');
    const right = page.locator('[data-testid=explore-pane-right]');
    await expect.poll(() => right.locator('[data-testid=trace-spans] tbody tr').count()).toBe(3);
    expect(await right.locator('[data-testid=trace-spans] tbody tr td:nth-child(2)').allTextContents()).toEqual(['POST /pay', 'charge card', 'authorize']);
    await shot('split-logs-trace');
    // from a span to its logs (tracesToLogs: tags pod, namespace from the span's Kubernetes attributes), in the other pane
    await right.locator('[data-testid=span-logs]').first().click();
    await expect.poll(() => new URL(page.url()).searchParams.get('expr')).toBe('{pod="shop-7d9f", namespace="default"}');
    await expect.poll(() => page.locator('[data-testid=explore-pane-left] [data-testid=log-rows] li').count(), { timeout: 10_000 }).toBe(3);
    await page.click('[data-testid=split-close]');
    await expect.poll(() => new URL(page.url()).searchParams.has('split')).toBe(false);

    // live tail over the tail WebSocket (the Loki side of the socket is the test double too)
    await page.routeWebSocket(/\/api\/datasources\/proxy\/uid\/loki\/loki\/api\/v1\/tail/, (ws) => {
      const t = BigInt(Date.now()) * 1_000_000n;
      ws.send(JSON.stringify({ streams: [{ stream: { namespace: 'default', app: 'shop' }, values: [[String(t), 'level=error msg="live one"']] }] }));
      setTimeout(() => ws.send(JSON.stringify({ streams: [{ stream: { namespace: 'default', app: 'shop' }, values: [[String(t + 1_000_000n), 'level=info msg="live two"']] }] })), 200);
    });
    await page.click('[data-testid=live-tail]');
    const leftRows = page.locator('[data-testid=explore-pane-left] [data-testid=log-rows] .log-line');
    await expect.poll(() => leftRows.allTextContents(), { timeout: 10_000 }).toEqual(['level=info msg="live two"', 'level=error msg="live one"']);
    await shot('live-tail');
    await page.click('[data-testid=live-tail]');
    await page.unrouteAll();
  });

  it('signs out', async () => {
    await page.goto(`${base}/logout`);
    await page.waitForURL(/\/login/);
    const r = await page.request.get(`${base}/api/user`);
    expect(r.status()).toBe(401);
  });
});
