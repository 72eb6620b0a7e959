/**
 * `npm run bench -- query-http`: the PromQL latency comparison of issue 21 through the real processes over HTTP.
 * The same remote-write load (../shared/peers/rw-load.mjs: QH_SERIES series, default 50,000, × QH_SAMPLES samples
 * every 10 s, default 60; labels `__name__` bench_metric_{i % 20}, `instance` host{i % 100}, `job` bench, `series` i)
 * goes to a real Prometheus 2.42 and to `sightline --target metrics` (the built CLI, as `npm start` runs it); then
 * each query below runs as an instant query at the newest sample's time, QH_RUNS rounds (default 7) of QH_BURST
 * requests in a row (default 3), taking turns between the servers round by round, after one warm-up run each.
 * Prints the median latency (client wall time, request to full body) per server, the ratio Sightline / Prometheus,
 * how many series each returned, each server's median CPU time per query (user + system, every thread,
 * /proc/<pid>/stat, over a burst: what a shared machine's load does not distort), and each server's RSS growth
 * during the query's first and second runs (VmRSS sampled every 5 ms) and its RSS after them. QH_SERVER_STDOUT=1 shows
 * Sightline's stdout (e.g. with QH_NODE_ARGS=--trace-gc).
 *
 * QH_BASELINE=DIR also runs that build's `dist/cli/main.js` (an earlier commit's, with node_modules reachable from
 * DIR) as a third server with the same load, taking turns with the other two: an interleaved before/after.
 * QH_NODE_ARGS adds Node flags to Sightline's process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`);
 * QH_ONLY=name,name runs only those cases. QH_MARKS=FILE writes each case's start and end (CLOCK_MONOTONIC µs, the
 * clock of V8's CPU profiles) as JSON lines, to cut a server profile into cases.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NODE_FLAGS, sightlineEntry } from './sightline-entry.js';
import { processCpuSeconds, processRssBytes } from './process-cpu.js';
import { freePort } from '../test/helpers/prometheus.js';
import { waitReady } from './wait-ready.js';

const ROOT = resolve(import.meta.dirname, '..');
const PEERS = existsSync(resolve(ROOT, '..', '..', 'shared', 'peers', 'rw-load.mjs')) ? resolve(ROOT, '..', '..', 'shared', 'peers') : '/work/shared/peers';
const SERIES = Number(process.env.QH_SERIES ?? 50_000);
const SAMPLES = Number(process.env.QH_SAMPLES ?? 60);
const RUNS = Number(process.env.QH_RUNS ?? 7);
const BURST = Number(process.env.QH_BURST ?? 3);
const ONLY = process.env.QH_ONLY?.split(',');
const EXTRA_NODE_ARGS = process.env.QH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

const QUERIES: { name: string; query: string }[] = [
  { name: 'sum_by_instance_rate_2500', query: 'sum by (instance) (rate(bench_metric_0[5m]))' },
  { name: 'sum_rate_job_50k', query: 'sum(rate({job="bench"}[5m]))' },
  { name: 'topk_rate_50k', query: 'topk(10, rate({job="bench"}[5m]))' },
  { name: 'count_by_name', query: 'count by (__name__) ({job="bench"})' },
  { name: 'regex_selector', query: 'count({__name__=~"bench_metric_1.*", instance=~"host1.*"})' },
  { name: 'quantile_by', query: 'quantile by (instance) (0.9, rate(bench_metric_0[5m]))' },
  // Issue 21 goal 4's memory case, `topk(10, x)` over every series (QH_SERIES=100000 QH_ONLY=topk_all: over 100k).
  { name: 'topk_all', query: 'topk(10, {job="bench"})' },
];

function loadInto(url: string): void {
  execFileSync(process.execPath, [join(PEERS, 'rw-load.mjs'), '--url', url, '--series', String(SERIES), '--samples', String(SAMPLES), '--batch', '5000', '--concurrency', '4'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** One instant query: wall milliseconds to the full body, and the number of series returned. */
