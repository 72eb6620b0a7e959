import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Labels, STALE_NAN, type FloatHistogram } from '../src/model/index.js';
import { histogramJson } from '../src/metrics/api/query-result-json.js';
import { Block, ulid, writeBlock } from '../src/metrics/tsdb/index.js';
import { FloatHistogramChunkAppender, decodeFloatHistogramChunk } from '../src/metrics/tsdb/float-histogram-chunk.js';
import { appendHistogramSample, type HistogramChunkAppenderAny } from '../src/metrics/tsdb/histogram-append-rules.js';
import { HistogramChunkAppender, decodeHistogramChunk } from '../src/metrics/tsdb/histogram-chunk.js';
import type { DecodedHistogram } from '../src/metrics/tsdb/histogram-chunk-hint.js';
import { counterResetHeaderOf, spansFromIndexes, type SpanHistogram } from '../src/metrics/tsdb/histogram-chunk-layout.js';
import { fromSpanHistogram } from '../src/metrics/tsdb/histogram-conversion.js';
import { familiesAt, startNativeHistogramExporter } from './helpers/native-histogram-exporter.js';
import { prometheusAvailable, startPrometheus, type PrometheusPeer } from './helpers/prometheus-peer.js';
import { tempDir, waitFor } from './helpers/process.js';

/**
 * The histogram chunk encodings against the real Prometheus 2.42 (`--enable-feature=native-histograms`):
 * chunks Prometheus wrote (scraping a protobuf target, then an admin-API snapshot) decode to the exposed values
 * with our decoder, and a block we wrote with histogram chunks is served by Prometheus with our values.
 */
const hasProm = prometheusAvailable();

const started: PrometheusPeer[] = [];
const NH_FLAGS = ['--enable-feature=native-histograms', '--web.enable-admin-api', '--storage.tsdb.retention.time=100y'];

async function startProm(dir: string, config: string): Promise<PrometheusPeer> {
  const p = await startPrometheus(dir, config, undefined, NH_FLAGS);
  started.push(p);
  return p;
}

afterAll(async () => {
  for (const p of started) await p.stop();
});

function decode(encoding: number | undefined, data: Uint8Array): DecodedHistogram[] {
  if (encoding === 2) return decodeHistogramChunk(data);
  if (encoding === 3) return decodeFloatHistogramChunk(data);
  throw new Error(`not a histogram chunk: encoding ${encoding}`);
}

/** The exporter's histogram of family `name` at slot k, through the query model (dense buckets). */
function exposed(name: string, k: number): { count: number; sum: number; zeroCount: number; buckets: number[] } {
  const fam = familiesAt(k).find((f) => (f as { name: string }).name === name) as { metric: { histogram: Record<string, unknown> }[] };
  const h = fam.metric[0].histogram as {
    sample_count?: number;
    sample_count_float?: number;
    sample_sum: number;
    zero_count?: number;
    zero_count_float?: number;
    positive_delta?: number[];
    positive_count?: number[];
  };
  let acc = 0;
  const buckets = h.positive_count ?? (h.positive_delta ?? []).map((d) => (acc += d));
  return { count: h.sample_count ?? h.sample_count_float ?? 0, sum: h.sample_sum, zeroCount: h.zero_count ?? h.zero_count_float ?? 0, buckets };
}

function roundBounds(json: string): unknown {
  const h = JSON.parse(json) as { count: string; sum: string; buckets?: [number, string, string, string][] };
  return { ...h, buckets: h.buckets?.map(([r, lo, hi, c]) => [r, Number(lo).toPrecision(12), Number(hi).toPrecision(12), c]) };
}

