import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Gauge, Histogram, Registry, type OpenMetricsContentType } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry as SelfRegistry } from '../src/server/index.js';
import { buildPrometheusConfig, loadPrometheusConfig } from '../src/metrics/promconfig/index.js';
import { ScrapeManager } from '../src/metrics/scrape/index.js';
import { MemoryStorage } from '../src/metrics/storage-api/index.js';
import type { Exemplar, Labels, MetricMetadata } from '../src/model/index.js';
import { tempDir, waitFor } from './helpers/process.js';
import { selectSeries, serve, type Served } from './scrape-helpers.js';

/** An application instrumented with the real prom-client library, served on loopback. */
async function startApp(name: string): Promise<Served & { requests: Counter }> {
  const registry = new Registry();
  const requests = new Counter({ name: 'http_requests_total', help: 'Requests handled.', labelNames: ['method', 'code'], registers: [registry] });
  const inflight = new Gauge({ name: 'app_inflight_requests', help: 'In-flight requests.', registers: [registry] });
  const latency = new Histogram({ name: 'http_request_duration_seconds', help: 'Latency.', buckets: [0.1, 1], registers: [registry] });
  requests.inc({ method: 'GET', code: '200' }, 3);
  requests.inc({ method: 'POST', code: '500' });
  inflight.set(2);
  latency.observe(0.05);
  latency.observe(0.5);
  registry.setDefaultLabels({ app: name });
  const s = await serve(async (req, res) => {
    if (req.url !== '/metrics') {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('Content-Type', registry.contentType);
    res.end(await registry.metrics());
  });
  return Object.assign(s, { requests });
}

describe('scraping a prom-client application', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  it('scrapes every second with the right labels, marks series stale when a target leaves file_sd or goes down', async () => {
    const a = await startApp('a');
    const b = await startApp('b');
    cleanups.push(() => a.close(), () => b.close());
    const dir = tempDir();
    const sdFile = join(dir, 'targets.json');
    const writeTargets = (targets: string[]) => {
      writeFileSync(`${sdFile}.tmp`, JSON.stringify([{ targets, labels: { env: 'test' } }]));
      renameSync(`${sdFile}.tmp`, sdFile);
    };
    writeTargets([a.address, b.address]);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      ['global:', '  scrape_interval: 1s', 'scrape_configs:', '- job_name: app', '  file_sd_configs:', '  - files: [targets.json]', '    refresh_interval: 1s'].join('\n'),
    );
    const cfg = loadPrometheusConfig(join(dir, 'prometheus.yml'));
    const storage = new MemoryStorage();
    const registry = new SelfRegistry();
    const mgr = new ScrapeManager(storage, { registry, discoveryUpdateIntervalMs: 100 });
    cleanups.push(() => mgr.stop());
    mgr.applyConfig(cfg);

    // Samples land with target labels (job, instance, file_sd labels) and the app's own labels.
    const reqs = await waitFor(async () => {
      const s = await selectSeries(storage, { __name__: 'http_requests_total', instance: a.address, method: 'GET' });
      return s.length === 1 && s[0].v.length >= 2 ? s : undefined;
    }, 10_000, 'two scrapes of app a');
    expect(reqs[0].labels).toEqual({ __name__: 'http_requests_total', job: 'app', instance: a.address, env: 'test', app: 'a', method: 'GET', code: '200' });
    expect(reqs[0].v[0]).toBe(3);
    const gap = reqs[0].t[1] - reqs[0].t[0];
    expect(gap).toBeGreaterThanOrEqual(900);
    expect(gap).toBeLessThanOrEqual(1100);
    const up = await selectSeries(storage, { __name__: 'up', job: 'app' });
    expect(up.map((s) => s.labels.instance).sort()).toEqual([a.address, b.address].sort());
    for (const s of up) expect(s.v.every((v) => v === 1)).toBe(true);
    expect(up[0].labels).toMatchObject({ job: 'app', env: 'test' });
    const buckets = await selectSeries(storage, { __name__: 'http_request_duration_seconds_bucket', instance: b.address });
    expect(buckets.map((s) => s.labels.le).sort()).toEqual(['+Inf', '0.1', '1']);
    const scraped = await selectSeries(storage, { __name__: 'scrape_samples_scraped', instance: a.address });
    expect(scraped[0].v[0]).toBeGreaterThan(5);
    for (const name of ['scrape_duration_seconds', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']) {
      expect((await selectSeries(storage, { __name__: name, instance: a.address })).length).toBe(1);
    }
    const added = await selectSeries(storage, { __name__: 'scrape_series_added', instance: a.address });
    expect(added[0].v[0]).toBe(scraped[0].v[0]);
    expect(added[0].v[1]).toBe(0);

    // The counter moves; the next scrapes see it.
    a.requests.inc({ method: 'GET', code: '200' }, 10);
    await waitFor(async () => (await selectSeries(storage, { __name__: 'http_requests_total', instance: a.address, method: 'GET' }))[0].v.includes(13), 5000, 'updated counter');

    // b removed from the file: all its series (and its report series) go stale.
    writeTargets([a.address]);
    await waitFor(async () => {
      const s = await selectSeries(storage, { instance: b.address, __name__: 'http_requests_total', method: 'GET' });
      return s[0]?.stale;
    }, 10_000, 'staleness markers for b');
    const bAll = await selectSeries(storage, { instance: b.address, __name__: 'up' });
    expect(bAll[0].stale).toBe(true);
    expect(mgr.activeTargets().map((t) => t.labels.get('instance'))).toEqual([a.address]);

    // a goes down: the scrape fails, up becomes 0 and a's series go stale.
    await a.close();
    await waitFor(async () => {
      const s = await selectSeries(storage, { __name__: 'up', instance: a.address });
      return s[0].v.at(-1) === 0;
    }, 10_000, 'up 0 for a');
    const aReqs = await selectSeries(storage, { __name__: 'http_requests_total', instance: a.address, method: 'GET' });
    expect(aReqs[0].stale).toBe(true);
    const status = mgr.activeTargets()[0];
    expect(status.health).toBe('down');
    expect(status.lastError).toMatch(/ECONNREFUSED|connect/);
    expect(status.scrapeUrl).toBe(`http://${a.address}/metrics`);
    expect(status.discoveredLabels.get('__meta_filepath')).toBe(sdFile);

    // Self-metrics under Prometheus's names.
    const text = await registry.metrics();
    // The measured interval is about 1 s; on a loaded machine a late scrape can stretch it, so only bound it loosely.
    const median = /prometheus_target_interval_length_seconds\{quantile="0.5",interval="1s"\} ([\d.e+-]+)/.exec(text);
    expect(median).not.toBeNull();
    expect(Number(median![1])).toBeGreaterThan(0.5);
    expect(Number(median![1])).toBeLessThan(5);
    expect(text).toContain('prometheus_target_scrape_pool_targets{scrape_job="app"} 1');
    expect(text).toContain('prometheus_sd_discovered_targets{config="app",name="scrape"} 1');
  });

  it('scrapes a prom-client registry in OpenMetrics format with exemplars and metadata', async () => {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const jobs = new Counter({ name: 'jobs_processed', help: 'Jobs processed.', labelNames: ['queue'], registers: [registry], enableExemplars: true });
    // prom-client's types tie exemplar label names to the metric's; at runtime any names are allowed.
    jobs.inc({ labels: { queue: 'q1' }, value: 2, exemplarLabels: { traceId: 'abc123' } as unknown as Record<'queue', string> });
    const app = await serve(async (_req, res) => {
      res.setHeader('Content-Type', registry.contentType);
      res.end(await registry.metrics());
    });
    cleanups.push(() => app.close());
    const exemplars: string[] = [];
    const metadata = new Map<string, string>();
    const storage = new MemoryStorage();
    // Test double around the real storage: records what the scraper hands to the appender besides samples.
    const recording = {
      appender: () => {
        const inner = storage.appender();
        return {
          ...inner,
          append: inner.append,
          commit: inner.commit,
          rollback: inner.rollback,
          appendExemplar: (ref: number, labels: Labels, ex: Exemplar) => {
            exemplars.push(`${labels.get('__name__')} ${ex.labels.get('traceId')} ${ex.value}`);
            return inner.appendExemplar(ref, labels, ex);
          },
          updateMetadata: (ref: number, labels: Labels, m: MetricMetadata) => {
            metadata.set(labels.get('__name__'), `${m.type} ${m.help}`);
            return inner.updateMetadata(ref, labels, m);
          },
        };
      },
    };
    const mgr = new ScrapeManager(recording, { discoveryUpdateIntervalMs: 10 });
    cleanups.push(() => mgr.stop());
    mgr.applyConfig(buildPrometheusConfig({ scrape_configs: [{ job_name: 'om', scrape_interval: '1s', static_configs: [{ targets: [app.address] }] }] }));
    const s = await waitFor(async () => (await selectSeries(storage, { __name__: 'jobs_processed_total' }))[0], 5000, 'OpenMetrics counter');
    expect(s.labels).toEqual({ __name__: 'jobs_processed_total', job: 'om', instance: app.address, queue: 'q1' });
    expect(s.v[0]).toBe(2);
    expect(exemplars[0]).toBe('jobs_processed_total abc123 2');
    expect(metadata.get('jobs_processed_total')).toBe('counter Jobs processed.');
    expect(mgr.activeTargets()[0].health).toBe('up');
  });
});
