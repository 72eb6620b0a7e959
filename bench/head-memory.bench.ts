/**
 * `npm run bench -- head-memory`: what one series costs in the TSDB head, in-process (no HTTP, no WAL decoding
 * garbage): HEAD_SERIES series (default 50,000) × HEAD_SAMPLES samples (default 360, every 10 s) appended through
 * the real appender, as remote write sends them (10 samples per series per commit), then after a full GC the heap
 * used, the array-buffer memory (chunk bytes live there) and RSS, each per series. HEAD_SNAPSHOT=FILE also writes
 * a heap snapshot (open it in Chrome's DevTools, "Summary" by constructor).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import { Labels } from '../src/model/index.js';
import { Tsdb } from '../src/metrics/tsdb/index.js';
import { tempDir } from '../test/helpers/process.js';

const SERIES = Number(process.env.HEAD_SERIES ?? 50_000);
const SAMPLES = Number(process.env.HEAD_SAMPLES ?? 360);
const PER_COMMIT = 10;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function measure(): { heap_used: number; array_buffers: number; rss: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap_used: m.heapUsed, array_buffers: m.arrayBuffers, rss: m.rss };
}

const dir = tempDir('head-memory-');
const tsdb = await Tsdb.open({ dir: join(dir, 'tsdb'), retentionMs: 0, retentionBytes: 0, minBlockDurationMs: 2 * 3600_000 });
const labels: Labels[] = [];
for (let i = 0; i < SERIES; i++) labels.push(Labels.fromObject({ __name__: `bench_metric_${i % 20}`, instance: `host${i % 100}`, job: 'bench', series: String(i) }));
const before = measure();
const end = Date.now() - 60_000;
const start = end - (SAMPLES - 1) * 10_000;
const refs = new Float64Array(SERIES);
const cpu0 = process.cpuUsage();
for (let s0 = 0; s0 < SAMPLES; s0 += PER_COMMIT) {
  for (let first = 0; first < SERIES; first += 500) {
    const app = tsdb.appender();
    for (let i = first; i < Math.min(SERIES, first + 500); i++) {
      for (let s = s0; s < Math.min(SAMPLES, s0 + PER_COMMIT); s++) refs[i] = app.append(refs[i], labels[i], start + s * 10_000, i + s);
    }
    await app.commit();
  }
}
const cpu = process.cpuUsage(cpu0);
const after = measure();
const per = (k: keyof typeof after) => Math.round((after[k] - before[k]) / SERIES);
console.log(
  JSON.stringify({
    bench: 'head-memory',
    series: SERIES,
    samples_per_series: SAMPLES,
    heap_bytes_per_series: per('heap_used'),
    array_buffer_bytes_per_series: per('array_buffers'),
    rss_bytes_per_series: per('rss'),
    rss_mb: Math.round(after.rss / 2 ** 20),
    heap_total_mb: Math.round(getHeapStatistics().total_heap_size / 2 ** 20),
    append_cpu_s: +((cpu.user + cpu.system) / 1e6).toFixed(2),
  }),
);
if (process.env.HEAD_SNAPSHOT) writeHeapSnapshot(process.env.HEAD_SNAPSHOT);
await tsdb.close();
rmSync(dir, { recursive: true, force: true });
