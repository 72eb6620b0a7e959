/**
 * Issue 18's walk-through, end to end from an empty data directory: the CLI starts on a terminal (util-linux `script`)
 * with no admin password, so its banner names the UI's URL and the generated password file; Chromium signs in with
 * that password and finds Home with its snippets; each snippet sends data as written (a real Prometheus with the
 * remote_write block, the OpenTelemetry SDK configured by the OTLP environment, pino-loki at the agent config's client
 * URL, the Loki curl command run by `sh`, and the Sightline agent run with the promtail.yaml snippet tailing a file);
 * a scrape job is added on the Targets page and its target comes up (and reached from the Prometheus port's pages);
 * Explore queries the data; a log line's trace_id leads to the trace and the span back to only that trace's lines;
 * the service graph is clicked through. On the way, the shell (palette, shortcuts, breadcrumbs) and the fixes of
 * defects 1–10 are asserted (each has its detailed test in ui-e2e.test.ts; these assertions tie them together).
 */
import { execFile, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import pinoLoki from 'pino-loki';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { prometheusAvailable, startPrometheus, type PrometheusPeer } from './helpers/prometheus-peer.js';
import { REPO_ROOT, spawnSightline, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';
import { allInOneConfig, buildWebApp, chromiumAvailable, launchChromium, stopSightline } from './ui-browser.js';
import { requirePeer } from './ui-peers.js';
import { POD, pushTrace } from './ui-seed.js';

const enabled = requirePeer('Chromium', chromiumAvailable(), 'chromium') && prometheusAvailable();

describe.runIf(enabled)('issue 18 walk-through: empty data dir → banner → sign in → send data with each snippet → Targets → Explore → log → trace → span logs → service graph', () => {
  let out = '';
  let child: ReturnType<typeof spawn>;
  let exited: Promise<unknown>;
  let dataDir: string;
  let browser: BrowserContext;
  let page: Page;
  let ui: string;
  let promApi: string;
  let password: string;
  let app: Server;
  let prometheus: PrometheusPeer | undefined;
  let agent: SpawnedSightline | undefined;
  let agentLog: string;
  let traced: { traceId: string; spans: string[] };
  const snippets: Record<string, string> = {};

  beforeAll(async () => {
    const [webDir, b] = await Promise.all([buildWebApp(), launchChromium()]);
    browser = b;
    page = browser.pages()[0] ?? (await browser.newPage());
    const dir = tempDir();
    dataDir = join(dir, 'data');
    writeFileSync(join(dir, 'sightline.yaml'), allInOneConfig(webDir, { selfScrapeInterval: '1s', serviceGraphs: true }));
    // the single-process default (no --target), on a pseudo-terminal; `exec` keeps the pid printed first for SIGTERM
    const cmd = `echo PID=$$; exec ${process.execPath} --import tsx src/cli/main.ts --config.file ${join(dir, 'sightline.yaml')} --data-dir ${dataDir}`;
    const env = { ...process.env, GF_SECURITY_ADMIN_PASSWORD: '', SIGHTLINE_ADMIN_PASSWORD: '', SIGHTLINE_BANNER: '' };
    child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    exited = new Promise((r) => child.on('exit', r));
    app = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end('# TYPE shop_exporter_up gauge\nshop_exporter_up 1\n# TYPE shop_orders_total counter\nshop_orders_total{region="eu"} 7\n');
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await prometheus?.stop();
    await stopSightline(agent);
    app?.close();
    const pid = /PID=(\d+)/.exec(out)?.[1];
    if (pid) process.kill(Number(pid), 'SIGTERM');
    else child?.kill('SIGKILL');
    await exited;
  });

  it('starts from an empty data dir and prints a banner with the UI URL, the admin user and the generated password file (#9)', async () => {
    await waitFor(() => out.includes('Ctrl+C'), 40_000, 'the banner');
    const banner = out.slice(out.indexOf('Sightline '), out.indexOf('Ctrl+C'));
    ui = /Web UI\s+(http:\/\/localhost:\d+)/.exec(banner)![1]!;
    promApi = /Prometheus API\s+(http:\/\/localhost:\d+)/.exec(banner)![1]!;
    expect(banner).toMatch(/OTLP HTTP\s+http:\/\/localhost:\d+/);
    expect(banner).toContain('Sign in as "admin"');
    const file = /Password: generated at first start, in (\S+)/.exec(banner)![1]!;
    expect(file).toBe(join(dataDir, 'ui', 'initial-admin-password'));
    password = readFileSync(file, 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(16);
  });

  it('signs in with the generated password and shows Home: component health, ingest, alerts and the snippets', async () => {
    await page.goto(`${ui}/`);
    await page.waitForURL(/\/login/);
    await page.fill('input[name=user]', 'admin');
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    await page.waitForURL((u) => u.pathname === '/');
    await expect.poll(() => page.locator('[data-testid=home-health-item].health-OK').count(), { timeout: 10_000 }).toBe(4);
    await expect.poll(() => page.locator('[data-testid=home-alerts]').textContent(), { timeout: 10_000 }).toContain('No pending or firing alerts');
    // the self-scrape (1s) gives ingest rates within seconds
    await expect.poll(() => page.locator('[data-testid=ingest-samples] .ingest-value').textContent(), { timeout: 15_000 }).toMatch(/^[\d.,]+$/);
    for (const id of ['remote-write', 'otlp', 'promtail', 'loki-push']) snippets[id] = (await page.locator(`[data-testid=snippet-${id}] pre`).textContent()) ?? '';
    expect(snippets.otlp).toMatch(/^OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/127\.0\.0\.1:\d+$/m);
    expect(snippets['remote-write']).toMatch(/url: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write/);
  });

  it('the shell: Ctrl+K palette jumps to a page, ? lists the shortcuts, Esc closes, breadcrumbs follow', async () => {
    await page.keyboard.press('Control+K');
    const palette = page.locator('[data-testid=command-palette]');
    await expect.poll(() => palette.count()).toBe(1);
    await page.keyboard.type('prom targ');
    await expect.poll(() => palette.locator('[role=option]').allTextContents()).toEqual([expect.stringContaining('Targets')]);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/prometheus\/targets$/);
    expect(await palette.count()).toBe(0);
    expect(await page.locator('[data-testid=breadcrumbs] li').allTextContents()).toEqual(['Home', 'Prometheus', 'Targets']);
    await page.keyboard.press('?');
    await expect.poll(() => page.locator('[data-testid=shortcuts-help]').textContent()).toContain('Zoom out the time range');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid=shortcuts-help]').count()).toBe(0);
    await page.keyboard.press('g');
    await page.keyboard.press('h');
    await page.waitForURL((u) => u.pathname === '/');
  });

  it('sends data with each snippet as written', async () => {
    // OpenTelemetry SDK: the OTLP snippet's environment is all the exporter is given
    for (const line of snippets.otlp!.trim().split('\n')) {
      const [k, v] = line.split('=');
      process.env[k!] = v;
    }
    traced = await pushTrace();
    // Prometheus remote_write: a real Prometheus scraping an app, with the snippet's block as its remote_write
    const rw = parseYaml(snippets['remote-write']!) as { remote_write: { url: string }[] };
    const promDir = tempDir();
    prometheus = await startPrometheus(promDir, `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: shop-app\n    static_configs: [{ targets: ["127.0.0.1:${(app.address() as AddressInfo).port}"] }]\n${snippets['remote-write']}`);
    expect(rw.remote_write).toHaveLength(1);
    // the agent config's Loki client URL, used by pino-loki; one line carries the trace's ID
    const push = (parseYaml(snippets.promtail!) as { clients: { url: string }[] }).clients[0]!.url;
    const stream = pinoLoki({ host: push.replace(/\/loki\/api\/v1\/push$/, ''), batching: false, labels: { namespace: 'default', pod: POD, app: 'shop' } });
    const logger = pino({ base: undefined }, stream);
    logger.info('cart ok');
    logger.error({ trace_id: traced.traceId }, 'payment error: card declined');
    logger.warn('slow response, error budget at 80%');
    await new Promise<void>((r) => stream.end(r));
    // the Loki curl command, run by the shell exactly as shown
    await promisify(execFile)('sh', ['-c', snippets['loki-push']!]);
    // the Sightline agent with the promtail.yaml snippet, changed only where a user must: the log path (and, to share
    // the machine with other tests, its self-monitoring port and positions file); it tails a file this test writes
    const agentDir = tempDir();
    mkdirSync(join(agentDir, 'log'));
    agentLog = join(agentDir, 'log', 'my-app.log');
    writeFileSync(agentLog, 'agent line 1: started\n');
    const yaml = snippets.promtail!
      .replace('http_listen_port: 9080', 'http_listen_port: 0')
      .replace('/tmp/positions.yaml', join(agentDir, 'positions.yaml'))
      .replace('/var/log/my-app/*.log', join(agentDir, 'log', '*.log'));
    expect(yaml).not.toBe(snippets.promtail);
    writeFileSync(join(agentDir, 'promtail.yaml'), yaml);
    agent = spawnSightline(['--target', 'agent', '--promtail.config', join(agentDir, 'promtail.yaml'), '--data-dir', join(agentDir, 'data')]);
  }, 30_000);

  it('adds a scrape job on the Targets page and sees its target up, without a restart (#7, #10)', async () => {
    const target = `127.0.0.1:${(app.address() as AddressInfo).port}`;
    await page.click('[data-testid=nav-prometheus-targets]');
    await page.click('text=Add scrape job');
    await page.fill('form[aria-label="Scrape job"] input[name=job_name]', 'shop-exporter');
    await page.fill('form[aria-label="Scrape job"] input[name=targets]', target);
    await page.fill('form[aria-label="Scrape job"] input[name=scrape_interval]', '1s');
    await page.click('form[aria-label="Scrape job"] button[type=submit]');
    const pool = page.locator('[data-testid=scrape-pool]:has(h3:text("shop-exporter"))');
    await expect.poll(() => pool.locator('[data-testid=target-row]').textContent(), { timeout: 15_000 }).toContain('UP');
    // /-/reload says what it reloaded: no prometheus.yml here, the UI's job kept
    const reload = await fetch(`${promApi}/-/reload`, { method: 'POST' });
    expect(reload.status).toBe(200);
    expect(await reload.text()).toContain('scrape jobs from the UI: 1 applied');
    // Prometheus's own page paths on its port lead to these pages (#7): / to Explore, /targets here
    const redirect = await fetch(`${promApi}/targets`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(`${ui}/prometheus/targets`);
    await page.goto(`${promApi}/`);
    await page.waitForURL(`${ui}/explore?ds=prometheus`);
    await expect.poll(() => page.locator('[data-testid=promql-editor]').count(), { timeout: 10_000 }).toBe(1);
    await page.goto(`${promApi}/targets`);
    await expect.poll(() => pool.locator('[data-testid=target-row]').textContent(), { timeout: 10_000 }).toContain('UP');
  });

  it('queries in Explore: the remote-written and scraped series; a quick range keeps the query (#1); no popup over results (#2); t z zooms out', async () => {
    // Prometheus ships its WAL in batches: wait until the remote-written series is there, then query it in the UI
    const q = encodeURIComponent('shop_orders_total{job="shop-app"}');
    await waitFor(async () => ((await (await page.request.get(`${ui}/api/datasources/proxy/uid/prometheus/api/v1/query?query=${q}`)).json()) as { data: { result: unknown[] } }).data.result.length > 0, 20_000, 'remote-written samples').catch((e: Error) => {
      throw new Error(`${e.message}\n${readFileSync(join(prometheus!.dir, 'server.log'), 'utf8').slice(-3000)}`);
    });
    await page.goto(`${ui}/explore?ds=prometheus&step=1s`);
    const editor = page.locator('[data-testid=promql-editor] .cm-content');
    await editor.click();
    await page.keyboard.type('sum by (job) (shop_orders_total)');
    await page.keyboard.press('Escape');
    await page.fill('[data-testid=legend-format]', '{{job}}');
    await page.locator('[data-testid=legend-format]').blur();
    await page.click('[data-testid=time-range-button]');
    await page.click('.trp-quick button:has-text("Last 5 minutes")');
    await page.waitForURL(/from=now-5m/);
    expect(await editor.textContent()).toBe('sum by (job) (shop_orders_total)');
    // via remote write from Prometheus (job shop-app) and from the UI's scrape job (shop-exporter)
    const legend = page.locator('[data-testid=graph-legend] .legend-name');
    await expect.poll(async () => (await legend.allTextContents()).sort(), { timeout: 20_000 }).toEqual(['shop-app', 'shop-exporter']);
    expect(await page.locator('.cm-tooltip-autocomplete').count()).toBe(0);
    await page.evaluate('document.activeElement && document.activeElement.blur()');
    await page.keyboard.press('t');
    await page.keyboard.press('z');
    await expect.poll(() => {
      const u = new URL(page.url()).searchParams;
      return Number(u.get('to')) - Number(u.get('from'));
    }).toBe(10 * 60_000);
    expect(await page.locator('[data-testid=time-range-button]').textContent()).not.toMatch(/\d{12}/);
  }, 40_000);

  it('follows log → trace → span logs (only that trace\'s lines), with volume from 0 by level (#3, #4, #5)', async () => {
    await page.goto(`${ui}/explore?ds=loki&expr=${encodeURIComponent('{namespace="default"} |= "error"')}&from=now-15m&to=now`);
    const rows = page.locator('[data-testid=log-rows] li');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    const volume = page.locator('[data-testid=log-volume]');
    await expect.poll(() => volume.getAttribute('data-total'), { timeout: 10_000 }).toBe('2');
    expect(await volume.locator('[data-testid=graph]').getAttribute('data-y-min')).toBe('0');
    await page.click('[data-testid=derived-link]');
    await page.waitForURL(/split=/);
    const right = page.locator('[data-testid=explore-pane-right]');
    await expect.poll(() => right.locator('[data-testid=span-row] .span-name').allTextContents(), { timeout: 10_000 }).toEqual(traced.spans);
    expect(await right.locator('[data-testid=trace-header] [data-testid=trace-span-count]').textContent()).toBe('5');
    expect(await right.locator('[data-testid=trace-minimap] [data-testid=minimap-viewport]').count()).toBe(1);
    await right.locator('[data-testid=span-row]:has(.span-name:text-is("POST /pay"))').click();
    await right.locator('[data-testid=span-logs]').click();
    const left = page.locator('[data-testid=explore-pane-left]');
    await expect.poll(() => new URL(page.url()).searchParams.get('expr')).toContain(`|= "${traced.traceId}"`);
    await expect.poll(() => left.locator('[data-testid=log-rows] li').count(), { timeout: 10_000 }).toBe(1);
    expect(await left.locator('[data-testid=log-rows] mark').first().textContent()).toBe(traced.traceId);
    expect((await left.locator('[data-testid=time-range-button]').textContent()) ?? '').not.toMatch(/\d{12}/);
    // the curl snippet's line arrived too
    await page.goto(`${ui}/explore?ds=loki&expr=${encodeURIComponent('{app="hello"}')}&from=now-15m&to=now`);
    await expect.poll(() => page.locator('[data-testid=log-rows] .log-line').allTextContents(), { timeout: 10_000 }).toEqual(['hello world']);
    // and the agent's: the line written before it started and one appended while it tails (newest first)
    appendFileSync(agentLog, 'agent line 2: order placed\n');
    const agentLines = async () => {
      await page.goto(`${ui}/explore?ds=loki&expr=${encodeURIComponent('{app="my-app"}')}&from=now-15m&to=now`);
      await page.waitForSelector('[data-testid=log-rows], [data-testid=logs-empty], .empty, .error', { timeout: 10_000 }).catch(() => undefined);
      const got = await page.locator('[data-testid=log-rows] .log-line').allTextContents();
      return got.length === 2 ? got : undefined;
    };
    const got = await waitFor(agentLines, 20_000, 'the agent\'s lines in Explore').catch((e: Error) => {
      throw new Error(`${e.message}\nagent stderr:\n${agent!.stderr().slice(-2000)}\nstdout:\n${agent!.stdout().slice(-2000)}`);
    });
    expect(got).toEqual(['agent line 2: order placed', 'agent line 1: started']);
    expect(await page.locator('[data-testid=log-volume] [data-testid=graph]').getAttribute('data-y-ticks')).toMatch(/^0,1(,2)?$/);
  }, 40_000);

  it('opens the service graph and clicks through a node to its spans and rates (#6)', async () => {
    await pushTrace();
    await page.goto(`${ui}/explore?ds=tempo&tq=servicemap&from=now-15m&to=now`);
    const graph = page.locator('[data-testid=service-graph]');
    await expect.poll(() => graph.locator('[data-testid=sg-node] .sg-name').allTextContents(), { timeout: 20_000 }).toEqual(['bank', 'shop']);
    await graph.locator('[data-testid=sg-node]:has(.sg-name:text-is("bank"))').click();
    const details = page.locator('[data-testid=sg-details]');
    await expect.poll(() => details.locator('[data-testid=trace-results] tbody tr td:first-child').allTextContents(), { timeout: 10_000 }).toContain(traced.traceId);
    await details.locator('text=Open in TraceQL').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('expr')).toBe('{resource.service.name="bank"}');
    // the trace search form lives in the URL
    await page.goto(`${ui}/explore?ds=tempo&tq=search&expr=${encodeURIComponent('service=bank&span=authorize')}&from=now-15m&to=now`);
    await expect.poll(() => page.locator('[data-testid=search-service]').inputValue(), { timeout: 10_000 }).toBe('bank');
    await expect.poll(() => page.locator('[data-testid=trace-results] tbody tr td:first-child').allTextContents(), { timeout: 10_000 }).toContain(traced.traceId);
  }, 40_000);

  it('shows datasource settings as forms, JSON only as an advanced view (#8)', async () => {
    await page.goto(`${ui}/datasources/edit/loki`);
    await expect.poll(() => page.locator('button:has-text("Add derived field")').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('textarea[name=jsonData]').count()).toBe(0);
    expect(await page.locator('[data-testid=breadcrumbs] li').allTextContents()).toEqual(['Home', 'Connections', 'Data sources', 'Edit']);
  });
});
