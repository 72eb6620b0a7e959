/**
 * TSDB figures (`npm run bench -- tsdb`), one JSON line each:
 *  - append throughput on one core, in batches like a scrape of 1000 series (refs cached, as the scrape loop does)
 *  - resident memory per active series at 1M series (RSS delta after gc / series)
 *  - bytes per sample on disk after compaction, on realistic data (counters increasing irregularly, gauges
 *    random-walking, 15 s interval, 5 h of data cut into 2 h blocks)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Labels } from '../src/metrics/model/index.js';
import { Tsdb } from '../src/metrics/tsdb/index.js';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
function settle(): void {
  for (let i = 0; i < 3; i++) gc();
}
function emit(o: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'tsdb', ...o }));
}
function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'sightline-tsdb-bench-'));
}

async function appendThroughput(): Promise<void> {
  const dir = tmp();
  const db = await Tsdb.open({ dir, retentionMs: 0, retentionBytes: 0, minBlockDurationMs: 2 * 3600_000, compactionIntervalMs: 0 });
  const SERIES = 1000;
  const labels = Array.from({ length: SERIES }, (_, i) => Labels.fromObject({ __name__: `metric_${i % 100}`, instance: 'host-1:9100', job: 'node', idx: String(i) }));
  const refs = new Array<number>(SERIES).fill(0);
  const values = new Float64Array(SERIES);
  let t = 1_700_000_000_000;
  // first scrape creates the series
  let app = db.appender();
  for (let i = 0; i < SERIES; i++) refs[i] = app.append(0, labels[i], t, 0);
  await app.commit();
  const SCRAPES = 3000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let s = 0; s < SCRAPES; s++) {
    t += 15_000;
    app = db.appender();
    for (let i = 0; i < SERIES; i++) {
      values[i] += i % 2 === 0 ? Math.floor(Math.random() * 10) : Math.random() - 0.5;
      refs[i] = app.append(refs[i], labels[i], t, values[i]);
    }
    await app.commit();
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const samples = SCRAPES * SERIES;
  emit({
    figure: 'append_throughput',
    samples,
    seconds: +secs.toFixed(2),
    samples_per_sec: Math.round(samples / secs),
    samples_per_cpu_sec: Math.round(samples / ((cpu.user + cpu.system) / 1e6)),
    batch: SERIES,
    note: 'WAL write + flush per commit (no fsync per commit), head append with Gorilla chunks',
  });
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}

async function memoryPerSeries(): Promise<void> {
  const dir = tmp();
  const N = 1_000_000;
  const SAMPLES = 4;
  settle();
  const rss0 = process.memoryUsage().rss;
  const db = await Tsdb.open({ dir, retentionMs: 0, retentionBytes: 0, minBlockDurationMs: 2 * 3600_000, compactionIntervalMs: 0 });
  const refs = new Float64Array(N);
  const t0 = performance.now();
  const BATCH = 1000;
  for (let k = 0; k < SAMPLES; k++) {
    const t = 1_700_000_000_000 + k * 15_000;
    for (let b = 0; b < N; b += BATCH) {
      const app = db.appender();
      for (let i = b; i < b + BATCH; i++) {
        // 1000 metric names x 1000 targets, labels shaped like a node-exporter scrape
        const labels = refs[i] === 0 ? Labels.fromObject({ __name__: `node_metric_${i % 1000}_total`, instance: `10.0.${Math.floor(i / 1000) >> 8}.${Math.floor(i / 1000) & 255}:9100`, job: 'node', cpu: String(i % 8) }) : Labels.EMPTY;
        refs[i] = app.append(refs[i], labels, t, k * 10 + (i % 7));
      }
      await app.commit();
    }
  }
  const secs = (performance.now() - t0) / 1000;
  settle();
  const rss1 = process.memoryUsage().rss;
  const heap = process.memoryUsage();
  emit({
    figure: 'memory_per_active_series',
    series: N,
    samples_per_series: SAMPLES,
    rss_delta_bytes: rss1 - rss0,
    bytes_per_series: Math.round((rss1 - rss0) / N),
    heap_used_bytes_per_series: Math.round(heap.heapUsed / N),
    ingest_seconds: +secs.toFixed(1),
    head_series: db.stats().headStats.numSeries,
  });
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}

async function bytesPerSample(jitterMs: number): Promise<void> {
  const dir = tmp();
  const db = await Tsdb.open({ dir, retentionMs: 0, retentionBytes: 0, minBlockDurationMs: 2 * 3600_000, compactionIntervalMs: 0 });
  const SERIES = 2000;
  const HOURS = 5;
  const labels = Array.from({ length: SERIES }, (_, i) =>
    Labels.fromObject({ __name__: `app_metric_${i % 50}`, instance: `10.0.0.${Math.floor(i / 50)}:8080`, job: 'app' }),
  );
  const refs = new Array<number>(SERIES).fill(0);
  const values = new Float64Array(SERIES);
  // The mix: 1/4 counters with irregular increments (often 0, sometimes bursts), 1/4 slow counters, 1/4 integer
  // gauges random-walking in 4 KiB pages (memory), 1/8 small integer gauges random-walking (goroutines, queue
  // length), 1/8 float gauges random-walking at full precision (incompressible for XOR: ~7 bytes/sample).
  const kind = (i: number) => [0, 1, 2, 3, 0, 1, 2, 4][i % 8];
  for (let i = 0; i < SERIES; i++) values[i] = [1e6, 1000, 50e6, 100, 50][kind(i)] + Math.floor(Math.random() * 1000);
  const start = 1_700_000_000_000;
  let samples = 0;
  for (let t = start; t < start + HOURS * 3600_000; t += 15_000) {
    const app = db.appender();
    for (let i = 0; i < SERIES; i++) {
      const r = Math.random();
      switch (kind(i)) {
        case 0:
          values[i] += r < 0.2 ? 0 : r < 0.9 ? Math.floor(Math.random() * 20) : Math.floor(Math.random() * 500);
          break;
        case 1:
          values[i] += r < 0.7 ? 0 : 1;
          break;
        case 2:
          values[i] = Math.max(0, values[i] + (Math.floor(Math.random() * 21) - 10) * 4096);
          break;
        case 3:
          values[i] = Math.max(0, values[i] + Math.floor(Math.random() * 5) - 2);
          break;
        default:
          values[i] += Math.random() - 0.5;
      }
      const ts = jitterMs > 0 ? t + Math.floor(Math.random() * (jitterMs + 1)) : t;
      refs[i] = app.append(refs[i], labels[i], ts, values[i]);
      samples++;
    }
    await app.commit();
  }
  await db.compactHead();
  const metas = db.blockMetas();
  const { dirSize } = await import('../src/metrics/tsdb/block.js');
  let bytes = 0;
  let chunkBytes = 0;
  let blockSamples = 0;
  for (const m of metas) {
    bytes += dirSize(join(dir, m.ulid));
    chunkBytes += dirSize(join(dir, m.ulid, 'chunks'));
    blockSamples += m.stats.numSamples;
  }
  emit({
    figure: 'bytes_per_sample_on_disk',
    timestamp_jitter_ms: jitterMs,
    series: SERIES,
    samples_ingested: samples,
    blocks: metas.length,
    block_samples: blockSamples,
    block_bytes: bytes,
    bytes_per_sample: +(bytes / blockSamples).toFixed(3),
    chunk_bytes_per_sample: +(chunkBytes / blockSamples).toFixed(3),
    mix: '1/4 irregular counters, 1/4 slow counters, 1/4 byte gauges, 1/8 int gauges, 1/8 float gauges (random walks)',
    prometheus_reference: 1.3,
  });
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}

const only = process.env.TSDB_BENCH;
if (!only || only === 'append') await appendThroughput();
if (!only || only === 'bytes') {
  await bytesPerSample(0);
  await bytesPerSample(2);
}
if (!only || only === 'memory') await memoryPerSeries();
