import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { prometheusFlags, registerPrometheusApi, type PrometheusApiDeps } from '../src/metrics/api/index.js';
import { Labels, MemoryStorage } from '../src/metrics/index.js';
import type { PromqlEngine } from '../src/metrics/promql/types.js';
import { sightlineConfigSchema } from '../src/config/index.js';
import { createHttpServer, createSelfMetricsRegistry, listen, silentLogger } from '../src/server/index.js';

/** The API mounted the way the metrics component will mount it: on the shared server, beside its own routes. */
const noEngine: PromqlEngine = {
  instantQuery: () => Promise.reject(new Error('not used')),
  rangeQuery: () => Promise.reject(new Error('not used')),
};

let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  const storage = new MemoryStorage();
  const ap = storage.appender();
  ap.append(0, Labels.fromObject({ __name__: 'up', job: 'sightline' }), 1000, 1);
  await ap.commit();
  const cfg = sightlineConfigSchema.parse({}).metrics;
  const deps: PrometheusApiDeps = {
    queryable: storage,
    engine: noEngine,
    configYaml: () => '',
    flags: () => prometheusFlags(cfg, '/tmp/data'),
    buildInfo: { version: '3.5.0', revision: '', branch: '', buildUser: '', buildDate: '', goVersion: '' },
  };
  app = createHttpServer({ name: 'metrics', listenAddress: '127.0.0.1:0', logger: silentLogger(), registry: createSelfMetricsRegistry() });
  registerPrometheusApi(app, deps, { maxConcurrentQueries: cfg.query.max_concurrency, queryTimeoutMs: cfg.query.timeout });
  registerPrometheusApi(app, deps, { prefix: '/prometheus/api/v1' });
  const port = await listen(app, '127.0.0.1:0');
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await app.close();
});

describe('API on the shared server', () => {
  it('serves both prefixes beside /-/ready and /metrics', async () => {
    expect((await fetch(`${base}/-/ready`)).status).toBe(200);
    expect((await (await fetch(`${base}/metrics`)).text()).length).toBeGreaterThan(0);
    expect(await (await fetch(`${base}/api/v1/labels`)).json()).toEqual({ status: 'success', data: ['__name__', 'job'] });
    const r = await fetch(`${base}/prometheus/api/v1/series`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'match[]=up',
    });
    expect(await r.json()).toEqual({ status: 'success', data: [{ __name__: 'up', job: 'sightline' }] });
    const flags = (await (await fetch(`${base}/api/v1/status/flags`)).json()) as { data: Record<string, string> };
    expect(flags.data['query.timeout']).toBe('2m');
  });
});
