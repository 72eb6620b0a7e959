import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../../../test/helpers/process.js';
import { selectSeries, serve } from '../../../test/scrape-helpers.js';
import { readTargetFile } from '../discovery/index.js';
import { buildPrometheusConfig } from '../promconfig/index.js';
import { MemoryStorage } from '../storage-api/index.js';
import { ScrapeManager } from './manager.js';

describe('ScrapeManager', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  it('keeps loops of unchanged jobs on reload, carries state into changed jobs, marks removed jobs stale, and self-scrapes', async () => {
    const srv = await serve((_req, res) => {
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      res.end('m 1\n');
    });
    cleanups.push(() => srv.close());
    const storage = new MemoryStorage();
    const mgr = new ScrapeManager(storage, { discoveryUpdateIntervalMs: 10 });
    cleanups.push(() => mgr.stop());
    const job = (name: string, extra: Record<string, unknown> = {}) => ({ job_name: name, scrape_interval: '1s', static_configs: [{ targets: [srv.address] }], ...extra });
    mgr.addSelfScrape({ address: srv.address, intervalMs: 1000 });
    mgr.applyConfig(buildPrometheusConfig({ scrape_configs: [job('a'), job('b')] }));
    await waitFor(() => mgr.activeTargets().length === 3 && mgr.activeTargets().every((t) => t.health === 'up'), 5000, 'three targets up');
    expect(mgr.scrapePools()).toEqual(['a', 'b', 'sightline']);
    const loopA = mgr.pool('a')!.activeLoops()[0];
    const loopB = mgr.pool('b')!.activeLoops()[0];

    mgr.applyConfig(buildPrometheusConfig({ scrape_configs: [job('a'), job('b', { honor_labels: true })] }));
    expect(mgr.pool('b')!.config.honor_labels).toBe(true);
    expect(mgr.pool('a')!.activeLoops()[0]).toBe(loopA);
    const newB = mgr.pool('b')!.activeLoops()[0];
    expect(newB).not.toBe(loopB);
    expect(newB.lastScrape).toBeGreaterThan(0); // state carried over
    expect(newB.target.key).toBe(loopB.target.key);

    mgr.applyConfig(buildPrometheusConfig({ scrape_configs: [job('b', { honor_labels: true })] }));
    await waitFor(async () => (await selectSeries(storage, { __name__: 'm', job: 'a' }))[0]?.stale, 5000, 'job a stale');
    expect((await selectSeries(storage, { __name__: 'up', job: 'a' }))[0].stale).toBe(true);
    expect(mgr.scrapePools()).toEqual(['b', 'sightline']);
    expect((await selectSeries(storage, { __name__: 'up', job: 'sightline' }))[0].v).toContain(1);
  });

  it('reads file_sd JSON and YAML with globs and keeps a broken file at its last good content', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sd'));
    writeFileSync(join(dir, 'sd', 'a.yml'), '- targets: ["h1:80", "h2:80"]\n  labels:\n    team: x\n    port: 80\n');
    writeFileSync(join(dir, 'sd', 'b.json'), JSON.stringify([{ targets: ['h3:80'] }]));
    expect(readTargetFile(join(dir, 'sd', 'a.yml'))).toEqual([{ source: `${join(dir, 'sd', 'a.yml')}:0`, targets: [{ __address__: 'h1:80' }, { __address__: 'h2:80' }], labels: { team: 'x', port: '80', __meta_filepath: join(dir, 'sd', 'a.yml') } }]);
    const mgr = new ScrapeManager(new MemoryStorage(), { discoveryUpdateIntervalMs: 10 });
    cleanups.push(() => mgr.stop());
    mgr.applyConfig(buildPrometheusConfig({ scrape_configs: [{ job_name: 'f', scrape_interval: '1h', file_sd_configs: [{ files: [join(dir, 'sd', '*.yml'), join(dir, 'sd', '*.json')], refresh_interval: '1s' }] }] }));
    await waitFor(() => mgr.activeTargets().length === 3, 5000, 'three file targets');
    writeFileSync(join(dir, 'sd', 'b.json'), '{ not json');
    writeFileSync(join(dir, 'sd', 'c.json'), JSON.stringify([{ targets: ['h4:80'] }]));
    await waitFor(() => mgr.activeTargets().length === 4, 5000, 'new file picked up');
    expect(mgr.activeTargets().map((t) => t.labels.get('instance')).sort()).toEqual(['h1:80', 'h2:80', 'h3:80', 'h4:80']);
    expect(await mgr.metrics.sdFileReadErrors.get().then((m) => m.values[0].value)).toBeGreaterThan(0);
  });
});
