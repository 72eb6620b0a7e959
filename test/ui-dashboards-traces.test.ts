/**
 * Tempo panels on a dashboard in Chromium, over a real trace from the OpenTelemetry SDK (OTLP/HTTP, two services,
 * shop → bank) and the service-graph series the metrics generator derives from it: a traces panel with a trace-ID
 * query draws Explore's waterfall, a traces panel with a TraceQL search lists the trace and opens it on a click, and
 * a node graph panel with a service-map query draws Explore's service graph (shop → bank).
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpawnedSightline } from './helpers/process.js';
import { artifactsDir, chromiumAvailable, stopSightline } from './ui-browser.js';
import { startDashboardStack } from './ui-dashboards-stack.js';
import { requirePeer } from './ui-peers.js';
import { pushTrace } from './ui-seed.js';

const enabled = requirePeer('Chromium', chromiumAvailable(), 'chromium');
const TEMPO = { type: 'tempo', uid: 'tempo' };

const DASHBOARD = {
  uid: 'tempo-panels',
  title: 'Tempo panels',
  schemaVersion: 39,
  time: { from: 'now-15m', to: 'now' },
  templating: { list: [{ name: 'traceId', type: 'textbox', query: '', current: { text: '', value: '' } }] },
  panels: [
    { id: 1, type: 'traces', title: 'Trace', datasource: TEMPO, gridPos: { x: 0, y: 0, w: 24, h: 10 }, targets: [{ refId: 'A', datasource: TEMPO, queryType: 'traceql', query: '$traceId' }] },
    { id: 2, type: 'traces', title: 'Bank traces', datasource: TEMPO, gridPos: { x: 0, y: 10, w: 12, h: 10 }, targets: [{ refId: 'A', datasource: TEMPO, queryType: 'traceql', query: '{resource.service.name="bank"}', limit: 20 }] },
    { id: 3, type: 'nodeGraph', title: 'Service graph', datasource: TEMPO, gridPos: { x: 12, y: 10, w: 12, h: 10 }, targets: [{ refId: 'A', datasource: TEMPO, queryType: 'serviceMap' }] },
  ],
};

describe.runIf(enabled)('dashboards in Chromium: traces and node graph panels over Tempo', () => {
  let sightline: SpawnedSightline;
  let base: string;
  let browser: BrowserContext;
  let page: Page;
  let url = '';
  let traceId = '';
  const shots = artifactsDir('ui-dashboards-traces');

  beforeAll(async () => {
    let urls: string[];
    ({ sightline, browser, page, base, urls } = await startDashboardStack(
      'dash-traces-password',
      [],
      [DASHBOARD],
      async (ports) => {
        // two traces a few seconds apart: the service-graph counters the generator writes then increase over the range
        ({ traceId } = await pushTrace(`http://127.0.0.1:${ports.otlp_http}`));
        await new Promise((r) => setTimeout(r, 3000));
        await pushTrace(`http://127.0.0.1:${ports.otlp_http}`);
      },
      { serviceGraphs: true },
    ));
    url = urls[0]!;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stopSightline(sightline);
  });

  it('draws the trace by ID as a waterfall, the TraceQL search as a list that opens the trace, and the service graph', async () => {
    const open = async () => {
      await page.goto(`${base}${url}?var-traceId=${traceId}`);
      await expect.poll(() => page.locator('[data-testid=dashboard-grid]').getAttribute('data-all-drawn'), { timeout: 20_000 }).toBe('true');
    };
    await open();
    const trace = page.locator('[data-panel-title=Trace]');
    await expect.poll(() => trace.locator('[data-testid=span-row] .span-name').allTextContents(), { timeout: 15_000 }).toEqual(['POST /pay', 'charge card', 'call bank', 'authorize', 'ledger write']);
    expect(await trace.getAttribute('data-has-data')).toBe('true');
    expect(await trace.locator('[data-testid=trace-span-count]').textContent()).toBe('5');
    // the search finds the trace through its bank spans; a click opens its waterfall in the panel, back lists again
    const search = page.locator('[data-panel-title="Bank traces"]');
    await expect.poll(async () => {
      if ((await search.locator('[data-testid=trace-results] tbody tr').count()) === 0) await open();
      return search.locator('[data-testid=trace-results] tbody tr').count();
    }, { timeout: 20_000 }).toBe(2);
    const hit = search.locator('[data-testid=trace-results] tbody tr', { hasText: traceId });
    expect(await hit.locator('td').nth(2).textContent()).toBe('shop');
    await hit.locator('a').click();
    await expect.poll(() => search.locator('[data-testid=span-row]').count(), { timeout: 10_000 }).toBe(5);
    expect(await search.locator('[data-testid=panel-traces]').getAttribute('data-trace-id')).toBe(traceId);
    await search.locator('[data-testid=traces-back]').click();
    expect(await search.locator('[data-testid=trace-results] tbody tr').count()).toBe(2);
    // the node graph: the generator's shop → bank edge, from the Prometheus datasource Tempo's serviceMap names
    const graph = page.locator('[data-panel-title="Service graph"]');
    await expect.poll(async () => {
      if ((await graph.locator('[data-testid=sg-node]').count()) === 0) await open();
      return graph.locator('[data-testid=sg-edge]').evaluateAll((els) => els.map((e) => e.getAttribute('data-edge')));
    }, { timeout: 30_000 }).toEqual(['shop→bank']);
    expect((await graph.locator('[data-testid=sg-node]').allTextContents()).join(' ')).toMatch(/shop.*bank|bank.*shop/);
    await page.screenshot({ path: join(shots, 'tempo-panels.png'), fullPage: true });
  }, 120_000);
});
