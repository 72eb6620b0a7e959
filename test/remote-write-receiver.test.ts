import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { compressSnappyBody } from '../src/metrics/remote/codec/index.js';
import { registerRemoteWriteReceiver, type RemoteWriteIngester } from '../src/metrics/remote/receiver/index.js';
import { Overrides, tenantLimitsSchema, type TenantLimits } from '../src/metrics/limits/index.js';
import { Matcher } from '../src/model/index.js';
import { MemoryStorage, type Appendable } from '../src/metrics/storage-api/index.js';
import { createHttpServer, createSelfMetricsRegistry, listen, silentLogger, type Registry } from '../src/server/index.js';
import { buildV2, encodeV1, type PbSeriesV1 } from './helpers/remote-write-protos.js';

interface Setup {
  url: string;
  stores: Map<string, MemoryStorage>;
  registry: Registry;
  app: FastifyInstance;
  ingester: RemoteWriteIngester;
}

let apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const a of apps) await a.close();
  apps = [];
});

async function setup(opts: { multiTenant?: boolean; overrides?: Overrides<TenantLimits>; appendable?: (t: string) => Appendable; now?: number; maxMessageSize?: number } = {}): Promise<Setup> {
  const registry = createSelfMetricsRegistry();
  const app = createHttpServer({ name: 'test', listenAddress: '127.0.0.1:0', logger: silentLogger(), registry });
  const stores = new Map<string, MemoryStorage>();
  const storeOf = (t: string) => {
    let s = stores.get(t);
    if (!s) stores.set(t, (s = new MemoryStorage()));
    return s;
  };
  const ingester = registerRemoteWriteReceiver(app, '/api/v1/push', {
    appendable: opts.appendable ?? storeOf,
    tenancy: { multiTenant: opts.multiTenant ?? false, defaultTenant: 'anonymous' },
    overrides: opts.overrides,
    registry,
    now: opts.now !== undefined ? () => opts.now! : undefined,
    maxMessageSize: opts.maxMessageSize,
  });
  const port = await listen(app, '127.0.0.1:0');
  apps.push(app);
  return { url: `http://127.0.0.1:${port}/api/v1/push`, stores, registry, app, ingester };
}

const NOW = Date.now();
const lbl = (o: [string, string][]) => o.map(([name, value]) => ({ name, value }));

