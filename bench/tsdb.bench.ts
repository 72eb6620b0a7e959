/**
 * TSDB figures (`npm run bench -- tsdb`), one JSON line each:
 *  - append throughput on one core, in batches like a scrape of 1000 series (refs cached, as the scrape loop does)
 *  - resident memory per active series at 1M series (RSS delta after gc / series)
 *  - bytes per sample on disk after compaction, on realistic data (counters increasing irregularly, gauges
 *    random-walking, 15 s interval, 5 h of data cut into 2 h blocks), side by side with Prometheus's own blocks for
 *    the same data (`promtool tsdb create-blocks-from openmetrics`) when promtool is installed
 *  - out-of-order ingest cost (`TSDB_BENCH=ooo`): CPU per sample for the same samples delivered in order and with
 *    every second scrape arriving after the next one (half the samples out of order, into the OOO head + WBL),
 *    both with a 30m out_of_order_time_window, rounds interleaved
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Labels } from '../src/model/index.js';
import { Tsdb } from '../src/metrics/tsdb/index.js';
import { dirSize } from '../src/metrics/tsdb/block.js';

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

/** A deterministic PRNG (mulberry32), so our TSDB and Prometheus get the very same data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Dataset {
  names: string[];
  instances: string[];
  /** per series: times and values, `perSeries` each */
  t: Float64Array;
  v: Float64Array;
  series: number;
  perSeries: number;
}

/**
 * 2000 series, 15 s interval, 5 h. The mix: 1/4 counters with irregular increments (often 0, sometimes bursts),
 * 1/4 slow counters, 1/4 integer gauges random-walking in 4 KiB pages (memory), 1/8 small integer gauges
 * random-walking (goroutines, queue length), 1/8 float gauges random-walking at full precision (incompressible for
 * XOR: ~7 bytes/sample) — or, without `floatGauges`, 1/4 small integer gauges.
 */
function makeDataset(jitterMs: number, floatGauges: boolean): Dataset {
  const rnd = prng(42 + jitterMs);
  const SERIES = 2000;
  const HOURS = 5;
  const perSeries = (HOURS * 3600_000) / 15_000;
  const t = new Float64Array(SERIES * perSeries);
  const v = new Float64Array(SERIES * perSeries);
  const kind = (i: number) => [0, 1, 2, 3, 0, 1, 2, floatGauges ? 4 : 3][i % 8];
  const start = 1_700_000_000_000;
  for (let i = 0; i < SERIES; i++) {
    let x = [1e6, 1000, 50e6, 100, 50][kind(i)] + Math.floor(rnd() * 1000);
    for (let k = 0; k < perSeries; k++) {
      const r = rnd();
      switch (kind(i)) {
        case 0:
          x += r < 0.2 ? 0 : r < 0.9 ? Math.floor(rnd() * 20) : Math.floor(rnd() * 500);
          break;
        case 1:
          x += r < 0.7 ? 0 : 1;
          break;
        case 2:
          x = Math.max(0, x + (Math.floor(rnd() * 21) - 10) * 4096);
          break;
        case 3:
          x = Math.max(0, x + Math.floor(rnd() * 5) - 2);
          break;
        default:
          x += rnd() - 0.5;
      }
      t[i * perSeries + k] = start + k * 15_000 + (jitterMs > 0 ? Math.floor(rnd() * (jitterMs + 1)) : 0);
      v[i * perSeries + k] = x;
    }
  }
  return {
    names: Array.from({ length: SERIES }, (_, i) => `app_metric_${i % 50}`),
    instances: Array.from({ length: SERIES }, (_, i) => `10.0.0.${Math.floor(i / 50)}:8080`),
    t,
    v,
    series: SERIES,
    perSeries,
  };
}

