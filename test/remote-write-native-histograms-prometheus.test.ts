import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sightlineConfigSchema } from '../src/config/index.js';
import { startMetrics, type MetricsComponent } from '../src/metrics/component.js';
import { startMimir, type MimirComponent } from '../src/metrics/mimir/index.js';
import { Block } from '../src/metrics/tsdb/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../src/server/index.js';
import { startNativeHistogramExporter, type NativeHistogramExporter } from './helpers/native-histogram-exporter.js';
import { tempDir, waitFor } from './helpers/process.js';
import { prometheusAvailable, startPrometheus, type PrometheusPeer } from './helpers/prometheus-peer.js';

/**
 * Remote write of native histograms, differential with the real Prometheus 2.42 (`--enable-feature=native-histograms`):
 *
 *   fixture exporter (protobuf, integer + float native histograms, a counter reset)
 *     → Prometheus A (scrapes) ─remote write 1.0 (`send_native_histograms: true`)→ Sightline's Mimir role (/api/v1/push)
 *                                                                              → Sightline's Prometheus role (/api/v1/write)
 *     Sightline's Prometheus role ─its remote_write queue (from its WAL)→ Prometheus B (--web.enable-remote-write-receiver)
 *
 * The same PromQL over the histograms answers the same (floats to 1e-9 relative, bucket bounds to 12 digits: 2.42
 * computes them with another formula) through A's API, B's, and Sightline's two, at the same evaluation times.
 * Prometheus 2.42 has no custom-bucket (schema -53) histograms and sends remote write 1.0 only, so those are covered
 * against our own decoder (src/metrics/remote/codec/histogram-encoder.test.ts, test/remote-write-sender-histograms.test.ts).
 */
const hasProm = prometheusAvailable();
const NH = ['--enable-feature=native-histograms'];
const NH_ADMIN = [...NH, '--web.enable-admin-api'];
const SLOT_MS = 1000;
const RESET_AT = 12;
const SLOTS = 24;

const EXPRS = [
  'nh_request_duration_seconds',
  'nh_float_payload_bytes',
  'histogram_count(nh_request_duration_seconds)',
  'histogram_sum(nh_float_payload_bytes)',
  'rate(nh_request_duration_seconds[1m])',
  'rate(nh_float_payload_bytes[1m])',
  'histogram_count(rate(nh_request_duration_seconds[1m]))',
  'histogram_sum(rate(nh_float_payload_bytes[1m]))',
  'histogram_fraction(0, 1, rate(nh_request_duration_seconds[1m]))',
];

/**
 * `histogram_quantile` over native histograms changed after 2.42: Prometheus 2.42 interpolates linearly inside the
 * bucket, Prometheus 3 (which Sightline follows) exponentially for the standard exponential schemas (linearly in the
 * zero bucket). So the two Prometheus servers are compared with each other, Sightline's two roles with each other,
 * and each side with its own rule applied to the `rate(...)` histogram that all four answered identically.
 */
const QUANTILES = ['nh_request_duration_seconds', 'nh_float_payload_bytes'];

/**
 * The quantile of a histogram in the API's JSON, by Prometheus 2.42's rule ('linear': buckets summed from the
 * lowest) or Prometheus 3's ('exponential': for q >= 0.5 summed from the highest, which decides ties at a bucket
 * boundary the other way, then exponential interpolation outside the zero bucket).
 */
function quantileOf(q: number, h: Hist, rule: 'linear' | 'exponential'): number {
  const buckets = (h.buckets ?? []).map(([, lo, hi, c]) => ({ lo: Number(lo), hi: Number(hi), c: Number(c) }));
  const forward = rule === 'linear' || q < 0.5;
  let rank = (forward ? q : 1 - q) * Number(h.count);
  let cum = 0;
  let b = buckets[0];
  for (const x of forward ? buckets : [...buckets].reverse()) {
    b = x;
    cum += b.c;
    if (cum >= rank) break;
  }
  const hasNeg = buckets.some((x) => x.hi <= 0);
  const hasPos = buckets.some((x) => x.lo >= 0);
  let lo = b.lo;
  let hi = b.hi;
  if (lo < 0 && hi > 0 && !hasNeg && hasPos) lo = 0;
  if (lo < 0 && hi > 0 && hasNeg && !hasPos) hi = 0;
  rank = forward ? rank - (cum - b.c) : cum - rank;
  const fraction = rank / b.c;
  if (rule === 'linear' || (lo <= 0 && hi >= 0)) return lo + (hi - lo) * fraction;
  const [a, z] = [Math.log2(Math.abs(lo)), Math.log2(Math.abs(hi))];
  return Math.sign(hi) * 2 ** (a + (z - a) * fraction);
}