async function post(url: string, raw: Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0', ...headers },
    body: compressSnappyBody(raw),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function values(store: MemoryStorage | undefined, name: string) {
  if (!store) return [];
  const q = await store.querier(0, Number.MAX_SAFE_INTEGER);
  const series = await q.select([new Matcher('=', '__name__', name)], { start: 0, end: Number.MAX_SAFE_INTEGER });
  return series.flatMap((s) => {
    const b = s.samples(0, Number.MAX_SAFE_INTEGER);
    return Array.from({ length: b.length }, (_, i) => [s.labels.toString(), b.t[i], b.v[i]] as const);
  });
}

async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

describe('remote-write receiver (Mimir behaviour) with MemoryStorage', () => {
  it('accepts remote write 1.0 and makes the samples queryable only after commit', async () => {
    const s = await setup();
    const series: PbSeriesV1[] = [
      { labels: lbl([['__name__', 'up'], ['instance', 'a'], ['job', 'x']]), samples: [{ value: 1, timestamp: NOW - 2000 }, { value: 0, timestamp: NOW - 1000 }] },
      { labels: lbl([['__name__', 'http_requests_total'], ['code', '200']]), samples: [{ value: 42, timestamp: NOW - 1000 }] },
    ];
    const r = await post(s.url, encodeV1(series, [{ type: 1, metric_family_name: 'http_requests_total', help: 'h', unit: '' }]));
    expect(r.status).toBe(200);
    expect(await values(s.stores.get('anonymous'), 'up')).toEqual([
      ['up{instance="a", job="x"}', NOW - 2000, 1],
      ['up{instance="a", job="x"}', NOW - 1000, 0],
    ]);
    expect(await metric(s.registry, 'cortex_distributor_received_samples_total', { user: 'anonymous' })).toBe(3);
    expect([...s.ingester.metadata('anonymous').metadata()]).toEqual([['http_requests_total', [{ type: 'counter', help: 'h', unit: '' }]]]);
    expect(await metric(s.registry, 'cortex_ingester_ingested_samples_total', { user: 'anonymous' })).toBe(3);
    const scrape = await (await fetch(s.url.replace('/api/v1/push', '/metrics'))).text();
    expect(scrape).toMatch(/cortex_ingester_ingested_samples_total\{user="anonymous"\} 3/);
  });

  it('negotiates remote write 2.0 and reports what was written in the response headers', async () => {
    const s = await setup();
    const body = buildV2([
      { labels: { __name__: 'temp', room: 'a' }, samples: [{ value: 21.5, timestamp: NOW - 500 }], type: 2, help: 'Temperature.' },
      { labels: { __name__: 'lat', job: 'x' }, histograms: [{ count_int: 2, sum: 1, schema: 0, timestamp: NOW - 500 }] },
    ]);
    const r = await post(s.url, body, { 'Content-Type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request', 'X-Prometheus-Remote-Write-Version': '2.0.0' });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-prometheus-remote-write-samples-written')).toBe('1');
    // Native histograms are stored (MemoryStorage has appendHistogram, as the TSDB).
    expect(r.headers.get('x-prometheus-remote-write-histograms-written')).toBe('1');
    expect(await metric(s.registry, 'cortex_discarded_samples_total', { reason: 'native_histogram_unsupported' })).toBe(0);
    const q = await s.stores.get('anonymous')!.querier(0, Number.MAX_SAFE_INTEGER);
    const [lat] = await q.select([new Matcher('=', '__name__', 'lat')], { start: 0, end: Number.MAX_SAFE_INTEGER });
    const b = lat.samples(0, Number.MAX_SAFE_INTEGER);
    expect([b.t[0], b.h?.[0]?.count, b.h?.[0]?.sum]).toEqual([NOW - 500, 2, 1]);
    expect(await values(s.stores.get('anonymous'), 'temp')).toEqual([['temp{room="a"}', NOW - 500, 21.5]]);
    const bad = await post(s.url, body, { 'Content-Type': 'application/x-protobuf;proto=io.prometheus.write.v9.Request' });
    expect(bad.status).toBe(415);
  });

  it('answers 400 for bad snappy and bad protobuf, and keeps serving', async () => {
    const s = await setup();
    const notSnappy = await fetch(s.url, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy' }, body: Buffer.from('hello world, not snappy') });
    expect(notSnappy.status).toBe(400);
    expect(await notSnappy.text()).toMatch(/^decompress snappy body: snappy/);
    const raw = encodeV1([{ labels: lbl([['__name__', 'up']]), samples: [{ value: 1, timestamp: NOW }] }]);
    const truncated = await post(s.url, raw.subarray(0, raw.length - 4));
    expect(truncated.status).toBe(400);
    expect(truncated.text).toMatch(/^parse protobuf prometheus\.WriteRequest: .*(truncated|past the end)/);
    expect((await post(s.url, raw)).status).toBe(200);
  });

  it('answers 4xx (never 5xx) to garbage, truncated and mutated bodies, and keeps serving', async () => {
    const s = await setup();
    const valid = encodeV1(Array.from({ length: 5 }, (_, i) => ({ labels: lbl([['__name__', `m${i}`]]), samples: [{ value: i, timestamp: NOW }] })));
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let k = 0; k < 40; k++) {
      const m = Buffer.from(valid);
      for (let f = 0; f < 3; f++) m[rnd(m.length)] = rnd(256);
      const body = k % 4 === 0 ? m.subarray(0, rnd(m.length)) : m;
      for (const ct of ['application/x-protobuf', 'application/x-protobuf;proto=io.prometheus.write.v2.Request']) {
        const r = await post(s.url, body, { 'Content-Type': ct });
        expect(r.status, r.text).toBeLessThan(500);
      }
    }
    expect((await post(s.url, encodeV1([{ labels: lbl([['__name__', 'after']]), samples: [{ value: 1, timestamp: NOW + 5 }] }]))).status).toBe(200);
  });

  it('refuses invalid labels with Mimir messages and keeps the valid series of the request', async () => {
    const s = await setup();
    const good = { labels: lbl([['__name__', 'good']]), samples: [{ value: 1, timestamp: NOW }] };
    const cases: [PbSeriesV1, RegExp, string][] = [
      [{ labels: lbl([['__name__', 'm'], ['', 'x']]), samples: [{ value: 1, timestamp: NOW }] }, /received a series with an invalid label: '' series: .*\(err-mimir-label-invalid\)/, 'label_invalid'],
      [{ labels: lbl([['__name__', 'm'], ['bad-name', 'x']]), samples: [{ value: 1, timestamp: NOW }] }, /invalid label: 'bad-name'.*err-mimir-label-invalid/, 'label_invalid'],
      [{ labels: lbl([['job', 'x'], ['__name__', 'm']]), samples: [{ value: 1, timestamp: NOW }] }, /not alphabetically sorted, label: '__name__'.*\(err-mimir-labels-not-sorted\)/, 'labels_not_sorted'],
      [{ labels: lbl([['__name__', 'm'], ['a', '1'], ['a', '2']]), samples: [{ value: 1, timestamp: NOW }] }, /duplicate label name, label: 'a'.*\(err-mimir-duplicate-label-names\)/, 'duplicate_label_names'],
      [{ labels: lbl([['job', 'x']]), samples: [{ value: 1, timestamp: NOW }] }, /^received series has no metric name \(err-mimir-missing-metric-name\)/, 'missing_metric_name'],
      [{ labels: lbl([['__name__', '0bad']]), samples: [{ value: 1, timestamp: NOW }] }, /invalid metric name: '0bad' \(err-mimir-metric-name-invalid\)/, 'metric_name_invalid'],
    ];
    // A label value that is not valid UTF-8 on the wire (built by hand: protobufjs would not write one).
    const bad = encodeV1([{ labels: lbl([['__name__', 'm'], ['a', 'XX']]), samples: [{ value: 1, timestamp: NOW }] }]);
    const at = bad.indexOf('XX');
    bad[at] = 0xff;
    bad[at + 1] = 0xfe;
    const r0 = await post(s.url, bad);
    expect(r0.status).toBe(400);
    expect(r0.text).toMatch(/received a series with invalid value in label 'a': '\uFFFD\uFFFD' metric: 'm' \(err-mimir-label-value-invalid\)/);
    let n = 0;
    for (const [series, re, reason] of cases) {
      const r = await post(s.url, encodeV1([series, { ...good, samples: [{ value: ++n, timestamp: NOW + n }] }]));
      expect(r.status, reason).toBe(400);
      expect(r.text).toMatch(re);
      expect(await metric(s.registry, 'cortex_discarded_samples_total', { reason, user: 'anonymous' })).toBeGreaterThan(0);
    }
    // The valid series of each request was kept.
    expect((await values(s.stores.get('anonymous'), 'good')).map((x) => x[2])).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses samples too far in the future or (with past_grace_period) the past, naming the limit', async () => {
    const overrides = new Overrides(tenantLimitsSchema.parse({ past_grace_period: '1h' }));
    const s = await setup({ overrides });
    const r1 = await post(s.url, encodeV1([{ labels: lbl([['__name__', 'm']]), samples: [{ value: 1, timestamp: NOW - 2 * 3600_000 }, { value: 2, timestamp: NOW }] }]));
    expect(r1.status).toBe(400);
    expect(r1.text).toMatch(/too far in the past, timestamp: \d+ series: 'm' \(err-mimir-too-far-in-past\). To adjust the related per-tenant limit, configure -validation.past-grace-period/);
    const r2 = await post(s.url, encodeV1([{ labels: lbl([['__name__', 'm']]), samples: [{ value: 3, timestamp: NOW + 3600_000 }] }]));
    expect(r2.status).toBe(400);
    expect(r2.text).toMatch(/too far in the future.*err-mimir-too-far-in-future/);
    expect((await values(s.stores.get('anonymous'), 'm')).map((x) => x[2])).toEqual([2]);
  });

  it('reports samples the storage refuses (out of order) as Mimir ingesters do', async () => {
    const s = await setup();
    expect((await post(s.url, encodeV1([{ labels: lbl([['__name__', 'm']]), samples: [{ value: 1, timestamp: NOW }] }]))).status).toBe(200);
    const r = await post(s.url, encodeV1([{ labels: lbl([['__name__', 'm']]), samples: [{ value: 2, timestamp: NOW - 1000 }] }]));
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/^the sample has been rejected because another sample with a more recent timestamp.*\(err-mimir-sample-out-of-order\)\. The affected sample has timestamp .* and is from series m/);
  });

  it('enforces label count and length limits, and the series limit', async () => {
    const overrides = new Overrides(tenantLimitsSchema.parse({}), {
      small: { max_label_names_per_series: 2, max_label_name_length: 8, max_label_value_length: 4, max_global_series_per_user: 2 },
    });
    const s = await setup({ multiTenant: true, overrides });
    const h = { 'X-Scope-OrgID': 'small' };
    const one = (labels: [string, string][]) => encodeV1([{ labels: lbl(labels), samples: [{ value: 1, timestamp: NOW }] }]);
    let r = await post(s.url, one([['__name__', 'm'], ['a', '1'], ['b', '2']]), h);
    expect([r.status, r.text]).toEqual([400, expect.stringMatching(/number of labels exceeds the limit \(actual: 3, limit: 2\).*err-mimir-max-label-names-per-series/)]);
    r = await post(s.url, one([['__name__', 'm'], ['abcdefghi', '1']]), h);
    expect(r.text).toMatch(/label name length exceeds the limit, label: 'abcdefghi'.*err-mimir-label-name-too-long.*-validation.max-length-label-name/);
    r = await post(s.url, one([['__name__', 'm'], ['a', '12345']]), h);
    expect(r.text).toMatch(/label value length exceeds the limit, label: 'a', value: '12345'.*err-mimir-label-value-too-long/);
    expect((await post(s.url, one([['__name__', 's1']]), h)).status).toBe(200);
    expect((await post(s.url, one([['__name__', 's2']]), h)).status).toBe(200);
    r = await post(s.url, one([['__name__', 's3']]), h);
    expect([r.status, r.text]).toEqual([400, expect.stringMatching(/^per-user series limit of 2 exceeded \(err-mimir-max-series-per-user\)/)]);
    // Existing series keep being accepted; another tenant is not affected.
    expect((await post(s.url, encodeV1([{ labels: lbl([['__name__', 's1']]), samples: [{ value: 2, timestamp: NOW + 1 }] }]), h)).status).toBe(200);
    expect((await post(s.url, one([['__name__', 's3']]), { 'X-Scope-OrgID': 'other' })).status).toBe(200);
    // One request mixing series over the limit with existing ones: as Mimir, the series over the limit are
    // rejected and counted, the rest of the request is stored, and the answer is 400 naming the limit.
    const mixed = encodeV1([
      { labels: lbl([['__name__', 's4']]), samples: [{ value: 4, timestamp: NOW + 2 }] },
      { labels: lbl([['__name__', 's1']]), samples: [{ value: 3, timestamp: NOW + 2 }] },
      { labels: lbl([['__name__', 's5']]), samples: [{ value: 5, timestamp: NOW + 2 }] },
    ]);
    r = await post(s.url, mixed, h);
    expect([r.status, r.text]).toEqual([400, expect.stringMatching(/^per-user series limit of 2 exceeded/)]);
    expect(await values(s.stores.get('small'), 's1')).toHaveLength(3);
    expect(await values(s.stores.get('small'), 's4')).toHaveLength(0);
    expect(await values(s.stores.get('small'), 's5')).toHaveLength(0);
  });

  it('answers 429 to a tenant over its ingestion rate, and other tenants are unaffected', async () => {
    const overrides = new Overrides(tenantLimitsSchema.parse({}), { slow: { ingestion_rate: 1, ingestion_burst_size: 10 } });
    const s = await setup({ multiTenant: true, overrides });
    const body = (k: number) => encodeV1([{ labels: lbl([['__name__', 'm']]), samples: Array.from({ length: 6 }, (_, i) => ({ value: i, timestamp: NOW + k * 10 + i })) }]);
    expect((await post(s.url, body(0), { 'X-Scope-OrgID': 'slow' })).status).toBe(200);
    const r = await post(s.url, body(1), { 'X-Scope-OrgID': 'slow' });
    expect(r.status).toBe(429);
    expect(r.text).toMatch(/tenant exceeded the ingestion rate limit, set to 1 items\/s with a maximum allowed burst of 10.*err-mimir-tenant-max-ingestion-rate/);
    expect((await post(s.url, body(1), { 'X-Scope-OrgID': 'fast' })).status).toBe(200);
    expect(await values(s.stores.get('slow'), 'm')).toHaveLength(6);
    expect(await values(s.stores.get('fast'), 'm')).toHaveLength(6);
    expect(await metric(s.registry, 'cortex_discarded_samples_total', { reason: 'rate_limited', user: 'slow' })).toBe(6);
  });

  it('requires X-Scope-OrgID when multi-tenancy is on, and keeps tenants apart', async () => {
    const s = await setup({ multiTenant: true });
    const raw = encodeV1([{ labels: lbl([['__name__', 'm']]), samples: [{ value: 1, timestamp: NOW }] }]);
    const r = await post(s.url, raw);
    expect([r.status, r.text.trim()]).toEqual([401, 'no org id']);
    expect((await post(s.url, raw, { 'X-Scope-OrgID': 't1' })).status).toBe(200);
    expect(s.stores.has('t2')).toBe(false);
    expect(await values(s.stores.get('t1'), 'm')).toHaveLength(1);
  });

  it('refuses bodies over the message size limit with 413', async () => {
    const s = await setup({ maxMessageSize: 2000 });
    const big = encodeV1(Array.from({ length: 100 }, (_, i) => ({ labels: lbl([['__name__', `m${i}`], ['pad', 'x'.repeat(50)]]), samples: [{ value: 1, timestamp: NOW }] })));
    const r = await fetch(s.url, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy' }, body: Buffer.concat([big, big]) });
    expect(r.status).toBe(413);
    expect(await r.text()).toMatch(/err-mimir-distributor-max-write-message-size/);
    // Compressed small enough, but it decompresses past the limit.
    const r2 = await post(s.url, Buffer.concat([big, big]));
    expect(r2.status).toBe(413);
    expect(r2.text).toMatch(/decompressed message size .* \(err-mimir-distributor-max-write-message-size\): snappy: decoded length \d+ exceeds the limit of 2000 bytes/);
  });

  it('answers only after the commit (the write-ahead log) resolved', async () => {
    let release!: () => void;
    const committed = new Promise<void>((r) => (release = r));
    const mem = new MemoryStorage();
    const slow: Appendable = {
      appender: () => {
        const a = mem.appender();
        return { ...a, commit: async () => committed.then(() => a.commit()) };
      },
    };
    const s = await setup({ appendable: () => slow });
    let answered = false;
    const req = post(s.url, encodeV1([{ labels: lbl([['__name__', 'm']]), samples: [{ value: 1, timestamp: NOW }] }])).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    release();
    expect((await req).status).toBe(200);
    expect(await values(mem, 'm')).toHaveLength(1);
  });

  it('serves one ingester on two listeners (Mimir and Prometheus ports) with shared limits and metrics', async () => {
    const s = await setup();
    const registry = s.registry;
    const app2 = createHttpServer({ name: 'prom', listenAddress: '127.0.0.1:0', logger: silentLogger(), registry });
    registerRemoteWriteReceiver(app2, '/api/v1/write', s.ingester, { successStatus: 204 });
    const port2 = await listen(app2, '127.0.0.1:0');
    apps.push(app2);
    const body = (t: number) => encodeV1([{ labels: lbl([['__name__', 'two']]), samples: [{ value: t, timestamp: NOW + t }] }]);
    expect((await post(s.url, body(1))).status).toBe(200);
    expect((await post(`http://127.0.0.1:${port2}/api/v1/write`, body(2))).status).toBe(204);
    expect(await metric(registry, 'cortex_ingester_ingested_samples_total', { user: 'anonymous' })).toBe(2);
  });

  it('answers 5xx only for its own faults: a failing commit', async () => {
    const failing: Appendable = {
      appender: () => {
        const a = new MemoryStorage().appender();
        return { ...a, commit: async () => Promise.reject(new Error('disk full')) };
      },
    };
    const s = await setup({ appendable: () => failing });
    const r = await post(s.url, encodeV1([{ labels: lbl([['__name__', 'm']]), samples: [{ value: 1, timestamp: NOW }] }]));
    expect(r.status).toBe(500);
    expect(r.text).toMatch(/disk full/);
  });
});