/** Prometheus's own blocks for the same data, via `promtool tsdb create-blocks-from openmetrics`, if installed. */
function promtoolBytesPerSample(d: Dataset): { bytes_per_sample: number; blocks: number; samples: number } | { skipped: string } {
  const found = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) return { skipped: 'promtool not installed' };
  const dir = tmp();
  try {
    const input = join(dir, 'data.om');
    const fd = openSync(input, 'w');
    // OpenMetrics needs the samples of a metric family together: family by family, series by series.
    const byName = new Map<string, number[]>();
    d.names.forEach((n, i) => {
      const l = byName.get(n);
      if (l) l.push(i);
      else byName.set(n, [i]);
    });
    for (const [name, list] of byName) {
      let text = `# TYPE ${name} gauge\n`;
      for (const i of list) {
        for (let k = 0; k < d.perSeries; k++) {
          const j = i * d.perSeries + k;
          text += `${name}{instance="${d.instances[i]}",job="app"} ${String(d.v[j])} ${(d.t[j] / 1000).toFixed(3)}\n`;
        }
        writeSync(fd, text);
        text = '';
      }
    }
    writeSync(fd, '# EOF\n');
    closeSync(fd);
    const out = join(dir, 'blocks');
    const r = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', input, out], { encoding: 'utf8' });
    if (r.status !== 0) return { skipped: `promtool failed: ${r.stderr.slice(0, 300)}` };
    let bytes = 0;
    let samples = 0;
    let blocks = 0;
    for (const b of readdirSync(out)) {
      const metaPath = join(out, b, 'meta.json');
      let meta: { stats: { numSamples: number } };
      try {
        meta = JSON.parse(readFileSync(metaPath, 'utf8')) as typeof meta;
      } catch {
        continue;
      }
      blocks++;
      samples += meta.stats.numSamples;
      bytes += dirSize(join(out, b));
    }
    return { bytes_per_sample: +(bytes / samples).toFixed(3), blocks, samples };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Select every series over the whole range (blocks + head) and decode all samples. Five rounds after a warm-up; the
 * best round is reported, in wall time and in CPU time of this process (the CPU figure holds on a busy machine).
 */
async function queryDecodeSpeed(db: Tsdb, d: Dataset): Promise<void> {
  const { Matcher } = await import('../src/model/index.js');
  let best = { wall: Infinity, cpu: Infinity, select: 0, series: 0, n: 0 };
  for (let round = 0; round < 6; round++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const q = await db.querier(0, Number.MAX_SAFE_INTEGER);
    const series = await q.select([new Matcher('=', 'job', 'app')], { start: 0, end: Number.MAX_SAFE_INTEGER });
    const tSelect = performance.now() - t0;
    let n = 0;
    for (const s of series) n += s.samples(0, Number.MAX_SAFE_INTEGER).length;
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    q.close();
    if (n !== d.series * d.perSeries) throw new Error(`query returned ${n} samples, want ${d.series * d.perSeries}`);
    if (round > 0 && cpu < best.cpu) best = { wall: Math.min(best.wall, wall), cpu, select: tSelect, series: series.length, n };
    else if (round > 0) best.wall = Math.min(best.wall, wall);
  }
  emit({
    figure: 'query_decode',
    series: best.series,
    samples: best.n,
    select_ms: +best.select.toFixed(1),
    seconds: +best.wall.toFixed(3),
    samples_per_sec: Math.round(best.n / best.wall),
    cpu_seconds: +best.cpu.toFixed(3),
    samples_per_cpu_sec: Math.round(best.n / best.cpu),
    from: `${db.blockMetas().length} blocks + head`,
  });
}

async function bytesPerSample(jitterMs: number, floatGauges: boolean): Promise<void> {
  const d = makeDataset(jitterMs, floatGauges);
  const dir = tmp();
  const db = await Tsdb.open({ dir, retentionMs: 0, retentionBytes: 0, minBlockDurationMs: 2 * 3600_000, compactionIntervalMs: 0 });
  const labels = d.names.map((n, i) => Labels.fromObject({ __name__: n, instance: d.instances[i], job: 'app' }));
  const refs = new Array<number>(d.series).fill(0);
  for (let k = 0; k < d.perSeries; k++) {
    const app = db.appender();
    for (let i = 0; i < d.series; i++) refs[i] = app.append(refs[i], labels[i], d.t[i * d.perSeries + k], d.v[i * d.perSeries + k]);
    await app.commit();
  }
  await db.compactHead();
  if (jitterMs === 0) await queryDecodeSpeed(db, d);
  const metas = db.blockMetas();
  let bytes = 0;
  let chunkBytes = 0;
  let blockSamples = 0;
  for (const m of metas) {
    bytes += dirSize(join(dir, m.ulid));
    chunkBytes += dirSize(join(dir, m.ulid, 'chunks'));
    blockSamples += m.stats.numSamples;
  }
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  const ours = bytes / blockSamples;
  const prom = promtoolBytesPerSample(d);
  emit({
    figure: 'bytes_per_sample_on_disk',
    timestamp_jitter_ms: jitterMs,
    mix: floatGauges
      ? '1/4 irregular counters, 1/4 slow counters, 1/4 byte gauges, 1/8 int gauges, 1/8 full-precision float gauges'
      : '1/4 irregular counters, 1/4 slow counters, 1/4 byte gauges, 1/4 int gauges (no full-precision floats)',
    series: d.series,
    samples_ingested: d.series * d.perSeries,
    blocks: metas.length,
    block_samples: blockSamples,
    block_bytes: bytes,
    bytes_per_sample: +ours.toFixed(3),
    chunk_bytes_per_sample: +(chunkBytes / blockSamples).toFixed(3),
    prometheus_promtool: prom,
    ratio_to_prometheus: 'bytes_per_sample' in prom ? +(ours / prom.bytes_per_sample).toFixed(3) : undefined,
  });
}

/** One round: 1000 series × 400 scrapes at 15 s, scrape pairs swapped when `late`; CPU µs per sample. */
async function oooRound(late: boolean): Promise<{ cpuUsPerSample: number; wblBytes: number; oooSamples: number }> {
  const dir = tmp();
  const db = await Tsdb.open({ dir, retentionMs: 0, retentionBytes: 0, minBlockDurationMs: 2 * 3600_000, compactionIntervalMs: 0, outOfOrderWindowMs: 30 * 60_000 });
  const SERIES = 1000;
  const SCRAPES = 400;
  const labels = Array.from({ length: SERIES }, (_, i) => Labels.fromObject({ __name__: `metric_${i % 100}`, instance: 'host-1:9100', job: 'node', idx: String(i) }));
  const refs = new Array<number>(SERIES).fill(0);
  const t0 = 1_700_000_000_000;
  const value = (i: number, s: number) => (i % 2 === 0 ? s * (i + 1) : Math.sin(s / 10 + i));
  // first scrape creates the series (not measured)
  let app = db.appender();
  for (let i = 0; i < SERIES; i++) refs[i] = app.append(0, labels[i], t0, value(i, 0));
  await app.commit();
  const order: number[] = [];
  for (let s = 1; s <= SCRAPES; s += 2) order.push(...(late ? [s + 1, s] : [s, s + 1]));
  settle();
  const cpu0 = process.cpuUsage();
  for (const s of order) {
    app = db.appender();
    for (let i = 0; i < SERIES; i++) refs[i] = app.append(refs[i], labels[i], t0 + s * 15_000, value(i, s));
    await app.commit();
  }
  const cpu = process.cpuUsage(cpu0);
  const oooSamples = Number((await db.registry.getSingleMetric('prometheus_tsdb_head_out_of_order_samples_appended_total')!.get()).values[0]?.value ?? 0);
  await db.close();
  const wblBytes = dirSize(join(dir, 'wbl'));
  rmSync(dir, { recursive: true, force: true });
  return { cpuUsPerSample: (cpu.user + cpu.system) / (SCRAPES * SERIES), wblBytes, oooSamples };
}

async function oooIngestCost(): Promise<void> {
  const inOrder: number[] = [];
  const outOfOrder: number[] = [];
  let last = { wblBytes: 0, oooSamples: 0 };
  await oooRound(false); // warm-up
  for (let r = 0; r < 5; r++) {
    inOrder.push((await oooRound(false)).cpuUsPerSample);
    const o = await oooRound(true);
    outOfOrder.push(o.cpuUsPerSample);
    last = o;
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const ratios = inOrder.map((x, i) => outOfOrder[i] / x);
  emit({
    figure: 'ooo_ingest_cost',
    samples_per_round: 400_000,
    in_order_cpu_us_per_sample: +median(inOrder).toFixed(3),
    half_out_of_order_cpu_us_per_sample: +median(outOfOrder).toFixed(3),
    ratio_median: +median(ratios).toFixed(2),
    ratios: ratios.map((x) => +x.toFixed(2)),
    ooo_samples_per_round: last.oooSamples,
    wbl_bytes_per_ooo_sample: +(last.wblBytes / Math.max(1, last.oooSamples)).toFixed(2),
    loadavg: (await import('node:os')).loadavg().map((x) => +x.toFixed(2)),
    note: 'same samples and commits; late: every second scrape arrives after the next one (OOO head insert + WBL record + flush)',
  });
}

const only = process.env.TSDB_BENCH;
if (only === 'ooo') await oooIngestCost();
if (!only || only === 'append') await appendThroughput();
if (!only || only === 'bytes') {
  await bytesPerSample(0, true);
  await bytesPerSample(2, true);
  await bytesPerSample(2, false);
}
if (!only || only === 'memory') await memoryPerSeries();
