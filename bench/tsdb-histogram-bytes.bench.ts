/**
 * Bytes per native-histogram sample on disk, ours vs Prometheus 2.42 for the same data
 * (`npm run bench -- tsdb-histogram-bytes`), one JSON line.
 *
 * The data: 200 latency histograms (schema 3, Prometheus's default resolution), 15 s interval, 2 h (one block range):
 * every step adds a varying number of log-normal observations, so buckets fill and new ones appear at the tails;
 * 3/4 integer histograms, 1/4 float histograms (observation weights in quarters). Counters never reset.
 *
 * The same samples go into our TSDB (appender, one commit per step) and into a real Prometheus 2.42
 * (`--enable-feature=native-histograms`) through its remote-write receiver (our encoder: integer histograms as
 * integers, float ones as floats). Both heads are then written as one block by the snapshot API (ours:
 * `Tsdb.snapshot`, Prometheus: `POST /api/v1/admin/tsdb/snapshot`), and the block directories are measured: whole
 * block (chunks + index + meta) and chunk files alone; and the chunks are compared one by one. promtool's create-blocks-from cannot write native histograms,
 * hence the receiver. Also the CPU per histogram appended to our head (median of 3 rounds, this process's CPU time).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FloatHistogram, Labels } from '../src/model/index.js';
import { compressSnappyBody, encodeWriteRequestV1, type EncodeHistogram } from '../src/metrics/remote/codec/index.js';
import { Block, Tsdb } from '../src/metrics/tsdb/index.js';
import { dirSize } from '../src/metrics/tsdb/block.js';
import { seededRng } from '../test/fuzz/mutator.js';
import { prometheusAvailable, startPrometheus } from '../test/helpers/prometheus-peer.js';

const SERIES = 200;
const STEP_MS = 15_000;
const STEPS = (2 * 3600_000) / STEP_MS;
const SCHEMA = 3;
const BLOCK_MS = 2 * 3600_000;

function emit(o: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'tsdb-histogram-bytes', ...o }));
}

interface Dataset {
  labels: Labels[];
  float: boolean[];
  /** [step][series] */
  h: FloatHistogram[][];
  t0: number;
}

function makeDataset(): Dataset {
  const rnd = seededRng(17);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  // A recent 2 h range, aligned to the block range (so each side writes exactly one block).
  const t0 = Math.floor(Date.now() / BLOCK_MS) * BLOCK_MS - 2 * BLOCK_MS;
  const labels = Array.from({ length: SERIES }, (_, i) =>
    Labels.fromObject({ __name__: `bench_latency_seconds_${i % 20}`, instance: `10.0.0.${Math.floor(i / 20)}:8080`, job: 'app' }),
  );
  const float = labels.map((_, i) => i % 4 === 3);
  const state = labels.map((_, i) => ({
    mu: Math.log(0.02 * (1 + (i % 10))),
    sigma: 0.5 + 0.1 * (i % 5),
    rate: 5 + ((i * 37) % 150),
    buckets: new Map<number, number>(),
    zero: 0,
    count: 0,
    sum: 0,
  }));
  const h: FloatHistogram[][] = [];
  for (let k = 0; k < STEPS; k++) {
    const row: FloatHistogram[] = [];
    state.forEach((s, i) => {
      const n = Math.round(s.rate * (0.5 + rnd()));
      for (let j = 0; j < n; j++) {
        const v = Math.exp(s.mu + s.sigma * gauss());
        const w = float[i] ? (1 + Math.floor(rnd() * 4)) / 4 : 1;
        s.count += w;
        s.sum += v * w;
        if (v <= 2 ** -128) s.zero += w;
        else {
          const idx = Math.ceil(Math.log2(v) * 2 ** SCHEMA);
          s.buckets.set(idx, (s.buckets.get(idx) ?? 0) + w);
        }
      }
      const fh = new FloatHistogram();
      fh.schema = SCHEMA;
      fh.zeroThreshold = 2 ** -128;
      fh.zeroCount = s.zero;
      fh.count = s.count;
      fh.sum = s.sum;
      const idx = [...s.buckets.keys()].sort((a, b) => a - b);
      fh.pOff = idx[0] ?? 0;
      fh.pos = idx.length === 0 ? [] : new Array<number>(idx[idx.length - 1] - idx[0] + 1).fill(0);
      for (const x of idx) fh.pos[x - fh.pOff] = s.buckets.get(x)!;
      row.push(fh);
    });
    h.push(row);
  }
  return { labels, float, h, t0 };
}

interface Sizes {
  bytes: number;
  chunkBytes: number;
  samples: number;
  blocks: number;
  /** Chunk data by series labels, in order (to compare the two sides chunk by chunk). */
  chunks: Map<string, Uint8Array[]>;
}

function blockSizes(dir: string): Sizes {
  const out: Sizes = { bytes: 0, chunkBytes: 0, samples: 0, blocks: 0, chunks: new Map() };
  for (const b of readdirSync(dir)) {
    let meta: { stats: { numSamples: number } };
    try {
      meta = JSON.parse(readFileSync(join(dir, b, 'meta.json'), 'utf8')) as typeof meta;
    } catch {
      continue;
    }
    out.blocks++;
    out.samples += meta.stats.numSamples;
    out.bytes += dirSize(join(dir, b));
    out.chunkBytes += dirSize(join(dir, b, 'chunks'));
    const block = Block.open(join(dir, b));
    for (const s of block.readSeries(block.allPostings())) {
      const list = out.chunks.get(s.labels.key()) ?? [];
      for (const c of block.chunksIn(s, -Infinity, Infinity)) list.push(Uint8Array.from(c.data));
      out.chunks.set(s.labels.key(), list);
    }
    block.release();
  }
  return out;
}

