/**
 * Scrape ingest of 1,000 targets x 1,000 series every 15 s into the real storage, side by side with real Prometheus.
 *
 * A child process (this file with `serve`) answers /t/0 ... /t/999 on one loopback port with 1,000 series each
 * (100 counter families x 10 label sets, text format 0.0.4, rendered once; gzip with SCRAPE_BENCH_GZIP=1). Both
 * scrapers are real processes reading the same prometheus.yml (one static target per path, 15 s interval, 10 s
 * timeout): `sightline --target metrics --prometheus.config prometheus.yml` (scrape manager, TSDB head, WAL; built
 * `dist/` as `npm start` runs it) and `prometheus` (Debian 2.42) when one is on PATH.
 *
 * 1. Both start and scrape until each head holds every series (1,000 x 1,005 with the report series).
 * 2. Memory with 1M active series: each process's VmRSS and VmHWM (/proc/<pid>/status) one interval later.
 * 3. Interleaved rounds (A B, B A, A B, ...): in a round one process runs alone (the other is paused with SIGSTOP),
 *    one interval to settle (the paused one's missed scrapes are behind it), then SCRAPE_BENCH_CYCLES intervals
 *    measured: CPU seconds of every thread (/proc/<pid>/stat, user+system) over the samples its head appended
 *    (`prometheus_tsdb_head_samples_appended_total`, the same counter in both).
 * Reports the median CPU per sample of each, the ratio Sightline / Prometheus, and RSS. The order of the processes
 * alternates from round to round.
 *
 *   npm run bench -- scrape      env SCRAPE_BENCH_TARGETS (1000), SCRAPE_BENCH_SERIES (1000), SCRAPE_BENCH_ROUNDS (3),
 *                                SCRAPE_BENCH_CYCLES (2 per round), SCRAPE_BENCH_GZIP=1, SCRAPE_BENCH_REFERENCE=0 (no
 *                                Prometheus), SCRAPE_BENCH_BEFORE_DIR (a "before" tree with its `dist/`
 *                                built: a third process, `sightline-before`, in the same interleaved rounds),
 *                                SCRAPE_BENCH_NODE_FLAGS (extra node flags after npm start's, so they can override
 *                                them, e.g. --max-semi-space-size=16 or --cpu-prof --cpu-prof-dir=/tmp/p),
 *                                SCRAPE_BENCH_BEFORE_NODE_FLAGS (the same for `sightline-before`; default: the former)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { processCpuSeconds } from './process-cpu.js';
import { NODE_FLAGS, sightlineEntry } from './sightline-entry.js';

const TARGETS = Number(process.env.SCRAPE_BENCH_TARGETS ?? 1000);
const SERIES = Number(process.env.SCRAPE_BENCH_SERIES ?? 1000);
const ROUNDS = Number(process.env.SCRAPE_BENCH_ROUNDS ?? 3);
const CYCLES = Number(process.env.SCRAPE_BENCH_CYCLES ?? 2);
const GZIP = process.env.SCRAPE_BENCH_GZIP === '1';
const INTERVAL_MS = 15_000;
const WARM_INTERVALS = 20;
const EXPECTED_SERIES = TARGETS * (SERIES + 5);

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
  server.keepAliveTimeout = 120_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  });
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

/** GET /metrics, tried up to 3 times: a kept-alive connection the server closed while idle fails one fetch (ECONNRESET). */
async function metricsText(port: number): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    } catch (e) {
      if (attempt >= 3) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function promCounter(port: number, name: string): Promise<number> {
  const text = await metricsText(port);
  let sum = NaN;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum = (Number.isNaN(sum) ? 0 : sum) + Number(m[1]);
  return sum;
}

function memoryOf(pid: number): { rssMB: number; peakMB: number } {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0);
  return { rssMB: Math.round(kb('VmRSS') / 1024), peakMB: Math.round(kb('VmHWM') / 1024) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

interface Scraper {
  /** `sightline`, `sightline-before` (SCRAPE_BENCH_BEFORE_DIR) or `prometheus`. */
  name: string;
  proc: ChildProcess;
  port: number;
  dir: string;
}

async function waitReady(s: Scraper, path: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (s.proc.exitCode !== null) throw new Error(`${s.name} exited with ${s.proc.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${s.port}${path}`)).ok) return;
    } catch {
      /* starting */
    }
    await sleep(100);
  }
  throw new Error(`${s.name} not ready`);
}

