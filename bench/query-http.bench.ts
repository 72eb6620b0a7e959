/**
 * `npm run bench -- query-http`: the PromQL latency comparison of issue 21 through the real processes over HTTP.
 * The same remote-write load (../shared/peers/rw-load.mjs: QH_SERIES series, default 50,000, × QH_SAMPLES samples
 * every 10 s, default 60; labels `__name__` bench_metric_{i % 20}, `instance` host{i % 100}, `job` bench, `series` i)
 * goes to a real Prometheus 2.42 and to `sightline --target metrics` (the built CLI, as `npm start` runs it); then
 * each query below runs as an instant query at the newest sample's time, QH_RUNS times (default 7), taking turns
 * between the two servers query by query, after one warm-up run each. Prints the median latency (client wall time,
 * request to full body) per server, the ratio Sightline / Prometheus, and how many series each returned.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NODE_FLAGS, sightlineEntry } from './sightline-entry.js';
import { freePort } from '../test/helpers/prometheus.js';
import { waitReady } from './wait-ready.js';

const ROOT = resolve(import.meta.dirname, '..');
const PEERS = existsSync(resolve(ROOT, '..', '..', 'shared', 'peers', 'rw-load.mjs')) ? resolve(ROOT, '..', '..', 'shared', 'peers') : '/work/shared/peers';
const SERIES = Number(process.env.QH_SERIES ?? 50_000);
const SAMPLES = Number(process.env.QH_SAMPLES ?? 60);
const RUNS = Number(process.env.QH_RUNS ?? 7);

const QUERIES: { name: string; query: string }[] = [
  { name: 'sum_by_instance_rate_2500', query: 'sum by (instance) (rate(bench_metric_0[5m]))' },
  { name: 'sum_rate_job_50k', query: 'sum(rate({job="bench"}[5m]))' },
  { name: 'topk_rate_50k', query: 'topk(10, rate({job="bench"}[5m]))' },
  { name: 'count_by_name', query: 'count by (__name__) ({job="bench"})' },
  { name: 'regex_selector', query: 'count({__name__=~"bench_metric_1.*", instance=~"host1.*"})' },
  { name: 'quantile_by', query: 'quantile by (instance) (0.9, rate(bench_metric_0[5m]))' },
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

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const dir = mkdtempSync(join(tmpdir(), 'query-http-'));
const promPort = await freePort();
const ourPort = await freePort();
const promPid = Number(execFileSync('bash', [join(PEERS, 'start.sh'), 'prometheus', join(dir, 'prom'), String(promPort)], { encoding: 'utf8' }).trim());
writeFileSync(join(dir, 'sightline.yaml'), `metrics: { listen_address: "127.0.0.1:${ourPort}", scrape_self: false }\n`);
// QH_BUILD=DIR runs that build's `dist/cli/main.js` (e.g. an earlier one) instead of this tree's.
const entry = process.env.QH_BUILD ? [...NODE_FLAGS, join(resolve(process.env.QH_BUILD), 'dist/cli/main.js')] : sightlineEntry();
const ours = spawn(process.execPath, [...entry, '--target', 'metrics', '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data'), '--log.level', 'warn'], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
const exited = new Promise((r) => ours.on('exit', r));
try {
  const prom = `http://127.0.0.1:${promPort}`;
  const sl = `http://127.0.0.1:${ourPort}`;
  await waitReady(`${sl}/-/ready`);
  loadInto(`${prom}/api/v1/write`);
  loadInto(`${sl}/api/v1/write`);
  // rw-load's newest sample is 60 s before it started; query just after the newest sample of both loads.
  const time = Math.floor(Date.now() / 1000) * 1000 - 55_000;
  for (const { name, query: q } of QUERIES) {
    const a = await query(prom, q, time);
    const b = await query(sl, q, time);
    const ms: { prometheus: number[]; sightline: number[] } = { prometheus: [], sightline: [] };
    for (let i = 0; i < RUNS; i++) {
      const [first, second] = i % 2 === 0 ? (['prometheus', 'sightline'] as const) : (['sightline', 'prometheus'] as const);
      ms[first].push((await query(first === 'prometheus' ? prom : sl, q, time)).ms);
      ms[second].push((await query(second === 'prometheus' ? prom : sl, q, time)).ms);
    }
    const p = median(ms.prometheus);
    const s = median(ms.sightline);
    console.log(
      JSON.stringify({ bench: 'query-http', case: name, query: q, runs: RUNS, prometheus_ms: +p.toFixed(1), sightline_ms: +s.toFixed(1), ratio: +(s / p).toFixed(2), series: { prometheus: a.series, sightline: b.series } }),
    );
  }
} finally {
  ours.kill('SIGTERM');
  process.kill(promPid, 'SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
}
