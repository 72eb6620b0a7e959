import { freePort } from './helpers/process.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFloatF, formatSampleValue, registerPrometheusApi } from '../src/metrics/api/index.js';
import { MemoryStorage } from '../src/metrics/index.js';
import type { PromqlEngine } from '../src/metrics/promql/types.js';
import { tempDir, waitFor } from './helpers/process.js';

/**
 * Side by side with the real Prometheus (Debian package `prometheus`, 2.42 in CI): the same requests to both,
 * the same status and body. Only answers that Prometheus 3 gives unchanged are compared (2.42 predates the
 * `invalid time value for` wrapping of optional times, UTF-8 names and the `stats` warning).
 */
const HAVE_PROMETHEUS = spawnSync('prometheus', ['--version']).status === 0;
if (!HAVE_PROMETHEUS && process.env.CI === 'true') throw new Error('the Debian package "prometheus" is required in CI (apt-get install prometheus)');
if (!HAVE_PROMETHEUS) console.warn('skipping the side-by-side API tests: the `prometheus` binary is not installed');


/** TEST DOUBLE engine: these comparisons never reach evaluation (they fail in parameter parsing first). */
const unreachableEngine: PromqlEngine = {
  instantQuery: () => Promise.reject(new Error('engine must not be reached')),
  rangeQuery: () => Promise.reject(new Error('engine must not be reached')),
};

let prom: ChildProcess | undefined;
let promBase = '';
let app: FastifyInstance | undefined;
let ourBase = '';

beforeAll(async () => {
  if (!HAVE_PROMETHEUS) return;
  const dir = tempDir('sightline-api-prom-');
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
  const port = await freePort();
  prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: 'ignore',
  });
  promBase = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${promBase}/-/ready`)).ok, 20_000, 'prometheus ready');

  app = Fastify({ forceCloseConnections: true });
  registerPrometheusApi(app, {
    queryable: new MemoryStorage(),
    engine: unreachableEngine,
    configYaml: () => '',
    flags: () => ({}),
    buildInfo: { version: '', revision: '', branch: '', buildUser: '', buildDate: '', goVersion: '' },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  ourBase = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}, 30_000);

afterAll(async () => {
  prom?.kill('SIGTERM');
  await app?.close();
});

async function both(path: string): Promise<[{ status: number; body: string }, { status: number; body: string }]> {
  const one = async (base: string) => {
    const r = await fetch(base + path);
    return { status: r.status, body: await r.text() };
  };
  return Promise.all([one(promBase), one(ourBase)]);
}

const q = encodeURIComponent;

describe.skipIf(!HAVE_PROMETHEUS)('same answers as Prometheus', () => {
  it.each([
    `/api/v1/series?match[]=${q('{foo')}`,
    `/api/v1/series?match[]=${q('foo{bar}')}`,
    `/api/v1/series?match[]=${q('foo{bar="')}`,
    `/api/v1/series?match[]=`,
    `/api/v1/series?match[]=${q('foo bar')}`,
    `/api/v1/series?match[]=${q('{foo=""}')}`,
    `/api/v1/series?match[]=${q('foo[5m]')}`,
    `/api/v1/series?match[]=1`,
    `/api/v1/series?match[]=${q('{foo=bar}')}`,
    `/api/v1/series?match[]=${q('{,}')}`,
    `/api/v1/series?match[]=${q('{foo!x}')}`,
    `/api/v1/series?match[]=${q('foo{a="b"}{c="d"}')}`,
    `/api/v1/series?match[]=${q('{a="b" c="d"}')}`,
    `/api/v1/series?match[]=${q('foo{a="b"} offset 5m')}`,
    `/api/v1/series?match[]=${q('{a="\\q"}')}`,
    `/api/v1/series?match[]=${q('{a=}')}`,
    `/api/v1/series?match[]=${q('foo}')}`,
    `/api/v1/series?match[]=${q('(foo)')}`,
    `/api/v1/series?match[]=${q('up{job=~"a|b",x!~"c"}')}`,
    `/api/v1/series?match[]=${q("{a='b',c=`d`,}")}`,
    '/api/v1/series',
    '/api/v1/labels',
    `/api/v1/labels?match[]=${q('{a=""}')}`,
    '/api/v1/label/job/values',
    '/api/v1/query_range?query=up&start=x&end=1&step=1',
    '/api/v1/query_range?query=up&start=1&end=y&step=1',
    '/api/v1/query_range?query=up&end=1&step=1',
    '/api/v1/query_range?query=up&start=2&end=1&step=1',
    '/api/v1/query_range?query=up&start=1&end=2',
    '/api/v1/query_range?query=up&start=1&end=2&step=z',
    '/api/v1/query_range?query=up&start=1&end=2&step=0',
    '/api/v1/query_range?query=up&start=1&end=2&step=-1m',
    '/api/v1/query_range?query=up&start=0&end=110010&step=10',
    '/api/v1/query_range?query=up&start=2015-07-01T20:10:51Z&end=2015-07-01T20:10:50.999Z&step=1',
    '/api/v1/query?query=up&timeout=x',
    '/api/v1/query?query=up&timeout=1e300',
    '/api/v1/query_exemplars?query=up&start=2&end=1',
    '/api/v1/metadata?limit=x',
    '/api/v1/rules?type=x',
    '/api/v1/targets/metadata',
    '/api/v1/targets/metadata?limit=x',
    `/api/v1/targets/metadata?match_target=${q('{job')}`,
    '/api/v1/alerts',
  ])('%s', async (path) => {
    const [theirs, ours] = await both(path);
    expect(ours).toEqual(theirs);
  });

  it('formats sample and scalar values exactly as Prometheus does', async () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['-0', -0],
      ['1', 1],
      ['-1.5', -1.5],
      ['0.1+0.2', 0.1 + 0.2],
      ['1/3', 1 / 3],
      ['2/3', 2 / 3],
      ['1e-6', 1e-6],
      ['1e-7', 1e-7],
      ['0.000001234', 0.000001234],
      ['1.5e-10', 1.5e-10],
      ['5e-324', 5e-324],
      ['123456789.123456789', Number('123456789.123456789')],
      ['1e20', 1e20],
      ['9.999999e20', 9.999999e20],
      ['1e21', 1e21],
      ['1.7976931348623157e308', 1.7976931348623157e308],
      ['+Inf', Infinity],
      ['-Inf', -Infinity],
      ['NaN', NaN],
    ];
    for (const [lit, v] of cases) {
      const vec = (await (await fetch(`${promBase}/api/v1/query?time=1.5&query=${q(`vector(${lit})`)}`)).json()) as { data: { result: { value: [number, string] }[] } };
      const sca = (await (await fetch(`${promBase}/api/v1/query?time=1.5&query=${q(lit)}`)).json()) as { data: { result: [number, string] } };
      const [, vs] = vec.data.result[0].value;
      const [, ss] = sca.data.result;
      expect(formatSampleValue(v), `vector(${lit})`).toBe(vs);
      expect(formatFloatF(v), `scalar ${lit}`).toBe(ss);
    }
  });
});