/** This tree's build (`npm start`'s `dist/`, rebuilt when a source changed), or the one of `buildDir`. */
async function startSightline(configFile: string, name: string, buildDir?: string): Promise<Scraper> {
  const dir = mkdtempSync(join(tmpdir(), 'scrape-bench-sightline-'));
  const port = await freePort();
  writeFileSync(join(dir, 'sightline.yaml'), `metrics: { listen_address: "127.0.0.1:${port}", scrape_self: false }\n`);
  const entry = buildDir ? [...NODE_FLAGS, join(resolve(buildDir), 'dist/cli/main.js')] : sightlineEntry();
  const flags = (buildDir ? process.env.SCRAPE_BENCH_BEFORE_NODE_FLAGS : undefined) ?? process.env.SCRAPE_BENCH_NODE_FLAGS ?? '';
  // After npm start's flags (V8 takes the last of a flag), before the script.
  const extra = flags.split(/\s+/).filter(Boolean);
  const args = [...entry.slice(0, -1), ...extra, entry[entry.length - 1], '--target', 'metrics', '--config.file', join(dir, 'sightline.yaml'), '--prometheus.config', configFile, '--data-dir', join(dir, 'data'), '--log.level', 'warn'];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const s: Scraper = { name, proc, port, dir };
  await waitReady(s, '/-/ready');
  return s;
}

