/**
 * Native histograms scraped in the protobuf exposition format, Sightline vs the real Prometheus 2.42
 * (`--enable-feature=native-histograms`): both scrape the same fixture exporter (integer and float native
 * histograms, a classic histogram, a counter, a summary; a counter reset at slot 8), and histogram_quantile /
 * histogram_count / histogram_sum / rate and the raw stored histograms answer alike through both HTTP APIs at the same
 * evaluation times: first from our head, then after a restart with a 2 s block range (the head compacted to blocks),
 * then after kill -9 and a restart on the same data directory.
 *
 * Our engine has Prometheus 3's semantics where they differ from 2.42's, so the comparison stays clear of the
 * differences: windows of 8.1 s end on sample times (no sample on a window's left edge, which 2.42 includes and 3
 * excludes; the first sample 0.1 s after the edge, so 3's zero-point clamp of histogram rates, which 2.42 does not
 * have, does not apply), and histogram_quantile is asked where linear (2.42) and exponential (3) interpolation
 * within a bucket agree: q = 1 (a bucket's upper bound) and q = 0.2 (within the zero bucket, linear in both).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNativeHistogramExporter, type NativeHistogramExporter } from './helpers/native-histogram-exporter.js';
import { spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';
import { prometheusAvailable, startPrometheus, type PrometheusPeer } from './helpers/prometheus-peer.js';

type Result = { metric: Record<string, string>; value?: [number, string]; histogram?: [number, Hist]; values?: [number, string][]; histograms?: [number, Hist][] };
type Hist = { count: string; sum: string; buckets?: [number, string, string, string][] };

const SLOT_MS = 1000;

async function query(base: string, q: string, time: number): Promise<Result[]> {
  const res = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query: q, time: String(time / 1000) })}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: Result[] } };
  if (body.status !== 'success') throw new Error(`${base} ${q}: ${body.error}`);
  return body.data.result.sort((a, b) => JSON.stringify(a.metric).localeCompare(JSON.stringify(b.metric)));
}

/** Numbers to 12 significant digits (float rounding between engines), everything else as is. */
function rounded(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(rounded);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, rounded(v)]));
  if (typeof x === 'string' && x !== '' && !Number.isNaN(Number(x))) return Number(Number(x).toPrecision(12));
  if (typeof x === 'number') return Number(x.toPrecision(12));
  return x;
}

const QUERIES = [
  'histogram_quantile(0.2, rate(nh_request_duration_seconds[8100ms]))',
  'histogram_quantile(1, rate(nh_request_duration_seconds[8100ms]))',
  'histogram_quantile(1, rate(nh_float_payload_bytes[8100ms]))',
  'histogram_quantile(0.2, nh_request_duration_seconds)',
  'histogram_count(rate(nh_request_duration_seconds[8100ms]))',
  'histogram_sum(rate(nh_request_duration_seconds[8100ms]))',
  'histogram_count(rate(nh_float_payload_bytes[8100ms]))',
  'histogram_sum(rate(nh_float_payload_bytes[8100ms]))',
  'histogram_count(nh_request_duration_seconds)',
  'histogram_sum(nh_float_payload_bytes)',
  'rate(nh_request_duration_seconds[8100ms])',
  'rate(nh_float_payload_bytes[8100ms])',
  'nh_request_duration_seconds[8100ms]',
  'nh_float_payload_bytes[8100ms]',
  'rate(nh_events_total[8100ms])',
  'histogram_quantile(0.9, rate(nh_classic_seconds_bucket[8100ms]))',
  'nh_classic_seconds_bucket',
  'nh_latency',
  'nh_latency_count',
  'count_over_time(nh_up_gauge[8100ms])',
];

