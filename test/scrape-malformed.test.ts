import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusConfig } from '../src/metrics/promconfig/index.js';
import { ScrapeManager } from '../src/metrics/scrape/index.js';
import { MemoryStorage } from '../src/metrics/storage-api/index.js';
import { waitFor } from './helpers/process.js';
import { selectSeries, serve } from './scrape-helpers.js';

describe('a malformed exposition body', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  it('fails that scrape only: up 0 and the error in the target status; other targets keep working', async () => {
    const registry = new Registry();
    new Counter({ name: 'good_requests_total', help: 'x', registers: [registry] }).inc(4);
    const good = await serve(async (_req, res) => {
      res.setHeader('Content-Type', registry.contentType);
      res.end(await registry.metrics());
    });
    let badBody = 'fine_metric 1\n';
    const bad = await serve((_req, res) => {
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      res.end(badBody);
    });
    cleanups.push(() => good.close(), () => bad.close());
    const cfg = parsePrometheusConfig(
      `global:\n  scrape_interval: 1s\nscrape_configs:\n- job_name: mixed\n  static_configs:\n  - targets: ['${good.address}', '${bad.address}']\n- job_name: other\n  static_configs:\n  - targets: ['${good.address}']\n`,
      'p.yml',
    );
    const storage = new MemoryStorage();
    const mgr = new ScrapeManager(storage, { discoveryUpdateIntervalMs: 50 });
    cleanups.push(() => mgr.stop());
    mgr.applyConfig(cfg);
    await waitFor(async () => (await selectSeries(storage, { __name__: 'fine_metric' }))[0]?.v.length >= 1, 5000, 'a good scrape of the bad target');
    badBody = 'fine_metric 1\nbroken_metric{le="0.5" 7\n';
    await waitFor(() => mgr.activeTargets().find((t) => t.labels.get('instance') === bad.address)?.health === 'down', 5000, 'the bad target to fail');
    const statuses = mgr.activeTargets();
    const badStatus = statuses.find((t) => t.labels.get('instance') === bad.address)!;
    expect(badStatus.lastError).toMatch(/^line 2: /);
    expect(badStatus.lastScrape).toBeGreaterThan(0);
    await waitFor(() => mgr.activeTargets().filter((t) => t.labels.get('instance') === good.address).every((t) => t.health === 'up' && t.lastError === ''), 5000, 'good targets up');
    const up = await selectSeries(storage, { __name__: 'up', instance: bad.address });
    expect(up[0].v.at(-1)).toBe(0);
    expect(up[0].v).toContain(1);
    // The good sample of the failed body is not ingested; the earlier series goes stale.
    expect((await selectSeries(storage, { __name__: 'fine_metric' }))[0].stale).toBe(true);
    expect(await selectSeries(storage, { __name__: 'broken_metric' })).toEqual([]);
    const goodUp = await selectSeries(storage, { __name__: 'up', instance: good.address });
    expect(goodUp.map((s) => s.labels.job).sort()).toEqual(['mixed', 'other']);
    for (const s of goodUp) expect(s.v.every((v) => v === 1)).toBe(true);
    expect((await selectSeries(storage, { __name__: 'good_requests_total', job: 'mixed' }))[0].stale).toBe(false);
  });
});