type Hist = { count: string; sum: string; buckets?: [number, string, string, string][] };
type Series = { metric: Record<string, string>; values?: [number, string][]; histograms?: [number, Hist][] };

const close = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

/** A comparable view: numbers rounded to 12 significant digits (bounds and float arithmetic differ in the last ones). */
function normalize(series: Series[]): unknown {
  const r = (s: string) => {
    const n = Number(s);
    return Number.isFinite(n) && n !== 0 ? Number(n.toPrecision(12)) : s;
  };
  return series
    .map((s) => ({
      metric: JSON.stringify(Object.entries(s.metric).sort(([a], [b]) => (a < b ? -1 : 1))),
      values: (s.values ?? []).map(([t, v]) => [t, r(v)]),
      histograms: (s.histograms ?? []).map(([t, h]) => [t, { count: r(h.count), sum: r(h.sum), buckets: (h.buckets ?? []).map(([rule, lo, hi, c]) => [rule, r(lo), r(hi), r(c)]) }]),
    }))
    .sort((a, b) => (a.metric < b.metric ? -1 : 1));
}

describe.skipIf(!hasProm)('native histograms over remote write vs Prometheus 2.42', () => {
  let exporter: NativeHistogramExporter;
  let promA: PrometheusPeer;
  let promB: PrometheusPeer;
  let metrics: MetricsComponent;
  let mimir: MimirComponent;
  const apis: Record<string, string> = {};

  beforeAll(async () => {
    exporter = await startNativeHistogramExporter({ slotMs: SLOT_MS, resetAt: RESET_AT });
    promB = await startPrometheus(tempDir('nh-rw-b-'), 'global:\n  scrape_interval: 1h\n', undefined, NH_ADMIN);
    const dir = tempDir('nh-rw-sightline-');
    const promYml = join(dir, 'prometheus.yml');
    writeFileSync(
      promYml,
      `global:\n  scrape_interval: 1h\nremote_write:\n  - url: ${promB.url}/api/v1/write\n    send_native_histograms: true\n` +
        `    queue_config: { batch_send_deadline: 200ms, min_backoff: 50ms, max_backoff: 500ms }\n`,
    );
    const config = sightlineConfigSchema.parse({
      metrics: { listen_address: '127.0.0.1:0', scrape_self: false, prometheus_config_file: promYml },
      mimir: { listen_address: '127.0.0.1:0', compactor: { interval: '0s' } },
    });
    const ctx = { config, dataDir: join(dir, 'data'), logger: silentLogger(), registry: createSelfMetricsRegistry() };
    metrics = await startMetrics(ctx);
    mimir = await startMimir(ctx);
    const rw = (url: string) => `  - url: ${url}\n    send_native_histograms: true\n    queue_config: { batch_send_deadline: 200ms, min_backoff: 50ms, max_backoff: 500ms }\n`;
    promA = await startPrometheus(
      tempDir('nh-rw-a-'),
      `global:\n  scrape_interval: 500ms\n  scrape_timeout: 500ms\nscrape_configs:\n  - job_name: nh\n    static_configs:\n      - targets: ['${new URL(exporter.url).host}']\n` +
        `remote_write:\n${rw(`http://127.0.0.1:${metrics.ports.prometheus}/api/v1/write`)}${rw(`http://127.0.0.1:${mimir.ports.mimir}/api/v1/push`)}`,
      undefined,
      NH,
    );
    Object.assign(apis, {
      'Prometheus A (scraping)': promA.url,
      'Prometheus B (fed by our sender)': promB.url,
      'Sightline Prometheus role': `http://127.0.0.1:${metrics.ports.prometheus}`,
      'Sightline Mimir role': `http://127.0.0.1:${mimir.ports.mimir}/prometheus`,
    });
  }, 60_000);

  afterAll(async () => {
    await promA?.stop();
    await mimir?.stop();
    await metrics?.stop();
    await promB?.stop();
    await exporter?.close();
  });

  async function api(base: string, path: string, params: Record<string, string>): Promise<Series[]> {
    const res = await fetch(`${base}/api/v1/${path}?${new URLSearchParams(params)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: Series[] } };
    if (body.status !== 'success') throw new Error(`${base}: ${body.error}`);
    return body.data.result;
  }

  /** Timestamps (ms) of the raw integer histogram samples an API holds. */
  async function sampleTimes(base: string, at: number): Promise<number[]> {
    const r = await api(base, 'query', { query: 'nh_request_duration_seconds[5m]', time: String(at / 1000) });
    return (r[0]?.histograms ?? []).map(([t]) => Math.round(t * 1000));
  }

  it('every API answers the same PromQL over the remote-written histograms', async () => {
    // Prometheus A has scraped a counter reset and enough slots after it.
    const raw = await waitFor(
      async () => {
        const ts = await sampleTimes(promA.url, Date.now());
        return ts.length >= SLOTS ? ts : undefined;
      },
      50_000,
      `${SLOTS} slots scraped by Prometheus A`,
    );
    const last = raw[raw.length - 1];
    // The compared window holds the exporter's counter reset.
    const counts = (await api(promA.url, 'query', { query: 'nh_request_duration_seconds[5m]', time: String(last / 1000) }))[0].histograms!.map(([, h]) => Number(h.count));
    expect(counts.some((c, i) => i > 0 && c < counts[i - 1])).toBe(true);
    // The three receivers (B at the end of a two-hop chain) have every sample up to A's last one.
    for (const [name, base] of Object.entries(apis)) {
      await waitFor(async () => JSON.stringify((await sampleTimes(base, last)).filter((t) => t <= last)) === JSON.stringify(raw), 30_000, `${name} to hold A's samples`);
    }
    // Evaluation times between samples and on them, from the first sample on.
    const params = { start: String((raw[0] + 300) / 1000), end: String(last / 1000), step: '0.5' };
    let histogramPoints = 0;
    let floatPoints = 0;
    for (const expr of EXPRS) {
      const answers = await Promise.all(Object.values(apis).map((base) => api(base, 'query_range', { query: expr, ...params })));
      const want = normalize(answers[0]);
      Object.keys(apis).forEach((name, i) => expect(normalize(answers[i]), `${expr} via ${name}`).toEqual(want));
      for (const s of answers[0]) {
        histogramPoints += s.histograms?.length ?? 0;
        floatPoints += s.values?.length ?? 0;
      }
      expect(answers[0].length, expr).toBeGreaterThan(0);
    }
    expect(histogramPoints).toBeGreaterThan(100);
    expect(floatPoints).toBeGreaterThan(100);
    // histogram_quantile: each side with its own interpolation over the same rate() histograms.
    const [aApi, bApi, ourProm, ourMimir] = Object.values(apis);
    for (const metric of QUANTILES) {
      const rated = (await api(aApi, 'query_range', { query: `rate(${metric}[1m])`, ...params }))[0].histograms!;
      expect(rated.length).toBeGreaterThan(20);
      for (const q of [0.5, 0.9, 0.99]) {
        const expr = `histogram_quantile(${q}, rate(${metric}[1m]))`;
        const [a, b, p, m] = await Promise.all([aApi, bApi, ourProm, ourMimir].map(async (base) => (await api(base, 'query_range', { query: expr, ...params }))[0].values!));
        expect(b, `${expr}: Prometheus B = A`).toEqual(a);
        expect(m, `${expr}: Sightline Mimir role = Prometheus role`).toEqual(p);
        expect(a.map(([t]) => t)).toEqual(rated.map(([t]) => t));
        expect(p.map(([t]) => t)).toEqual(rated.map(([t]) => t));
        rated.forEach(([t, h], k) => {
          const linear = quantileOf(q, h, 'linear');
          const exponential = quantileOf(q, h, 'exponential');
          expect(close(Number(a[k][1]), linear), `${expr} @ ${t}: Prometheus 2.42 ${a[k][1]} vs linear ${linear}`).toBe(true);
          expect(close(Number(p[k][1]), exponential), `${expr} @ ${t}: Sightline ${p[k][1]} vs exponential ${exponential}`).toBe(true);
        });
      }
    }
    // Integer histograms stayed integer and float ones float end to end: Prometheus B keeps them in integer
    // (encoding 2) and float (encoding 3) histogram chunks.
    const snap = (await (await fetch(`${promB.url}/api/v1/admin/tsdb/snapshot`, { method: 'POST' })).json()) as { data: { name: string } };
    const snapDir = join(promB.dir, 'tsdb', 'snapshots', snap.data.name);
    const encodings: Record<string, Set<number>> = {};
    for (const name of readdirSync(snapDir).filter((n) => /^[0-9A-Z]{26}$/.test(n))) {
      const block = Block.open(join(snapDir, name));
      for (const metric of ['nh_request_duration_seconds', 'nh_float_payload_bytes']) {
        for (const s of block.readSeries(block.postings('__name__', metric))) {
          for (const c of block.chunksIn(s, -Infinity, Infinity)) (encodings[metric] ??= new Set()).add(c.encoding ?? 1);
        }
      }
      block.release();
    }
    expect(encodings).toEqual({ nh_request_duration_seconds: new Set([2]), nh_float_payload_bytes: new Set([3]) });
  }, 120_000);
});
