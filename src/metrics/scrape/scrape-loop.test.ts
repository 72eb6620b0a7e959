import { gzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { isStaleNaN, type Exemplar, type FloatHistogram, type Labels, type MetricMetadata } from '../../model/index.js';
import { PROTOBUF_CONTENT_TYPE, encodeFamilies, familiesAt } from '../../../test/helpers/native-histogram-exporter.js';
import { parsePrometheusConfig } from '../promconfig/index.js';
import { compileRelabels } from '../relabel/index.js';
import { MemoryStorage, type Appendable, type Appender } from '../storage-api/index.js';
import { selectSeries, serve, type Served } from '../../../test/scrape-helpers.js';
import { HttpScraper } from './http-scraper.js';
import { ScrapeMetrics } from './metrics.js';
import { ScrapeLoop } from './scrape-loop.js';
import { Target, populateLabels } from './target.js';

/** Test double: MemoryStorage that also records metadata and exemplars handed to the appender. */
class RecordingStorage extends MemoryStorage implements Appendable {
  metadata = new Map<string, MetricMetadata>();
  exemplars: { series: string; ex: Exemplar }[] = [];
  histograms: { series: string; t: number; h: FloatHistogram }[] = [];
  override appender(): Appender {
    const inner = super.appender();
    return {
      append: (r, l, t, v) => inner.append(r, l, t, v),
      appendHistogram: (r: number, l: Labels, t: number, h: FloatHistogram) => {
        this.histograms.push({ series: l.toString(), t, h });
        return inner.appendHistogram!(r, l, t, h);
      },
      appendExemplar: (r: number, l: Labels, ex: Exemplar) => {
        this.exemplars.push({ series: l.toString(), ex });
        return inner.appendExemplar(r, l, ex);
      },
      updateMetadata: (r: number, l: Labels, m: MetricMetadata) => {
        this.metadata.set(l.get('__name__'), m);
        return inner.updateMetadata(r, l, m);
      },
      commit: () => inner.commit(),
      rollback: () => inner.rollback(),
    };
  }
}

interface Fixture {
  body: string | Buffer;
  contentType?: string;
  gzip?: boolean;
  lastHeaders?: Record<string, string | string[] | undefined>;
  lastUrl?: string;
}

describe('scrape loop', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  async function setup(jobYaml: string, fx: Fixture) {
    const srv: Served = await serve((req, res) => {
      fx.lastHeaders = req.headers;
      fx.lastUrl = req.url;
      if (req.url === '/moved') {
        res.writeHead(302, { Location: '/metrics' });
        res.end();
        return;
      }
      if (fx.contentType !== undefined) res.setHeader('Content-Type', fx.contentType);
      if (fx.gzip) {
        res.setHeader('Content-Encoding', 'gzip');
        res.end(gzipSync(fx.body));
      } else res.end(fx.body);
    });
    cleanups.push(() => srv.close());
    const cfg = parsePrometheusConfig(`scrape_configs:\n- job_name: j\n${jobYaml}`, 'p.yml').scrape_configs[0];
    const pop = populateLabels({ __address__: srv.address, zone: 'z1' }, cfg, compileRelabels(cfg.relabel_configs));
    const target = new Target(pop.labels!, pop.discovered, cfg);
    const storage = new RecordingStorage();
    const registry = new Registry();
    const metrics = new ScrapeMetrics(registry);
    const scraper = new HttpScraper(cfg);
    cleanups.push(() => scraper.close());
    const loop = new ScrapeLoop(target, { appendable: storage, cfg, metricRelabel: compileRelabels(cfg.metric_relabel_configs), scraper, metrics });
    cleanups.push(() => loop.stop(false));
    return { loop, storage, registry, target, srv };
  }

  it('appends samples with target labels, exported_ conflicts, metadata, and staleness for vanished series', async () => {
    const fx: Fixture = { contentType: 'text/plain; version=0.0.4', body: '# HELP a_total Things.\n# TYPE a_total counter\na_total{job="inner",x="1"} 5\na_total{x="2"} 6\ng 1\n' };
    const { loop, storage } = await setup('  static_configs: []\n', fx);
    const r = await loop.scrapeAndReport();
    expect(r).toEqual({ scraped: 3, postRelabel: 3, added: 3, error: '' });
    const a = await selectSeries(storage, { __name__: 'a_total' });
    expect(a.map((s) => s.labels)).toEqual([
      { __name__: 'a_total', exported_job: 'inner', instance: expect.any(String), job: 'j', x: '1', zone: 'z1' },
      { __name__: 'a_total', instance: expect.any(String), job: 'j', x: '2', zone: 'z1' },
    ]);
    expect(storage.metadata.get('a_total')).toEqual({ type: 'counter', help: 'Things.', unit: '' });
    // Prometheus's default: the text formats, OpenMetrics first, no protobuf (native histograms are off by default).
    expect(fx.lastHeaders!.accept).toMatch(/^application\/openmetrics-text;version=1\.0\.0;escaping=underscores;q=0\.6,/);
    expect(fx.lastHeaders!.accept).not.toContain('protobuf');
    expect(fx.lastHeaders!['x-prometheus-scrape-timeout-seconds']).toBe('10');
    fx.body = 'a_total{x="2"} 7\n';
    await new Promise((res) => setTimeout(res, 5));
    const r2 = await loop.scrapeAndReport();
    expect(r2).toEqual({ scraped: 1, postRelabel: 1, added: 0, error: '' });
    const after = await selectSeries(storage, { __name__: 'a_total', x: '1' });
    expect(after[0].stale).toBe(true);
    expect((await selectSeries(storage, { __name__: 'g' }))[0].stale).toBe(true);
    expect((await selectSeries(storage, { __name__: 'a_total', x: '2' }))[0].v).toEqual([6, 7]);
  });

  it('honor_labels keeps scraped labels; honor_timestamps false uses the scrape time', async () => {
    const fx: Fixture = { contentType: 'text/plain', body: 'm{job="pushed",instance="i"} 1 1000\n' };
    const { loop, storage } = await setup('  honor_labels: true\n  honor_timestamps: false\n', fx);
    const before = Date.now();
    await loop.scrapeAndReport();
    const s = await selectSeries(storage, { __name__: 'm' });
    expect(s[0].labels).toEqual({ __name__: 'm', job: 'pushed', instance: 'i', zone: 'z1' });
    expect(s[0].t[0]).toBeGreaterThanOrEqual(before - 1);
  });

  it('honours explicit timestamps and counts refused out-of-order samples without failing the scrape', async () => {
    const fx: Fixture = { contentType: 'text/plain', body: 'm 1 5000\n' };
    const { loop, storage, registry } = await setup('  static_configs: []\n', fx);
    await loop.scrapeAndReport();
    fx.body = 'm 2 4000\nok 1\n';
    const r = await loop.scrapeAndReport();
    expect(r.error).toBe('');
    expect((await selectSeries(storage, { __name__: 'm' }))[0].t).toEqual([5000]);
    expect(await registry.getSingleMetricAsString('prometheus_target_scrapes_sample_out_of_order_total')).toMatch(/ 1$/);
    expect((await selectSeries(storage, { __name__: 'up' }))[0].v).toEqual([1, 1]);
  });

  it('metric_relabel_configs drop and rewrite series; post-relabel count reflects it', async () => {
    const fx: Fixture = { contentType: 'text/plain', body: 'keep_me 1\ndrop_me 2\nrename{from="a"} 3\n' };
    const { loop, storage } = await setup(
      '  metric_relabel_configs:\n  - source_labels: [__name__]\n    regex: drop_.*\n    action: drop\n  - source_labels: [from]\n    target_label: to\n  - regex: from\n    action: labeldrop\n',
      fx,
    );
    const r = await loop.scrapeAndReport();
    expect(r).toMatchObject({ scraped: 3, postRelabel: 2 });
    expect(await selectSeries(storage, { __name__: 'drop_me' })).toEqual([]);
    expect((await selectSeries(storage, { __name__: 'rename' }))[0].labels).toMatchObject({ to: 'a' });
    expect((await selectSeries(storage, { __name__: 'scrape_samples_post_metric_relabeling' }))[0].v).toEqual([2]);
  });

  it('sample_limit and label limits fail the scrape (up 0) and mark earlier series stale', async () => {
    const fx: Fixture = { contentType: 'text/plain', body: 'a 1\n' };
    const { loop, storage, registry } = await setup('  sample_limit: 2\n  label_limit: 5\n  label_value_length_limit: 20\n', fx);
    expect((await loop.scrapeAndReport()).error).toBe('');
    fx.body = 'a 1\nb 2\nc 3\n';
    expect((await loop.scrapeAndReport()).error).toBe('sample limit exceeded');
    expect((await selectSeries(storage, { __name__: 'a' }))[0].stale).toBe(true);
    expect(await selectSeries(storage, { __name__: 'b' })).toEqual([]);
    expect((await selectSeries(storage, { __name__: 'up' }))[0].v).toEqual([1, 0]);
    expect(await registry.getSingleMetricAsString('prometheus_target_scrapes_exceeded_sample_limit_total')).toMatch(/ 1$/);
    fx.body = 'x{a="1",b="2"} 1\n';
    expect((await loop.scrapeAndReport()).error).toBe('label_limit exceeded (metric: x, number of labels: 6, limit: 5)');
    fx.body = 'y{a="abcdefghijklmnopqrstuvwxyz"} 1\n';
    expect((await loop.scrapeAndReport()).error).toMatch(/^label_value_length_limit exceeded \(metric: y, label name: a, value: "abcdefghijklmnopqrstuvwxyz", length: 26, limit: 20\)/);
  });

  it('reads OpenMetrics (negotiated), gzip bodies, exemplars; a malformed body fails with the line', async () => {
    const fx: Fixture = {
      contentType: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
      gzip: true,
      body: '# TYPE req counter\n# UNIT req \n# HELP req Requests.\nreq_total 3 # {trace_id="abc"} 1 1700000000.5\nreq_created 1700000000\n# EOF\n',
    };
    const { loop, storage } = await setup('  params:\n    module: [http_2xx]\n', fx);
    const r = await loop.scrapeAndReport();
    expect(r.error).toBe('');
    expect(fx.lastHeaders!['accept-encoding']).toBe('gzip');
    expect(fx.lastUrl).toBe('/metrics?module=http_2xx');
    expect((await selectSeries(storage, { __name__: 'req_total' }))[0].v).toEqual([3]);
    expect(storage.metadata.get('req_total')).toEqual({ type: 'counter', help: 'Requests.', unit: '' });
    expect(storage.exemplars[0].ex).toMatchObject({ value: 1, ts: 1700000000500 });
    expect(storage.exemplars[0].ex.labels.toObject()).toEqual({ trace_id: 'abc' });
    fx.body = 'req_total 4\n'; // no # EOF
    const bad = await loop.scrapeAndReport();
    expect(bad.error).toBe('line 2: data does not end with # EOF');
    expect(loop.health).toBe('down');
    expect(loop.lastError).toBe('line 2: data does not end with # EOF');
    const req = await selectSeries(storage, { __name__: 'req_total' });
    expect(isStaleNaN(req[0].v.at(-1)!)).toBe(true);
  });

  it('follows redirects unless follow_redirects is false', async () => {
    const fx: Fixture = { contentType: 'text/plain', body: 'a 1\n' };
    const { loop } = await setup('  metrics_path: /moved\n', fx);
    expect((await loop.scrapeAndReport()).error).toBe('');
    expect(fx.lastUrl).toBe('/metrics');
    const fx2: Fixture = { contentType: 'text/plain', body: 'a 1\n' };
    const { loop: loop2 } = await setup('  metrics_path: /moved\n  follow_redirects: false\n', fx2);
    expect((await loop2.scrapeAndReport()).error).toMatch(/redirect/);
  });

  it('sends basic auth and refuses a blank Content-Type as Prometheus 3 does', async () => {
    const fx: Fixture = { body: 'a 1\n' };
    const { loop } = await setup('  basic_auth:\n    username: u\n    password: p\n', fx);
    const r = await loop.scrapeAndReport();
    expect(fx.lastHeaders!.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(r.error).toBe('non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target');
  });

  it('scrapes the protobuf format: native histograms, classic series, exemplars, bucket limits', async () => {
    const fx: Fixture = { contentType: PROTOBUF_CONTENT_TYPE, body: encodeFamilies(familiesAt(5), 1_000_000) };
    const { loop, storage } = await setup('  scrape_native_histograms: true\n  scrape_classic_histograms: true\n  static_configs: []\n', fx);
    const r = await loop.scrapeAndReport();
    expect(r.error).toBe('');
    expect(fx.lastHeaders!.accept).toMatch(/^application\/vnd\.google\.protobuf;proto=io\.prometheus\.client\.MetricFamily;encoding=delimited;q=0\.6,/);
    const hs = new Map(storage.histograms.map((x) => [x.series.replace(/instance="[^"]*", /, ''), x]));
    const ih = hs.get('nh_request_duration_seconds{job="j", path="/a", zone="z1"}')!;
    expect([ih.t, ih.h.schema, ih.h.count, ih.h.pos]).toEqual([1_000_000, 1, 43, [8, 15, 0, 0, 6, 0, 2]]);
    expect(hs.get('nh_float_payload_bytes{job="j", zone="z1"}')!.h.count).toBe(12.125);
    // scrape_classic_histograms: the classic buckets of the native histogram are series too.
    const b = await selectSeries(storage, { __name__: 'nh_request_duration_seconds_bucket', le: '4.0' });
    expect(b.map((s) => s.v)).toEqual([[41]]);
    expect(storage.metadata.get('nh_classic_seconds_bucket')).toEqual({ type: 'histogram', help: 'classic histogram', unit: 'seconds' });
    expect(storage.exemplars.map((e) => [e.series.replace(/instance="[^"]*", /, ''), e.ex.ts])).toEqual([
      ['nh_classic_seconds_bucket{job="j", le="1.0", path="/c", zone="z1"}', 1_700_000_005_005],
      ['nh_events_total{job="j", zone="z1"}', 1_000_000],
    ]);
  });

  it('lowers the schema to fit native_histogram_bucket_limit and min_bucket_factor, fails the scrape when it cannot', async () => {
    const fx: Fixture = { contentType: PROTOBUF_CONTENT_TYPE, body: encodeFamilies(familiesAt(5), 1_000_000) };
    const { loop, storage } = await setup('  scrape_native_histograms: true\n  native_histogram_bucket_limit: 3\n  static_configs: []\n', fx);
    expect((await loop.scrapeAndReport()).error).toBe('');
    const ih = storage.histograms.find((x) => x.series.includes('nh_request_duration_seconds'))!.h;
    // Schema 1 buckets -1, 0, 3, 5 (+1 negative) → schema 0: 0, 2, 3 → schema -1: 0, 1, 2 (each 3 + 1 > 3)
    // → schema -2: 0, 1 (2 + 1 buckets fit).
    expect(ih.schema).toBe(-2);
    expect([ih.count, ih.pos.reduce((a, v) => a + v, 0), ih.neg]).toEqual([43, 31, [5]]);
    const fx2: Fixture = { contentType: PROTOBUF_CONTENT_TYPE, body: encodeFamilies(familiesAt(5), 1_000_000) };
    const two = await setup('  scrape_native_histograms: true\n  native_histogram_min_bucket_factor: 1.5\n  static_configs: []\n', fx2);
    expect((await two.loop.scrapeAndReport()).error).toBe('');
    // factor 1.5 → schema floor(-log2(log2 1.5)) = 0.
    expect(two.storage.histograms.find((x) => x.series.includes('nh_request_duration_seconds'))!.h.schema).toBe(0);
    const fx3: Fixture = { contentType: PROTOBUF_CONTENT_TYPE, body: encodeFamilies(familiesAt(5), 1_000_000) };
    const three = await setup('  scrape_native_histograms: true\n  native_histogram_bucket_limit: 1\n  static_configs: []\n', fx3);
    expect((await three.loop.scrapeAndReport()).error).toBe('histogram bucket limit exceeded');
    expect(three.storage.histograms.length).toBe(0);
    expect((await three.registry.getSingleMetric('prometheus_target_scrapes_exceeded_native_histogram_bucket_limit_total')!.get()).values[0].value).toBe(1);
  });

  it('finds series by their bytes across scrapes of a reused body buffer: a key that differs in one byte is a new series', async () => {
    // 2,000 series, ~120 kB: the body arrives in several reads and is parsed from a pooled buffer that the next
    // scrape's body overwrites; the cache must hold copies of the keys.
    const line = (i: number, v: number) => `bench_requests_${i % 100}_total{handler="/api/v1/resource/${String(i).padStart(5, '0')}",method="GET",code="200"} ${v}\n`;
    const n = 2000;
    const lines = (v: number) => Array.from({ length: n }, (_, i) => line(i, v));
    const fx: Fixture = { contentType: 'text/plain; version=0.0.4', body: lines(1).join('') };
    const { loop, storage } = await setup('  static_configs: []\n', fx);
    expect(await loop.scrapeAndReport()).toEqual({ scraped: n, postRelabel: n, added: n, error: '' });
    // One byte of one series changes (resource/01234 -> resource/01284), the others keep their bytes.
    const changed = lines(2);
    changed[1234] = changed[1234].replace('/01234"', '/01284"');
    fx.body = changed.join('');
    await new Promise((res) => setTimeout(res, 5));
    expect(await loop.scrapeAndReport()).toEqual({ scraped: n, postRelabel: n, added: 1, error: '' });
    // The same series in reverse order (every key at another offset of the buffer): all known.
    fx.body = [...changed].reverse().map((l) => l.replace(' 2\n', ' 3\n')).join('');
    await new Promise((res) => setTimeout(res, 5));
    expect(await loop.scrapeAndReport()).toEqual({ scraped: n, postRelabel: n, added: 0, error: '' });
    const old = await selectSeries(storage, { __name__: 'bench_requests_34_total', handler: '/api/v1/resource/01234' });
    expect(old[0].v.slice(0, 1)).toEqual([1]);
    expect(old[0].stale).toBe(true);
    const added = await selectSeries(storage, { __name__: 'bench_requests_34_total', handler: '/api/v1/resource/01284' });
    expect(added[0].v).toEqual([2, 3]);
    const kept = await selectSeries(storage, { __name__: 'bench_requests_35_total', handler: '/api/v1/resource/01235' });
    expect(kept[0].v).toEqual([1, 2, 3]);
    expect(kept[0].labels).toEqual({ __name__: 'bench_requests_35_total', handler: '/api/v1/resource/01235', method: 'GET', code: '200', instance: expect.any(String), job: 'j', zone: 'z1' });
  });
  it('applies metadata lines repeated from the previous scrape and reads series in a changed order by their own keys', async () => {
    const body = (help: string, types: string[], series: string[]) => `# HELP a_total ${help}\n${types.map((t) => `# TYPE a_total ${t}\n`).join('')}${series.join('')}# HELP b Bee.\n# TYPE b gauge\nb 9\n`;
    const s = (x: number, v: number, ts = '') => `a_total{x="${x}"} ${v}${ts}\n`;
    const fx: Fixture = { contentType: 'text/plain; version=0.0.4', body: body('Things.', ['counter'], [s(1, 1), s(2, 1), s(3, 1)]) };
    const { loop, storage } = await setup('  static_configs: []\n', fx);
    const scrape = async (b: string) => {
      fx.body = b;
      await new Promise((res) => setTimeout(res, 5));
      return loop.scrapeAndReport();
    };
    expect(await loop.scrapeAndReport()).toMatchObject({ scraped: 4, added: 4, error: '' });
    expect(storage.metadata.get('a_total')).toEqual({ type: 'counter', help: 'Things.', unit: '' });
    expect(storage.metadata.get('b')).toEqual({ type: 'gauge', help: 'Bee.', unit: '' });
    // The same lines: metadata unchanged, nothing re-sent.
    storage.metadata.clear();
    expect(await scrape(body('Things.', ['counter'], [s(1, 2), s(2, 2), s(3, 2)]))).toMatchObject({ scraped: 4, added: 0 });
    expect(storage.metadata.size).toBe(0);
    // A second TYPE line for a_total (a new line at position 2) changes it; the lines after it moved.
    expect(await scrape(body('Things.', ['counter', 'gauge'], [s(1, 3), s(2, 3), s(3, 3)]))).toMatchObject({ scraped: 4, added: 0 });
    expect(storage.metadata.get('a_total')).toEqual({ type: 'gauge', help: 'Things.', unit: '' });
    storage.metadata.clear();
    // Repeated again: the repeated line at position 1 sets counter, the one at 2 gauge again; what was sent last is gauge.
    expect(await scrape(body('Things.', ['counter', 'gauge'], [s(1, 4), s(2, 4), s(3, 4)]))).toMatchObject({ scraped: 4, added: 0 });
    expect(storage.metadata.get('a_total')).toEqual({ type: 'gauge', help: 'Things.', unit: '' });
    // A new help text of the same length, one type line again; a new series first, one gone, one with a timestamp.
    const t0 = Date.now() + 60_000;
    expect(await scrape(body('Thinks.', ['counter'], [s(0, 5), s(1, 5), s(3, 5, ` ${t0}`)]))).toMatchObject({ scraped: 4, added: 1 });
    expect(storage.metadata.get('a_total')).toEqual({ type: 'counter', help: 'Thinks.', unit: '' });
    expect(await scrape(body('Thinks.', ['counter'], [s(0, 6), s(1, 6), s(3, 6, ` ${t0 + 1000}`)]))).toMatchObject({ scraped: 4, added: 0 });
    const v = async (x: number) => (await selectSeries(storage, { __name__: 'a_total', x: String(x) }))[0];
    expect((await v(0)).v).toEqual([5, 6]);
    expect((await v(1)).v).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await v(2)).stale).toBe(true);
    expect((await v(3)).v).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await v(3)).t.slice(-2)).toEqual([t0, t0 + 1000]);
  });
});
