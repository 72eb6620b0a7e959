import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sightlineConfigSchema } from '../config/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../server/index.js';
import { startMetrics, type MetricsComponent } from './component.js';

/** `POST /-/reload` of the Prometheus role: says what it reloaded, or that there is nothing to reload. */
describe('POST /-/reload', () => {
  let m: MetricsComponent | undefined;
  afterEach(async () => {
    await m?.stop();
    m = undefined;
  });

  const start = async (configFile?: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'reload-'));
    const config = sightlineConfigSchema.parse({ metrics: { listen_address: '127.0.0.1:0', scrape_self: false, ...(configFile ? { prometheus_config_file: configFile } : {}) } });
    m = await startMetrics({ config, dataDir: dir, logger: silentLogger(), registry: createSelfMetricsRegistry() });
    return `http://127.0.0.1:${m.ports.prometheus}/-/reload`;
  };

  it('answers 200 saying there is nothing to reload without a prometheus.yml or UI jobs, and lists UI jobs once added', async () => {
    const url = await start();
    const r = await fetch(url, { method: 'POST' });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('nothing to reload: started without --prometheus.config and no scrape jobs were added in the UI\n');
    m!.scrapeJobs.set([{ job_name: 'app', targets: ['127.0.0.1:1'] }]);
    expect(await (await fetch(url, { method: 'POST' })).text()).toBe('reloaded:\n  scrape jobs from the UI: 1 applied\n');
  });

  it('names the file, its jobs, rule files and alertmanagers; 500 with the error text when the file is bad', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reload-file-'));
    const file = join(dir, 'prometheus.yml');
    writeFileSync(join(dir, 'r.yml'), 'groups:\n- name: g\n  rules:\n  - record: x\n    expr: vector(1)\n');
    writeFileSync(file, 'rule_files: [r.yml]\nalerting:\n  alertmanagers:\n  - static_configs:\n    - targets: ["127.0.0.1:1"]\nscrape_configs:\n- job_name: a\n  static_configs:\n  - targets: ["127.0.0.1:1"]\n');
    const url = await start(file);
    // A UI job may not take a file job's name.
    expect(() => m!.scrapeJobs.set([{ job_name: 'a', targets: ['127.0.0.1:2'] }])).toThrow(/defined in prometheus.yml/);
    const ok = await fetch(url, { method: 'PUT' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe(`reloaded:\n  prometheus.yml ${file}: 1 scrape job(s), 1 rule file(s), 1 alertmanager config(s)\n`);
    writeFileSync(file, 'scrape_configs: 7\n');
    const bad = await fetch(url, { method: 'POST' });
    expect(bad.status).toBe(500);
    expect(await bad.text()).toMatch(/^failed to reload config: .*scrape_configs/);
  });
});