async function startPrometheus(configFile: string): Promise<Scraper> {
  const dir = mkdtempSync(join(tmpdir(), 'scrape-bench-prom-'));
  const port = await freePort();
  const proc = spawn('prometheus', ['--config.file', configFile, '--storage.tsdb.path', join(dir, 'data'), '--web.listen-address', `127.0.0.1:${port}`, '--log.level', 'warn'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const s: Scraper = { name: 'prometheus', proc, port, dir };
  await waitReady(s, '/-/ready');
  return s;
}

async function stopScraper(s: Scraper): Promise<void> {
  if (s.proc.exitCode === null) {
    s.proc.kill('SIGCONT');
    const exited = new Promise((r) => s.proc.once('exit', r));
    s.proc.kill('SIGTERM');
    await Promise.race([exited, sleep(30_000)]);
    if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
  }
  rmSync(s.dir, { recursive: true, force: true });
}

interface Round {
  round: number;
  cpuSeconds: number;
  samples: number;
  cpuMicrosecondsPerSample: number;
  rssMB: number;
  loadAverage1m: number;
}

/** One measured round of `s` alone (the others paused): one interval to settle, then CYCLES intervals. */
async function measure(s: Scraper, others: Scraper[], round: number): Promise<Round> {
  for (const o of others) o.proc.kill('SIGSTOP');
  try {
    await sleep(INTERVAL_MS);
    const pid = s.proc.pid!;
    const cpu0 = processCpuSeconds(pid);
    const n0 = await promCounter(s.port, 'prometheus_tsdb_head_samples_appended_total');
    await sleep(CYCLES * INTERVAL_MS);
    const cpu1 = processCpuSeconds(pid);
    const n1 = await promCounter(s.port, 'prometheus_tsdb_head_samples_appended_total');
    const r: Round = {
      round,
      cpuSeconds: +(cpu1 - cpu0).toFixed(2),
      samples: n1 - n0,
      cpuMicrosecondsPerSample: +(((cpu1 - cpu0) / Math.max(1, n1 - n0)) * 1e6).toFixed(3),
      rssMB: memoryOf(pid).rssMB,
      loadAverage1m: +loadavg()[0].toFixed(1),
    };
    console.error(`round ${round} ${s.name}: ${r.cpuSeconds} CPU s, ${r.samples} samples, ${r.cpuMicrosecondsPerSample} us/sample, rss ${r.rssMB} MB, load ${r.loadAverage1m}`);
    return r;
  } finally {
    for (const o of others) o.proc.kill('SIGCONT');
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, 'serve'], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  const scrapers: Scraper[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'scrape-bench-'));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    });
    const lines = ['global:', '  scrape_interval: 15s', '  scrape_timeout: 10s', 'scrape_configs:', '- job_name: bench', '  static_configs:'];
    for (let i = 0; i < TARGETS; i++) lines.push(`  - targets: ['127.0.0.1:${port}']`, `    labels: {__metrics_path__: /t/${i}, target: '${i}'}`);
    const configFile = join(dir, 'prometheus.yml');
    writeFileSync(configFile, lines.join('\n') + '\n');

    const wantRef = (process.env.SCRAPE_BENCH_REFERENCE ?? (spawnSync('prometheus', ['--version']).status === 0 ? '1' : '0')) === '1';
    scrapers.push(await startSightline(configFile, 'sightline'));
    const before = process.env.SCRAPE_BENCH_BEFORE_DIR;
    if (before) scrapers.push(await startSightline(configFile, 'sightline-before', before));
    if (wantRef) scrapers.push(await startPrometheus(configFile));

    // Warm-up: until every head holds (nearly) every series, at most WARM_INTERVALS intervals.
    const warmStart = Date.now();
    let lastLog = warmStart;
    const warm: Record<string, { seconds: number; cpuSeconds: number; headSeries: number }> = {};
    const pending = new Set(scrapers);
    while (pending.size > 0 && Date.now() - warmStart < WARM_INTERVALS * INTERVAL_MS) {
      await sleep(500);
      const log = Date.now() - lastLog >= INTERVAL_MS;
      if (log) lastLog = Date.now();
      for (const s of [...pending]) {
        const series = await promCounter(s.port, 'prometheus_tsdb_head_series').catch(() => 0);
        if (log) console.error(`${s.name}: ${series} series in the head after ${((Date.now() - warmStart) / 1000).toFixed(0)} s`);
        if (series >= EXPECTED_SERIES * 0.999) {
          pending.delete(s);
          warm[s.name] = { seconds: +((Date.now() - warmStart) / 1000).toFixed(1), cpuSeconds: +processCpuSeconds(s.proc.pid!).toFixed(2), headSeries: series };
          console.error(`${s.name}: ${series} series in the head after ${warm[s.name].seconds} s, ${warm[s.name].cpuSeconds} CPU s since start`);
        }
      }
    }
    for (const s of pending) throw new Error(`${s.name}: head did not reach ${EXPECTED_SERIES} series in ${(WARM_INTERVALS * INTERVAL_MS) / 1000} s`);

    // Memory with the full set of series active: one more interval (every series has two samples), then both.
    await sleep(INTERVAL_MS);
    const memory: Record<string, { headSeries: number; rssMB: number; peakMB: number; rssBytesPerSeries: number }> = {};
    for (const s of scrapers) {
      const headSeries = await promCounter(s.port, 'prometheus_tsdb_head_series');
      const m = memoryOf(s.proc.pid!);
      memory[s.name] = { headSeries, ...m, rssBytesPerSeries: Math.round((m.rssMB * 2 ** 20) / headSeries) };
      console.error(`${s.name}: ${headSeries} head series, rss ${m.rssMB} MB, peak ${m.peakMB} MB`);
    }

    const rounds: Record<string, Round[]> = Object.fromEntries(scrapers.map((s) => [s.name, []]));
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? scrapers : [...scrapers].reverse();
      for (const s of order) rounds[s.name].push(await measure(s, scrapers.filter((o) => o !== s), r + 1));
    }
    const end: Record<string, { rssMB: number; peakMB: number }> = {};
    for (const s of scrapers) end[s.name] = memoryOf(s.proc.pid!);

    const summary = Object.fromEntries(
      scrapers.map((s) => [
        s.name,
        {
          cpuMicrosecondsPerSampleMedian: median(rounds[s.name].map((x) => x.cpuMicrosecondsPerSample)),
          cpuSecondsPerIntervalMedian: +(median(rounds[s.name].map((x) => x.cpuSeconds)) / CYCLES).toFixed(2),
          warmUp: warm[s.name],
          memoryWithAllSeries: memory[s.name],
          memoryAtEnd: end[s.name],
          rounds: rounds[s.name],
        },
      ]),
    );
    const ours = summary.sightline.cpuMicrosecondsPerSampleMedian;
    const peer = summary.prometheus?.cpuMicrosecondsPerSampleMedian;
    const base = summary['sightline-before']?.cpuMicrosecondsPerSampleMedian;
    console.log(
      JSON.stringify({
        bench: 'scrape',
        targets: TARGETS,
        seriesPerTarget: SERIES,
        intervalSeconds: INTERVAL_MS / 1000,
        gzip: GZIP,
        rounds: ROUNDS,
        cyclesPerRound: CYCLES,
        cpus: cpus().length,
        prometheusVersion: wantRef ? spawnSync('prometheus', ['--version']).stdout.toString().split('\n')[0] : undefined,
        ...summary,
        ratioCpuPerSampleVsPrometheus: peer ? +(ours / peer).toFixed(2) : undefined,
        ratioRssWithAllSeriesVsPrometheus: memory.prometheus ? +(memory.sightline.rssMB / memory.prometheus.rssMB).toFixed(2) : undefined,
        ratioCpuPerSampleVsBefore: base ? +(ours / base).toFixed(2) : undefined,
        ratioRssWithAllSeriesVsBefore: memory['sightline-before'] ? +(memory.sightline.rssMB / memory['sightline-before'].rssMB).toFixed(2) : undefined,
      }),
    );
  } finally {
    for (const s of scrapers) await stopScraper(s);
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('serve')) serveTargets();
else
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
