/**
 * CPU cost of scraping 1,000 targets x 1,000 series every 15 s.
 *
 * A child process (this file with `serve`) answers /t/0 ... /t/999 on one loopback port with 1,000 series each
 * (100 counter families x 10 label sets, text format 0.0.4, rendered once; gzip with SCRAPE_BENCH_GZIP=1). This process runs the
 * real ScrapeManager (static_configs, one target per path, 15 s interval, per-target offsets) and appends into a
 * counting sink (a stand-in Appendable that resolves series refs like a head but stores nothing, so the figure is
 * the scrape side alone: HTTP, parsing, labels, relabel, cache, staleness bookkeeping).
 *
 * After a warm-up (every target scraped once: labels parsed and cached), reports process CPU seconds (user+system)
 * per 15 s cycle, the share of one core, CPU per sample and the projection to the full load. Env: SCRAPE_BENCH_TARGETS, SCRAPE_BENCH_SERIES, SCRAPE_BENCH_CYCLES, SCRAPE_BENCH_GZIP=1.
 *
 * SCRAPE_BENCH_REFERENCE=1 (default when a `prometheus` binary is on PATH) then runs real Prometheus against the same
 * targets for the same cycles and reports its CPU per appended sample (from /proc, user+system) and the ratio.
 * Prometheus also writes its TSDB head and WAL, so the ratio favours Prometheus less than it looks.
 */
import { spawn, spawnSync } from 'node:child_process';
import { processCpuSeconds } from './process-cpu.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { buildPrometheusConfig } from '../src/metrics/promconfig/index.js';
import { ScrapeManager } from '../src/metrics/scrape/index.js';
import { CountingSink } from './counting-sink.js';

const TARGETS = Number(process.env.SCRAPE_BENCH_TARGETS ?? 1000);
const SERIES = Number(process.env.SCRAPE_BENCH_SERIES ?? 1000);
const CYCLES = Number(process.env.SCRAPE_BENCH_CYCLES ?? 3);
const GZIP = process.env.SCRAPE_BENCH_GZIP === '1';
const INTERVAL_MS = 15_000;

function renderBody(t: number): string {
  const families = Math.ceil(SERIES / 10);
  const parts: string[] = [];
  let n = 0;
  for (let f = 0; f < families && n < SERIES; f++) {
    parts.push(`# HELP bench_requests_${f}_total Requests handled by handler ${f}.\n# TYPE bench_requests_${f}_total counter\n`);
    for (let k = 0; k < 10 && n < SERIES; k++, n++) {
      parts.push(`bench_requests_${f}_total{handler="/api/v1/resource/${k}",method="GET",code="200"} ${t * 7 + k * 1.5}\n`);
    }
  }
  return parts.join('');
}

/** The target side: bodies rendered once (so the server costs little CPU on this shared machine), served per path. */
function serveTargets(): void {
  const bodies = Array.from({ length: TARGETS }, (_, t) => {
    const b = Buffer.from(renderBody(t));
    return GZIP ? gzipSync(b, { level: 1 }) : b;
  });
  const server = http.createServer((req, res) => {
    const m = /^\/t\/(\d+)$/.exec(req.url ?? '');
    if (!m || Number(m[1]) >= TARGETS) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    if (GZIP) res.setHeader('Content-Encoding', 'gzip');
    res.end(bodies[Number(m[1])]);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  });
}