describe.runIf(prometheusAvailable())('protobuf scraping of native histograms: Sightline vs Prometheus 2.42', () => {
  let exp: NativeHistogramExporter;
  let prom: PrometheusPeer;
  let dir: string;
  let s: SpawnedSightline | undefined;
  let ours = '';
  let evalTimes: number[] = [];
  let slot0 = 0;

  const start = async (minBlock: string) => {
    writeFileSync(join(dir, 'sightline.yaml'), `metrics:\n  listen_address: 127.0.0.1:0\n  scrape_self: false\n  tsdb:\n    min_block_duration: ${minBlock}\n`);
    s = spawnSightline(['--target', 'metrics', '--config.file', join(dir, 'sightline.yaml'), '--prometheus.config', join(dir, 'prometheus.yml'), '--data-dir', join(dir, 'data')]);
    ours = `http://127.0.0.1:${(await startedPorts(s, 45_000)).prometheus}`;
  };

  async function compare(phase: string): Promise<number> {
    let checked = 0;
    for (const t of evalTimes) {
      for (const q of QUERIES) {
        const [a, b] = await Promise.all([query(ours, q, t), query(prom.url, q, t)]);
        expect.soft(rounded(a), `${phase}: ${q} @${t}`).toEqual(rounded(b));
        if (b.length > 0) checked++;
      }
    }
    return checked;
  }

  beforeAll(async () => {
    // A sample every second, stamped with its slot; each scraper (every 500 ms) sees every slot at least once.
    // Values start moving at `slot0`, set once both scrapers are up; counters reset 5 slots later.
    exp = await startNativeHistogramExporter({ slotMs: SLOT_MS, startMs: Date.now() + 3_600_000, resetAt: 5 });
    const yml = `global:\n  scrape_interval: 500ms\n  scrape_timeout: 500ms\nscrape_configs:\n  - job_name: nh\n    static_configs:\n      - targets: ['${new URL(exp.url).host}']\n`;
    dir = tempDir('nh-scrape-');
    // Ours with native histograms on (Prometheus 3's setting; 2.42 has the feature flag and would refuse the key).
    writeFileSync(join(dir, 'prometheus.yml'), yml.replace('global:\n', 'global:\n  scrape_native_histograms: true\n'));
    [prom] = await Promise.all([startPrometheus(tempDir('prom-nh-scrape-'), yml, undefined, ['--enable-feature=native-histograms']), start('2h')]);
    // Prometheus syncs new targets every 5 s: its first scrape may be that late.
    slot0 = Math.floor(Date.now() / SLOT_MS) * SLOT_MS + 8 * SLOT_MS;
    exp.setStart(slot0);
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    if (s) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
    await exp?.close();
  });

  it('answers alike from the head', async () => {
    // Evaluation times on and between sample times, their 8 s windows from slot0 on (the reset inside).
    evalTimes = [slot0 + 8 * SLOT_MS, slot0 + 10 * SLOT_MS, slot0 + 12 * SLOT_MS];
    const end = evalTimes[evalTimes.length - 1];
    await waitFor(() => Date.now() > end + 2 * SLOT_MS, 40_000, 'the last evaluation time passed');
    // Both have every slot of the windows (neither started late).
    for (const base of [ours, prom.url]) {
      const r = await query(base, 'nh_up_gauge[30s]', end);
      expect(r[0].values![0][0] * 1000, base).toBeLessThanOrEqual(evalTimes[0] - 8 * SLOT_MS);
    }
    // Both asked for protobuf first (Prometheus 2.42's fixed header; ours from scrape_protocols' default with scrape_native_histograms).
    const protoFirst = /^application\/vnd\.google\.protobuf;proto=io\.prometheus\.client\.MetricFamily;encoding=delimited/;
    expect(exp.accepts.every((a) => protoFirst.test(a))).toBe(true);
    expect(await compare('head')).toBeGreaterThan(QUERIES.length * 2);
  }, 60_000);

  it('answers alike after the head is compacted to blocks', async () => {
    s!.child.kill('SIGTERM');
    await s!.exited;
    // A 2 s block range: the replayed head spans far more than 1.5 ranges and is cut into blocks.
    await start('2s');
    const data = join(dir, 'data');
    const blocks = await waitFor(
      () => {
        const found: { maxTime: number }[] = [];
        const walk = (d: string) => {
          for (const e of readdirSync(d, { withFileTypes: true })) {
            if (!e.isDirectory()) continue;
            if (/^[0-9A-Z]{26}$/.test(e.name)) {
              try {
                const meta = JSON.parse(readFileSync(join(d, e.name, 'meta.json'), 'utf8')) as { maxTime: number };
                found.push({ maxTime: meta.maxTime });
              } catch {
                /* being written */
              }
            } else walk(join(d, e.name));
          }
        };
        walk(data);
        return found.some((b) => b.maxTime > evalTimes[evalTimes.length - 1]) ? found : undefined;
      },
      30_000,
      'a block past the evaluation times',
    );
    expect(blocks.length).toBeGreaterThan(0);
    expect(await compare('blocks')).toBeGreaterThan(QUERIES.length * 2);
  }, 60_000);

  it('answers alike after kill -9 and a restart on the same data directory', async () => {
    s!.child.kill('SIGKILL');
    await s!.exited;
    await start('2s');
    expect(await compare('after kill -9')).toBeGreaterThan(QUERIES.length * 2);
  }, 60_000);
});
