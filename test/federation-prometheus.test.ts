import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerFederation } from '../src/metrics/api/index.js';
import { compressSnappyBody, encodeWriteRequestV1 } from '../src/metrics/remote/index.js';
import { MemoryStorage } from '../src/metrics/storage-api/index.js';
import { Labels } from '../src/model/index.js';
import { createHttpServer, createSelfMetricsRegistry, listen, silentLogger } from '../src/server/index.js';
import { tempDir } from './helpers/process.js';
import { prometheusAvailable, startPrometheus, type PrometheusPeer } from './helpers/prometheus-peer.js';

// The same samples are remote-written to a real Prometheus 2.42 and stored in ours; `/federate` must answer the
// same text for the same `match[]` sets (lines compared as sets: Prometheus sorts by name only, unstably).
describe.runIf(prometheusAvailable())('/federate against real Prometheus', () => {
  const store = new MemoryStorage();
  const externalLabels = Labels.fromObject({ cluster: 'eu', replica: 'r1' });
  let app: FastifyInstance;
  let ourUrl: string;
  let prom: PrometheusPeer;

  beforeAll(async () => {
    const now = Date.now();
    const series: { labels: Record<string, string>; samples: [number, number][] }[] = [
      { labels: { __name__: 'fed_requests_total', job: 'api', instance: 'a:1', code: '200' }, samples: [[now - 60_000, 10], [now - 30_000, 1e6], [now - 5_000, 123456789]] },
      { labels: { __name__: 'fed_requests_total', job: 'api', instance: 'a:1', code: '500' }, samples: [[now - 30_000, 0.25]] },
      { labels: { __name__: 'fed_temperature', job: 'sensors', room: 'hall "main"\\west\nwing' }, samples: [[now - 20_000, 1.5e-5]] },
      { labels: { __name__: 'fed_ratio', job: 'api', cluster: 'us' }, samples: [[now - 20_000, Infinity], [now - 10_000, -Infinity]] },
      { labels: { __name__: 'fed_nan', job: 'api' }, samples: [[now - 10_000, Number.NaN]] },
      { labels: { __name__: 'fed_small', job: 'api', instance: 'b:2' }, samples: [[now - 10_000, -0.0001], [now - 9_000, 42]] },
      // Older than the 5m lookback: not federated.
      { labels: { __name__: 'fed_old', job: 'api' }, samples: [[now - 600_000, 7]] },
      { labels: { __name__: 'other_metric', job: 'other' }, samples: [[now - 10_000, 3]] },
    ];
    const app0 = store.appender();
    for (const s of series) for (const [t, v] of s.samples) app0.append(0, Labels.fromObject(s.labels), t, v);
    await app0.commit();

    const registry = createSelfMetricsRegistry();
    app = createHttpServer({ name: 'metrics', listenAddress: '127.0.0.1:0', logger: silentLogger(), registry });
    registerFederation(app, { queryable: store, externalLabels, lookbackDeltaMs: 300_000 });
    ourUrl = `http://127.0.0.1:${await listen(app, '127.0.0.1:0')}`;

    prom = await startPrometheus(tempDir('prom-fed-'), `global:\n  external_labels:\n    cluster: eu\n    replica: r1\n`);
    const sampleEnd: number[] = [];
    const t: number[] = [];
    const v: number[] = [];
    for (const s of series) {
      for (const [ts, val] of s.samples) {
        t.push(ts);
        v.push(val);
      }
      sampleEnd.push(t.length);
    }
    const body = compressSnappyBody(
      encodeWriteRequestV1({ seriesCount: series.length, labels: series.map((s) => Labels.fromObject(s.labels)), sampleEnd, t, v }),
    );
    const res = await fetch(`${prom.url}/api/v1/write`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
      body,
    });
    expect(res.status).toBe(204);
  }, 30_000);

  afterAll(async () => {
    await prom?.stop();
    await app?.close();
  });

  async function federate(base: string, sets: string[]): Promise<{ status: number; type: string | null; text: string }> {
    const qs = sets.map((s) => `match[]=${encodeURIComponent(s)}`).join('&');
    const res = await fetch(`${base}/federate?${qs}`);
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  }

  const lines = (text: string) => text.split('\n').filter((l) => l !== '').sort();

  it.each([
    [['{__name__=~"fed_.*"}']],
    [['fed_requests_total{code="200"}', 'fed_temperature', 'fed_nan']],
    [['{job="api"}', '{cluster="us"}']],
    [['{__name__=~".+"}']],
    [['no_such_metric']],
  ])('match[] %j answers as Prometheus does', async (sets) => {
    const [theirs, ours] = await Promise.all([federate(prom.url, sets), federate(ourUrl, sets)]);
    expect(ours.status).toBe(theirs.status);
    expect(ours.type).toBe(theirs.type);
    // Prometheus's own series (up, scrape_*) are absent here: its config has no scrape jobs.
    expect(lines(ours.text)).toEqual(lines(theirs.text));
    if (sets[0] === '{__name__=~"fed_.*"}') {
      expect(ours.text).toContain('fed_requests_total{code="200",instance="a:1",job="api",cluster="eu",replica="r1"} 1.23456789e+08 ');
      expect(ours.text).toContain('fed_temperature{job="sensors",room="hall \\"main\\"\\\\west\\nwing",cluster="eu",instance="",replica="r1"} 1.5e-05 ');
      expect(ours.text).not.toContain('fed_old');
    }
  });

  it('answers a bad selector (400, parser message) and an all-empty matcher (empty 200) as Prometheus does', async () => {
    for (const [sets, status] of [[['{job=~"a"'], 400], [['{job=""}'], 200]] as const) {
      const [theirs, ours] = await Promise.all([federate(prom.url, [...sets]), federate(ourUrl, [...sets])]);
      expect(theirs.status).toBe(status);
      expect(ours).toEqual(theirs);
    }
  });
});