async function main(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, 'serve'], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  const address = `127.0.0.1:${port}`;
  const staticConfigs = Array.from({ length: TARGETS }, (_, i) => ({ targets: [address], labels: { __metrics_path__: `/t/${i}`, target: String(i) } }));
  const cfg = buildPrometheusConfig({ global: { scrape_interval: '15s', scrape_timeout: '10s' }, scrape_configs: [{ job_name: 'bench', static_configs: staticConfigs }] });
  const sink = new CountingSink();
  const registry = new Registry();
  const mgr = new ScrapeManager(sink, { registry, discoveryUpdateIntervalMs: 0 });
  let cpu = process.cpuUsage();
  mgr.applyConfig(cfg);
  // Warm-up: until every target has been scraped once (labels parsed and cached), at most 4 intervals.
  const warmStart = Date.now();
  while (Date.now() - warmStart < 4 * INTERVAL_MS && !(mgr.activeTargets().length === TARGETS && mgr.activeTargets().every((t) => t.lastScrape > 0))) {
    await new Promise((r) => setTimeout(r, 250));
  }
  const warm = process.cpuUsage(cpu);
  const warmUp = { seconds: +((Date.now() - warmStart) / 1000).toFixed(1), cpuSeconds: +((warm.user + warm.system) / 1e6).toFixed(3), samples: sink.samples };
  console.error(`warm-up: ${warmUp.seconds} s, ${warmUp.cpuSeconds} CPU s, ${warmUp.samples} samples`);
  cpu = process.cpuUsage();
  const t0 = Date.now();
  const results: { cycle: number; cpuSeconds: number; systemSeconds: number; coreShare: number; samples: number; commits: number; rssMB: number }[] = [];
  for (let c = 1; c <= CYCLES; c++) {
    const samples0 = sink.samples;
    const commits0 = sink.commits;
    await new Promise((r) => setTimeout(r, t0 + c * INTERVAL_MS - Date.now()));
    const d = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const cpuSeconds = (d.user + d.system) / 1e6;
    const systemSeconds = d.system / 1e6;
    const r = { cycle: c, cpuSeconds: +cpuSeconds.toFixed(3), systemSeconds: +systemSeconds.toFixed(3), coreShare: +((cpuSeconds / (INTERVAL_MS / 1000)) * 100).toFixed(1), samples: sink.samples - samples0, commits: sink.commits - commits0, rssMB: Math.round(process.memoryUsage().rss / 2 ** 20) };
    results.push(r);
    console.error(`cycle ${c}: ${r.cpuSeconds} CPU s (system ${r.systemSeconds}) per 15 s (${r.coreShare}% of one core), ${r.samples} samples in ${r.commits} scrapes, rss ${r.rssMB} MB`);
  }
  const health = mgr.activeTargets();
  const down = health.filter((t) => t.health !== 'up');
  await mgr.stop();
  const wantRef = process.env.SCRAPE_BENCH_REFERENCE ?? (spawnSync('prometheus', ['--version']).status === 0 ? '1' : '0');
  const reference = wantRef === '1' ? await runReference(address) : undefined;
  child.kill();
  const steady = results;
  const steadyCpu = steady.length ? steady.reduce((a, r) => a + r.cpuSeconds, 0) / steady.length : NaN;
  // On a busy machine loops can fall behind (fewer than TARGETS scrapes in a cycle); the per-sample cost projected to
  // the full 1,000 x 1,000 load is the figure that does not depend on how much CPU the machine granted us.
  const steadySamples = steady.reduce((a, r) => a + r.samples, 0);
  const steadyCpuTotal = steady.reduce((a, r) => a + r.cpuSeconds, 0);
  const cpuPerSampleUs = (steadyCpuTotal / Math.max(1, steadySamples)) * 1e6;
  const projected = (cpuPerSampleUs / 1e6) * TARGETS * (SERIES + 5);
  console.log(
    JSON.stringify({
      bench: 'scrape',
      targets: TARGETS,
      seriesPerTarget: SERIES,
      intervalSeconds: INTERVAL_MS / 1000,
      gzip: GZIP,
      warmUp,
      steadyCpuSecondsPerCycle: +steadyCpu.toFixed(3),
      steadyCoreSharePercent: +((steadyCpu / (INTERVAL_MS / 1000)) * 100).toFixed(1),
      samplesPerSecondPerCore: Math.round(steadySamples / Math.max(1e-9, steadyCpuTotal)),
      steadyScrapesPerCycle: steady.length ? Math.round(steady.reduce((a, r) => a + r.commits, 0) / steady.length) : 0,
      cpuMicrosecondsPerSample: +cpuPerSampleUs.toFixed(2),
      projectedCpuSecondsPerCycle: +projected.toFixed(2),
      projectedCoreSharePercent: +((projected / (INTERVAL_MS / 1000)) * 100).toFixed(1),
      targetsNotUp: down.length,
      loadAverage1m: +loadavg()[0].toFixed(1),
      cpus: cpus().length,
      firstError: down[0]?.lastError,
      cycles: results,
      reference,
      ratioCpuPerSampleVsPrometheus: reference ? +(cpuPerSampleUs / (reference.cpuMicrosecondsPerSample as number)).toFixed(2) : undefined,
    }),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = http.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function promCounter(port: number, name: string): Promise<number> {
  const text = await new Promise<string>((resolve, reject) => {
    http.get(`http://127.0.0.1:${port}/metrics`, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (b += c));
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
  let sum = NaN;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum = (Number.isNaN(sum) ? 0 : sum) + Number(m[1]);
  return sum;
}

/** The same load against real Prometheus (its CPU from /proc). */
async function runReference(address: string): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'scrape-bench-prom-'));
  const lines = ['global:', '  scrape_interval: 15s', '  scrape_timeout: 10s', 'scrape_configs:', '- job_name: bench', '  static_configs:'];
  for (let i = 0; i < TARGETS; i++) lines.push(`  - targets: ['${address}']`, `    labels: {__metrics_path__: /t/${i}, target: '${i}'}`);
  writeFileSync(join(dir, 'prometheus.yml'), lines.join('\n') + '\n');
  const port = await freePort();
  const prom = spawn('prometheus', ['--config.file', join(dir, 'prometheus.yml'), '--storage.tsdb.path', join(dir, 'data'), '--web.listen-address', `127.0.0.1:${port}`, '--log.level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    // Warm-up as for Sightline: until the head holds (nearly) every series, at most 4 intervals.
    const warmStart = Date.now();
    while (Date.now() - warmStart < 4 * INTERVAL_MS) {
      await new Promise((r) => setTimeout(r, 500));
      const series = await promCounter(port, 'prometheus_tsdb_head_series').catch(() => 0);
      if (series >= TARGETS * (SERIES + 5) * 0.99) break;
    }
    console.error(`prometheus warm-up: ${((Date.now() - warmStart) / 1000).toFixed(1)} s`);
    const t0 = Date.now();
    let cpu = processCpuSeconds(prom.pid!);
    let appended = await promCounter(port, 'prometheus_tsdb_head_samples_appended_total').catch(() => 0);
    const cycles: { cycle: number; cpuSeconds: number; samples: number }[] = [];
    for (let c = 1; c <= CYCLES; c++) {
      await new Promise((r) => setTimeout(r, t0 + c * INTERVAL_MS - Date.now()));
      const now = processCpuSeconds(prom.pid!);
      const a = await promCounter(port, 'prometheus_tsdb_head_samples_appended_total').catch(() => NaN);
      cycles.push({ cycle: c, cpuSeconds: +(now - cpu).toFixed(3), samples: a - appended });
      console.error(`prometheus cycle ${c}: ${(now - cpu).toFixed(3)} CPU s, ${a - appended} samples appended`);
      cpu = now;
      appended = a;
    }
    const steady = cycles;
    const cpuS = steady.reduce((x, r) => x + r.cpuSeconds, 0);
    const samples = steady.reduce((x, r) => x + r.samples, 0);
    const perSample = (cpuS / Math.max(1, samples)) * 1e6;
    return {
      version: spawnSync('prometheus', ['--version']).stdout.toString().split('\n')[0],
      steadyCpuSecondsPerCycle: steady.length ? +(cpuS / steady.length).toFixed(3) : NaN,
      cpuMicrosecondsPerSample: +perSample.toFixed(2),
      projectedCpuSecondsPerCycle: +((perSample / 1e6) * TARGETS * (SERIES + 5)).toFixed(2),
      cycles,
    };
  } finally {
    prom.kill();
  }
}

if (process.argv.includes('serve')) serveTargets();
else
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