describe.skipIf(!hasProm)('histogram chunks vs Prometheus 2.42', () => {
  it('decodes the integer and float histogram chunks Prometheus wrote', async () => {
    const slotMs = 1000;
    const startMs = Math.floor(Date.now() / slotMs) * slotMs;
    const exp = await startNativeHistogramExporter({ slotMs, startMs });
    try {
      const dir = tempDir('sightline-nh-prom-');
      const target = new URL(exp.url).host;
      const prom = await startProm(dir, `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: nh\n    static_configs:\n      - targets: ['${target}']\n`);
      // Scrape until the new bucket (slot 4 on) and a few more samples are in.
      await waitFor(
        async () => {
          const r = (await (await fetch(`${prom.url}/api/v1/query?query=count_over_time(nh_up_gauge[5m])`)).json()) as { data: { result: { value: [number, string] }[] } };
          return Number(r.data.result[0]?.value[1] ?? -1) >= 8;
        },
        40_000,
        'eight slots scraped',
      );
      expect(exp.accepts[0]).toMatch(/^application\/vnd\.google\.protobuf;proto=io\.prometheus\.client\.MetricFamily;encoding=delimited/);
      const snap = (await (await fetch(`${prom.url}/api/v1/admin/tsdb/snapshot`, { method: 'POST' })).json()) as { data: { name: string } };
      const snapDir = join(dir, 'tsdb', 'snapshots', snap.data.name);
      const blocks = readdirSync(snapDir).filter((n) => /^[0-9A-Z]{26}$/.test(n));
      expect(blocks.length).toBeGreaterThan(0);
      const checked = { int: 0, float: 0, bytes: 0, samples: 0, encodings: new Set<number>() };
      for (const name of blocks) {
        const block = Block.open(join(snapDir, name));
        for (const [metric, kind] of [
          ['nh_request_duration_seconds', 'int'],
          ['nh_float_payload_bytes', 'float'],
        ] as const) {
          const ids = block.postings('__name__', metric);
          for (const s of block.readSeries(ids)) {
            for (const c of block.chunksIn(s, -Infinity, Infinity)) {
              checked.encodings.add(c.encoding ?? 1);
              // Our encoder writes the same bytes for the same samples (header and layout included).
              const again = c.encoding === 2 ? new HistogramChunkAppender(counterResetHeaderOf(c.data)) : new FloatHistogramChunkAppender(counterResetHeaderOf(c.data));
              for (const d of decode(c.encoding, c.data)) again.append(d.t, d.h);
              expect(Buffer.from(again.seal()).equals(Buffer.from(c.data))).toBe(true);
              checked.bytes += c.data.length;
              checked.samples += c.n;
              for (const d of decode(c.encoding, c.data)) {
                const k = Math.round((d.t - startMs) / slotMs);
                const want = exposed(metric, k);
                const fh = fromSpanHistogram(d.h, d.hint);
                expect({ count: fh.count, sum: fh.sum, zeroCount: fh.zeroCount }).toEqual({ count: want.count, sum: want.sum, zeroCount: want.zeroCount });
                // Prometheus stores the exposed buckets: -1, 0, 2 (+ 4 from slot 4) for the integer one.
                expect(fh.pos.filter((v) => v !== 0)).toEqual(want.buckets.filter((v) => v !== 0));
                checked[kind]++;
              }
            }
          }
        }
        block.release();
      }
      expect(checked.encodings).toEqual(new Set([2, 3]));
      console.log(`histogram chunk bytes per sample (Prometheus's = ours, byte-identical): ${(checked.bytes / checked.samples).toFixed(2)} over ${checked.samples} samples`);
      expect(checked.int).toBeGreaterThanOrEqual(8);
      expect(checked.float).toBeGreaterThanOrEqual(8);
    } finally {
      await exp.close();
    }
  }, 90_000);

  it('Prometheus serves a block we wrote with histogram chunks, with our values', async () => {
    const dir = tempDir('sightline-nh-ours-');
    const data = join(dir, 'tsdb');
    mkdirSync(data, { recursive: true });
    const t0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    const mk = (k: number, extra: boolean): SpanHistogram => ({
      schema: 2,
      zeroThreshold: 2 ** -128,
      zeroCount: k,
      count: 10 + 4 * k + (extra ? k : 0),
      sum: 7.5 * k,
      positiveSpans: spansFromIndexes(extra ? [-3, -2, 4, 9] : [-3, -2, 4]),
      negativeSpans: spansFromIndexes([1]),
      positiveBuckets: extra ? [1 + k, 2, 7 + k, k] : [1 + k, 2, 7 + k],
      negativeBuckets: [2 + 2 * k],
    });
    const series: { labels: Labels; float: boolean; samples: { t: number; h: SpanHistogram; hint: 'unknown' | 'gauge' }[] }[] = [];
    const ints: { t: number; h: SpanHistogram; hint: 'unknown' }[] = [];
    for (let k = 0; k < 30; k++) ints.push({ t: t0 + k * 15_000, h: mk(k % 20, k >= 5 && k < 20), hint: 'unknown' }); // a new bucket (re-code), then a reset
    ints.push({ t: t0 + 30 * 15_000, h: { ...mk(0, false), sum: STALE_NAN }, hint: 'unknown' });
    series.push({ labels: Labels.fromObject({ __name__: 'ours_int_hist', job: 'x' }), float: false, samples: ints });
    const floats = [];
    for (let k = 0; k < 20; k++) floats.push({ t: t0 + k * 15_000, h: { ...mk(k, false), count: 10.5 + 4 * k, positiveBuckets: [1.25 + k, 2, 7 + k * 0.5] }, hint: 'gauge' as const });
    series.push({ labels: Labels.fromObject({ __name__: 'ours_float_hist', job: 'x' }), float: true, samples: floats });
    const toWrite = series.map((s) => {
      const chunks: HistogramChunkAppenderAny[] = [];
      let app: HistogramChunkAppenderAny | undefined;
      for (const x of s.samples) {
        const r = appendHistogramSample(app, x.t, x.h, s.float, x.hint, false);
        if (r.cut) chunks.push(r.app);
        else chunks[chunks.length - 1] = r.app;
        app = r.app;
      }
      return { labels: s.labels, chunks: chunks.map((c) => ({ minT: c.minT, maxT: c.maxT, data: c.seal(), encoding: c.encoding })) };
    });
    expect(toWrite[0].chunks.length).toBe(2); // the re-coded first chunk; the one cut by the reset, ending in the staleness marker
    await writeBlock(data, ulid(), t0, t0 + 3_600_000, toWrite, { level: 1, sources: [] });
    const prom = await startProm(dir, 'global:\n  scrape_interval: 1m\n');
    for (const s of series) {
      const name = s.labels.get('__name__');
      const end = (s.samples[s.samples.length - 1].t + 1) / 1000;
      const r = (await (await fetch(`${prom.url}/api/v1/query?query=${name}[1h]&time=${end}`)).json()) as {
        data: { result: { histograms?: [number, unknown][] }[] };
      };
      const got = r.data.result[0].histograms!.map(([t, h]) => [t * 1000, JSON.stringify(h)]);
      // Ours, through our decoder and the API's histogram JSON; staleness markers are not returned by a range selector.
      const ours: [number, string][] = [];
      for (const c of toWrite.find((w) => w.labels.equals(s.labels))!.chunks) {
        for (const d of decode(c.encoding, c.data)) {
          if (Number.isNaN(d.h.sum)) continue;
          ours.push([d.t, histogramJson(fromSpanHistogram(d.h, d.hint) as FloatHistogram)]);
        }
      }
      // Bucket bounds are compared to 1e-12: Prometheus 2.42 computes them with another formula (last-digit
      // differences); counts, sums, bucket counts and their order are exact.
      expect(got.map(([t, j]) => [t, roundBounds(j as string)])).toEqual(ours.map(([t, j]) => [t, roundBounds(j)]));
      expect(ours.length).toBe(s.samples.filter((x) => !Number.isNaN(x.h.sum)).length);
    }
  }, 90_000);
});