async function query(base: string, q: string, time: number): Promise<{ ms: number; series: number }> {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}&time=${time / 1000}`);
  const body = (await res.json()) as { status: string; data?: { result: unknown[] }; error?: string };
  const ms = performance.now() - t0;
  if (body.status !== 'success') throw new Error(`${base} ${q}: ${body.error}`);
  return { ms, series: body.data!.result.length };
}

/** Runs `run` while sampling `pid`'s resident memory every 5 ms: the peak's growth over the resident memory before, in MB. */
async function rssGrowthMb(pid: number, run: () => Promise<unknown>): Promise<number> {
  const before = processRssBytes(pid);
  let peak = before;
  const iv = setInterval(() => (peak = Math.max(peak, processRssBytes(pid))), 5);
  try {
    await run();
  } finally {
    clearInterval(iv);
  }
  return (Math.max(peak, processRssBytes(pid)) - before) / 2 ** 20;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const dir = mkdtempSync(join(tmpdir(), 'query-http-'));
const promPort = await freePort();
const promPid = Number(execFileSync('bash', [join(PEERS, 'start.sh'), 'prometheus', join(dir, 'prom'), String(promPort)], { encoding: 'utf8' }).trim());

interface Server {
  name: string;
  url: string;
  pid: number;
  stop: () => Promise<unknown>;
}

/** `sightline --target metrics` from `entry` (Node arguments up to the CLI script), on a fresh port and data dir. */
async function startSightline(name: string, entry: string[]): Promise<Server> {
  const port = await freePort();
  writeFileSync(join(dir, `${name}.yaml`), `metrics: { listen_address: "127.0.0.1:${port}", scrape_self: false }\n`);
  const child = spawn(process.execPath, [...EXTRA_NODE_ARGS, ...entry, '--target', 'metrics', '--config.file', join(dir, `${name}.yaml`), '--data-dir', join(dir, name), '--log.level', 'warn'], {
    stdio: ['ignore', process.env.QH_SERVER_STDOUT ? 'inherit' : 'ignore', 'inherit'],
  });
  const exited = new Promise((r) => child.on('exit', r));
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/-/ready`);
  return { name, url, pid: child.pid!, stop: () => (child.kill('SIGTERM'), exited) };
}

const servers: Server[] = [{ name: 'prometheus', url: `http://127.0.0.1:${promPort}`, pid: promPid, stop: async () => process.kill(promPid, 'SIGTERM') }];
try {
  // QH_BUILD=DIR runs that build's `dist/cli/main.js` instead of this tree's.
  servers.push(await startSightline('sightline', process.env.QH_BUILD ? [...NODE_FLAGS, join(resolve(process.env.QH_BUILD), 'dist/cli/main.js')] : sightlineEntry()));
  if (process.env.QH_BASELINE) servers.push(await startSightline('baseline', [...NODE_FLAGS, join(resolve(process.env.QH_BASELINE), 'dist/cli/main.js')]));
  for (const s of servers) loadInto(`${s.url}/api/v1/write`);
  // rw-load's newest sample is 60 s before it started; query just after the newest sample of all loads.
  const time = Math.floor(Date.now() / 1000) * 1000 - 55_000;
  for (const { name, query: q } of QUERIES) {
    if (ONLY && !ONLY.includes(name)) continue;
    const series: Record<string, number> = {};
    // The first two runs of each query are also its memory figures: the server's RSS growth during each (the first
    // pays for what a process sets up once, e.g. a query worker; the second for the query alone), and its RSS after.
    const rss: Record<string, number[]> = {};
    for (const s of servers) {
      rss[s.name] = [];
      for (let k = 0; k < 2; k++) rss[s.name].push(await rssGrowthMb(s.pid, async () => (series[s.name] = (await query(s.url, q, time)).series)));
      rss[s.name].push(processRssBytes(s.pid) / 2 ** 20);
    }
    const ms: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    const startUs = Number(process.hrtime.bigint() / 1000n);
    for (let i = 0; i < RUNS; i++) {
      // Each round starts with the next server: every server goes first, middle and last equally often.
      for (let j = 0; j < servers.length; j++) {
        const s = servers[(i + j) % servers.length];
        // BURST requests in a row: CPU time has a 10 ms resolution, a small query takes about that.
        const c0 = processCpuSeconds(s.pid);
        for (let b = 0; b < BURST; b++) (ms[s.name] ??= []).push((await query(s.url, q, time)).ms);
        (cpu[s.name] ??= []).push(((processCpuSeconds(s.pid) - c0) * 1000) / BURST);
      }
    }
    if (process.env.QH_MARKS) appendFileSync(process.env.QH_MARKS, JSON.stringify({ case: name, startUs, endUs: Number(process.hrtime.bigint() / 1000n) }) + '\n');
    const p = median(ms.prometheus);
    const out: Record<string, unknown> = { bench: 'query-http', case: name, query: q, runs: RUNS };
    for (const s of servers) {
      out[`${s.name}_ms`] = +median(ms[s.name]).toFixed(1);
      out[`${s.name}_cpu_ms`] = +median(cpu[s.name]).toFixed(0);
      if (s.name !== 'prometheus') out[`${s.name}_ratio`] = +(median(ms[s.name]) / p).toFixed(2);
    }
    out.series = series;
    out.rss_growth_mb_first_second_then_rss_mb = Object.fromEntries(Object.entries(rss).map(([k, v]) => [k, v.map((x) => +x.toFixed(1))]));
    out.burst = BURST;
    console.log(JSON.stringify(out));
  }
} finally {
  for (const s of servers) await s.stop();
  rmSync(dir, { recursive: true, force: true });
}