/** Chunks equal byte for byte, equal but for the counter-reset header bits (3rd byte, bits 7-6), or different. */
function compareChunks(a: Sizes, b: Sizes): { identical: number; header_bits_only: number; different: number } {
  const r = { identical: 0, header_bits_only: 0, different: 0 };
  for (const [key, xs] of a.chunks) {
    const ys = b.chunks.get(key) ?? [];
    for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
      const x = xs[i];
      const y = ys[i];
      if (!x || !y || x.length !== y.length) r.different++;
      else if (Buffer.from(x).equals(Buffer.from(y))) r.identical++;
      else {
        const x2 = Buffer.from(x);
        const y2 = Buffer.from(y);
        x2[2] &= 0x3f;
        y2[2] &= 0x3f;
        if (x2.equals(y2)) r.header_bits_only++;
        else r.different++;
      }
    }
  }
  return r;
}

async function ours(d: Dataset): Promise<{ sizes: Sizes; cpuUsPerHistogram: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sightline-nh-bytes-'));
  try {
    const db = await Tsdb.open({ dir: join(dir, 'tsdb'), retentionMs: 0, retentionBytes: 0, minBlockDurationMs: BLOCK_MS, compactionIntervalMs: 0 });
    const refs = new Array<number>(SERIES).fill(0);
    const c0 = process.cpuUsage();
    for (let k = 0; k < STEPS; k++) {
      const app = db.appender();
      for (let i = 0; i < SERIES; i++) refs[i] = app.appendHistogram!(refs[i], d.labels[i], d.t0 + k * STEP_MS, d.h[k][i]);
      await app.commit();
    }
    const c = process.cpuUsage(c0);
    await db.snapshot(join(dir, 'snap'));
    await db.close();
    return { sizes: blockSizes(join(dir, 'snap')), cpuUsPerHistogram: (c.user + c.system) / (STEPS * SERIES) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function prometheus(d: Dataset): Promise<Sizes> {
  const dir = mkdtempSync(join(tmpdir(), 'sightline-nh-bytes-prom-'));
  const prom = await startPrometheus(dir, 'global:\n  scrape_interval: 1h\n', undefined, ['--enable-feature=native-histograms', '--web.enable-admin-api', '--storage.tsdb.retention.time=100y']);
  try {
    // Step-major, 10 steps per request: every series' samples arrive in order and inside the head's range.
    for (let k0 = 0; k0 < STEPS; k0 += 10) {
      const histograms: EncodeHistogram[] = [];
      const histEnd: number[] = [];
      for (let i = 0; i < SERIES; i++) {
        for (let k = k0; k < Math.min(STEPS, k0 + 10); k++) histograms.push({ t: d.t0 + k * STEP_MS, h: d.h[k][i], float: d.float[i] });
        histEnd.push(histograms.length);
      }
      const body = compressSnappyBody(encodeWriteRequestV1({ seriesCount: SERIES, labels: d.labels, sampleEnd: new Array<number>(SERIES).fill(0), t: [], v: [], histEnd, histograms }));
      const res = await fetch(`${prom.url}/api/v1/write`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' }, body });
      if (res.status !== 204) throw new Error(`Prometheus refused the write: ${res.status} ${await res.text()}`);
    }
    const snap = (await (await fetch(`${prom.url}/api/v1/admin/tsdb/snapshot`, { method: 'POST' })).json()) as { data: { name: string } };
    return blockSizes(join(dir, 'tsdb', 'snapshots', snap.data.name));
  } finally {
    await prom.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const d = makeDataset();
const rounds: Awaited<ReturnType<typeof ours>>[] = [];
for (let r = 0; r < 3; r++) rounds.push(await ours(d));
const cpu = rounds.map((r) => r.cpuUsPerHistogram).sort((a, b) => a - b)[1];
const o = rounds[0].sizes;
const p = prometheusAvailable() ? await prometheus(d) : undefined;
let buckets = 0;
for (const row of d.h) for (const h of row) buckets += h.pos.filter((x) => x !== 0).length;
emit({
  figure: 'bytes_per_native_histogram_sample_on_disk',
  series: SERIES,
  samples: STEPS * SERIES,
  mix: '3/4 integer, 1/4 float histograms; schema 3; log-normal latencies; 15 s interval; 2 h',
  mean_populated_buckets: +(buckets / (STEPS * SERIES)).toFixed(1),
  ours: { blocks: o.blocks, block_samples: o.samples, block_bytes: o.bytes, chunk_bytes: o.chunkBytes, bytes_per_sample: +(o.bytes / o.samples).toFixed(3), chunk_bytes_per_sample: +(o.chunkBytes / o.samples).toFixed(3) },
  prometheus: p
    ? { blocks: p.blocks, block_samples: p.samples, block_bytes: p.bytes, chunk_bytes: p.chunkBytes, bytes_per_sample: +(p.bytes / p.samples).toFixed(3), chunk_bytes_per_sample: +(p.chunkBytes / p.samples).toFixed(3) }
    : { skipped: 'prometheus not installed' },
  ratio_to_prometheus: p ? +(o.bytes / o.samples / (p.bytes / p.samples)).toFixed(3) : undefined,
  // Prometheus 2.42 leaves some chunks cut for size with an "unknown" counter-reset header where ours says "not a reset".
  chunks_compared: p ? compareChunks(o, p) : undefined,
  chunk_ratio_to_prometheus: p ? +(o.chunkBytes / o.samples / (p.chunkBytes / p.samples)).toFixed(3) : undefined,
  append_cpu_us_per_histogram_median_of_3: +cpu.toFixed(2),
});
