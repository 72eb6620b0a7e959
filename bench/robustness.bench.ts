/**
 * Robustness under overload (figures as JSON lines): the one-process stack (`--target all`, a real child process)
 * with `server.memory_limit` set and ingestion limits raised, pushed by concurrent Loki senders with unique line IDs
 * for ROBUSTNESS_BENCH_SECONDS (default 120) while a simple PromQL query and a simple LogQL query run every 100 ms.
 * Reports peak RSS against the limit, accepted vs refused pushes (503 + Retry-After are retried as Promtail does),
 * query p50/p99/max while loading (queried from their own thread, so the senders cannot delay them), and then reads
 * every acknowledged line back and finds it by its ID: none may be missing or duplicated.
 *
 * Before that, the full-size rows of the hostile-input table (test/hostile/cases.ts: 4 GB gzip, 1 GB bombs,
 * 500 MB snappy, 200k series, and 4x the fuzzed bodies of `npm test`) against a fresh stack, one JSON line per
 * case with its status, time, slowest probe of another listener, RSS growth and violations.
 *
 * `queries`: the PromQL worker pool against the event loop. A stack with 2,000 series x 1 h is loaded with
 * pathological range queries (2 clients back to back, each query seconds of CPU) for ROBUSTNESS_BENCH_QUERY_SECONDS
 * (default 30) while a remote write of one sample, `/-/ready` and the `up` query are probed every 50 ms from their
 * own thread; then the server's CPU per normal query (process CPU over 200 sequential queries, 5 rounds, median).
 * Run with `metrics.query.workers` 0 (evaluation on the event loop, time-sliced) and 2 (the pool); other counts with
 * ROBUSTNESS_BENCH_QUERY_WORKERS=0,1,2.
 *
 * `logql`: the LogQL worker pool against the event loop, alike. A `--target logs` stack with 120,000 logfmt lines
 * (test/helpers/logql-load.ts) is loaded with a query that parses, reformats and regex-matches every line (2 clients
 * back to back) for ROBUSTNESS_BENCH_QUERY_SECONDS while a push of one line, `/ready` and a small LogQL query are
 * probed every 50 ms; then the server's CPU per normal LogQL query (all threads, 50 sequential queries, 5 rounds,
 * median). `logs.query.workers` from ROBUSTNESS_BENCH_LOGQL_WORKERS (default 0,1).
 *
 * ROBUSTNESS_BENCH_PARTS=hostile,overload,queries,logql picks the parts (default all); ROBUSTNESS_BENCH_CASES=<regex>
 * runs only the hostile rows whose name matches (e.g. `remote write: 200k`), ROBUSTNESS_BENCH_REPEAT=n each n times.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { compressSync } from 'snappy';
import { encodeV1, type PbSeriesV1 } from '../test/helpers/remote-write-protos.js';
import { HEAVY_LOGQL, pushLines, seedHeavyLogs } from '../test/helpers/logql-load.js';
import { spawnSightline, startedPorts, tempDir } from '../test/helpers/process.js';
import { processCpuSeconds } from './process-cpu.js';
import { hostileCases, prepareBigBodies } from '../test/hostile/cases.js';
import { violations } from '../test/hostile/check.js';
import { HostileStack } from '../test/hostile/stack.js';

const SECONDS = Number(process.env.ROBUSTNESS_BENCH_SECONDS ?? 120);
const LIMIT_MB = Number(process.env.ROBUSTNESS_BENCH_MEMORY_LIMIT_MB ?? 600);
const SENDERS = 6;
const LINES_PER_PUSH = 2000;
const PARTS = (process.env.ROBUSTNESS_BENCH_PARTS ?? 'hostile,overload,queries,logql').split(',');
const QUERY_SECONDS = Number(process.env.ROBUSTNESS_BENCH_QUERY_SECONDS ?? 30);
const report = (o: Record<string, unknown>) => console.log(JSON.stringify(o));

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}

/** The hostile-input table at full size: every row once, with its figures. */
async function hostile() {
  const only = process.env.ROBUSTNESS_BENCH_CASES ? new RegExp(process.env.ROBUSTNESS_BENCH_CASES) : null;
  const repeat = Number(process.env.ROBUSTNESS_BENCH_REPEAT ?? 1);
  const selected = hostileCases({ big: true, fuzzPerTarget: 20, seed: 2020 }).filter((c) => !only || only.test(c.name));
  const cases = selected.flatMap((c) => Array.from({ length: repeat }, () => c));
  if (cases.some((c) => c.name.includes('4 GB'))) await prepareBigBodies();
  const stack = new HostileStack();
  await stack.start();
  await stack.seed();
  let failed = 0;
  let worstProbe = 0;
  let worstRss = 0;
  for (const c of cases) {
    const r = await stack.run(c);
    const bad = violations(c, r);
    if (bad.length) failed++;
    worstProbe = Math.max(worstProbe, r.worstProbeMs);
    worstRss = Math.max(worstRss, r.rssGrowthMb);
    if (c.big || bad.length) report({ bench: 'robustness_hostile_case', case: c.name, status: r.grpcCode !== undefined ? `grpc ${r.grpcCode}` : r.status, ms: Math.round(r.ms), worst_probe_ms: Math.round(r.worstProbeMs), worst_probe: r.worstProbe, rss_growth_mb: Math.round(r.rssGrowthMb), violations: bad });
  }
  await stack.stop();
  report({ bench: 'robustness_hostile', cases: cases.length, failed, worst_probe_ms: Math.round(worstProbe), worst_rss_growth_mb: Math.round(worstRss) });
}

async function overload() {
  const dir = tempDir('sightline-robustness-bench-');
  writeFileSync(
    join(dir, 'sightline.yaml'),
    [
      `server: { memory_limit: ${LIMIT_MB}MB }`,
      'metrics: { listen_address: 127.0.0.1:0 }',
      'logs:',
      '  listen_address: 127.0.0.1:0',
      '  limits: { ingestion_rate_mb: 100000, ingestion_burst_size_mb: 100000, max_global_streams_per_user: 0, max_entries_limit_per_query: 1000000 }',
      'mimir: { listen_address: 127.0.0.1:0 }',
      'traces: { listen_address: 127.0.0.1:0, zipkin: { listen_address: 127.0.0.1:0 }, jaeger: { listen_address: 127.0.0.1:0 } }',
      'otlp: { grpc_listen_address: 127.0.0.1:0, http_listen_address: 127.0.0.1:0 }',
      'ui: { listen_address: 127.0.0.1:0, development_mode: true }',
      'alertmanager: { listen_address: 127.0.0.1:0 }',
      '',
    ].join('\n'),
  );
  const s = spawnSightline(['--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')]);
  const ports = await startedPorts(s, 60_000);
  const pid = s.child.pid!;
  const base = (n: string) => `http://127.0.0.1:${ports[n]}`;
  const t0 = Date.now();
  const end = t0 + SECONDS * 1000;
  let nextId = 0;
  const acked: number[] = [];
  let accepted = 0;
  let refused = 0;
  let otherStatus = 0;
  let peakRss = rssOf(pid);
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssOf(pid))), 200);

  const sender = async (k: number) => {
    let pending: { first: number; body: string } | undefined;
    while (Date.now() < end) {
      if (!pending) {
        const first = nextId;
        nextId += LINES_PER_PUSH;
        const ns = BigInt(Date.now()) * 1_000_000n;
        const values = Array.from({ length: LINES_PER_PUSH }, (_, i) => [String(ns + BigInt(i)), `id=${first + i} sender=${k} ${'x'.repeat(160)}`]);
        pending = { first, body: JSON.stringify({ streams: [{ stream: { job: 'bench', sender: String(k), shard: String(first % 97) }, values }] }) };
      }
      try {
        const r = await fetch(`${base('loki')}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: pending.body });
        await r.arrayBuffer();
        if (r.status === 204) {
          accepted++;
          acked.push(pending.first);
          pending = undefined;
        } else if (r.status === 503 || r.status === 429) {
          refused++;
          await new Promise((res) => setTimeout(res, Number(r.headers.get('retry-after') ?? 1) * 1000));
        } else otherStatus++;
      } catch {
        otherStatus++;
      }
    }
  };

  // The queries run on their own thread (event loop), so building and sending the pushes here cannot delay them:
  // the latencies are the server's.
  const querier = () =>
    new Promise<{ lat: Record<string, number[]>; shed: Record<string, number> }>((resolve, reject) => {
      const w = new Worker(
        `const { workerData, parentPort } = require('node:worker_threads');
        (async () => {
          const lat = { promql: [], logql: [] };
          const shed = { promql: 0, logql: 0 };
          while (Date.now() < workerData.end) {
            for (const [kind, url] of workerData.urls) {
              const q0 = performance.now();
              const r = await fetch(url);
              await r.arrayBuffer();
              if (r.status === 200) lat[kind].push(performance.now() - q0);
              else shed[kind]++;
            }
            await new Promise((res) => setTimeout(res, 100));
          }
          parentPort.postMessage({ lat, shed });
        })();`,
        { eval: true, workerData: { end, urls: [['promql', `${base('prometheus')}/api/v1/query?query=up`], ['logql', `${base('loki')}/loki/api/v1/labels`]] } },
      );
      w.once('message', resolve);
      w.once('error', reject);
    });
  const queried = querier();
  await Promise.all(Array.from({ length: SENDERS }, (_, k) => sender(k)));
  const { lat, shed } = await queried;
  clearInterval(rssTimer);
  const rssAfterLoad = rssOf(pid);
  await new Promise((res) => setTimeout(res, 10_000));
  const rssSettled = rssOf(pid);

  // Every acknowledged line, found by its ID: each shard's lines read back and their `id=` parsed.
  const want = new Set<number>();
  for (const first of acked) for (let i = 0; i < LINES_PER_PUSH; i++) want.add(first + i);
  const stop = String(BigInt(Date.now()) * 1_000_000n);
  const start = String(BigInt(t0 - 60_000) * 1_000_000n);
  const found = new Set<number>();
  let duplicates = 0;
  for (let shard = 0; shard < 97; shard++) {
    const q = encodeURIComponent(`{job="bench", shard="${shard}"}`);
    const url = `${base('loki')}/loki/api/v1/query_range?query=${q}&start=${start}&end=${stop}&limit=1000000&direction=forward`;
    let res = await fetch(url);
    for (let attempt = 0; res.status === 503 && attempt < 30; attempt++) {
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 1000));
      res = await fetch(url);
    }
    if (res.status !== 200) throw new Error(`reading shard ${shard} back: ${res.status} ${(await res.text()).slice(0, 300)}`);
    const r = (await res.json()) as { data: { result: { values: [string, string][] }[] } };
    for (const st of r.data.result)
      for (const [, line] of st.values) {
        const id = Number(/^id=(\d+) /.exec(line)?.[1]);
        if (found.has(id)) duplicates++;
        else found.add(id);
      }
  }
  let missing = 0;
  for (const id of want) if (!found.has(id)) missing++;
  s.child.kill('SIGTERM');
  await s.exited;
  report({
    bench: 'robustness_overload',
    seconds: SECONDS,
    memory_limit_mb: LIMIT_MB,
    peak_rss_mb: Math.round(peakRss / 2 ** 20),
    rss_after_load_mb: Math.round(rssAfterLoad / 2 ** 20),
    rss_settled_mb: Math.round(rssSettled / 2 ** 20),
    pushes_accepted: accepted,
    pushes_refused_retryable: refused,
    pushes_other: otherStatus,
    lines_acknowledged: want.size,
    lines_found: found.size,
    lines_missing: missing,
    lines_duplicated: duplicates,
    promql_p50_ms: Math.round(pct(lat.promql, 50)),
    promql_p99_ms: Math.round(pct(lat.promql, 99)),
    promql_max_ms: Math.round(Math.max(...lat.promql)),
    logql_labels_p99_ms: Math.round(pct(lat.logql, 99)),
    queries_shed: shed,
  });
}

const HEAVY_QUERY = 'quantile_over_time(0.5, heavy[1h:15s])';
const NORMAL_QUERY = 'sum by (job) (rate(heavy{i=~"1.."}[5m]))';

/** Probe latencies (ms) of each URL while `end` is ahead, every 50 ms, from a thread of its own. */
function probe(end: number, probes: [string, string][]): Promise<Record<string, number[]>> {
  return new Promise((resolve, reject) => {
    const w = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
      (async () => {
        const lat = {};
        while (Date.now() < workerData.end) {
          for (const [name, url] of workerData.probes) {
            const q0 = performance.now();
            const r = await fetch(url);
            await r.arrayBuffer();
            if (r.status < 300) (lat[name] ??= []).push(performance.now() - q0);
          }
          await new Promise((res) => setTimeout(res, 50));
        }
        parentPort.postMessage(lat);
      })();`,
      { eval: true, workerData: { end, probes } },
    );
    w.once('message', resolve);
    w.once('error', reject);
  });
}

/** Server CPU (all threads) and wall time per request, ms, over `n` sequential GETs of `url`: 5 rounds. */
async function perRequest(pid: number, url: string, n: number): Promise<{ cpu: number[]; wall: number[] }> {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let round = 0; round < 5; round++) {
    const c0 = processCpuSeconds(pid);
    const w0 = performance.now();
    for (let i = 0; i < n; i++) {
      const r = await fetch(url);
      if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
      await r.arrayBuffer();
    }
    cpu.push(((processCpuSeconds(pid) - c0) / n) * 1000);
    wall.push((performance.now() - w0) / n);
  }
  return { cpu, wall };
}

async function queriesWith(workers: number) {
  const dir = tempDir('sightline-robustness-queries-');
  writeFileSync(join(dir, 'sightline.yaml'), `metrics: { listen_address: 127.0.0.1:0, scrape_self: false, query: { workers: ${workers} } }\n`);
  const s = spawnSightline(['--target', 'metrics', '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')]);
  const ports = await startedPorts(s, 60_000);
  const pid = s.child.pid!;
  const base = `http://127.0.0.1:${ports.prometheus}`;
  const now = Date.now() - 60_000;
  // 2,000 series x 1 h at 15 s, in requests of 100 series.
  for (let first = 0; first < 2000; first += 100) {
    const ts: PbSeriesV1[] = [];
    for (let i = first; i < first + 100; i++) {
      const samples = [];
      for (let t = now - 3_600_000; t <= now; t += 15_000) samples.push({ value: (t / 1000) * (i % 7), timestamp: t });
      ts.push({ labels: [{ name: '__name__', value: 'heavy' }, { name: 'i', value: String(i) }, { name: 'job', value: `j${i % 5}` }], samples });
    }
    const r = await fetch(`${base}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body: compressSync(encodeV1(ts)) });
    if (r.status >= 300) throw new Error(`seeding: ${r.status} ${await r.text()}`);
  }
  const q = (expr: string, extra = '') => `${base}/api/v1/query?query=${encodeURIComponent(expr)}&time=${now / 1000}${extra}`;
  const range = (expr: string) => `${base}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${(now - 3_600_000) / 1000}&end=${now / 1000}&step=60&timeout=20s`;
  for (let i = 0; i < 20; i++) await (await fetch(q(NORMAL_QUERY))).arrayBuffer();

  // CPU per normal query: server CPU over 200 sequential queries, 5 rounds.
  const { cpu: cpuPerQuery, wall: wallPerQuery } = await perRequest(pid, q(NORMAL_QUERY), 200);

  // Pathological load: 2 clients, each running the heavy query back to back.
  const end = Date.now() + QUERY_SECONDS * 1000;
  const probes = probe(end, [
    ['ready', `${base}/-/ready`],
    ['up_query', q('up')],
  ]);
  // Remote write probes with increasing timestamps, from this thread (the body changes every time).
  const rwLat: number[] = [];
  const rwProbe = (async () => {
    while (Date.now() < end) {
      const body = compressSync(encodeV1([{ labels: [{ name: '__name__', value: 'probe_rw' }], samples: [{ value: 1, timestamp: Date.now() }] }]));
      const t0 = performance.now();
      const r = await fetch(`${base}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body });
      await r.arrayBuffer();
      if (r.status < 300) rwLat.push(performance.now() - t0);
      await new Promise((res) => setTimeout(res, 50));
    }
  })();
  let heavyDone = 0;
  let heavyFailed = 0;
  const heavyCpu0 = processCpuSeconds(pid);
  const client = async () => {
    while (Date.now() < end) {
      const r = await fetch(range(HEAVY_QUERY));
      await r.arrayBuffer();
      if (r.status === 200) heavyDone++;
      else heavyFailed++;
    }
  };
  await Promise.all([client(), client(), rwProbe]);
  const heavyCpu = processCpuSeconds(pid) - heavyCpu0;
  const lat = await probes;
  s.child.kill('SIGTERM');
  await s.exited;
  const med = (xs: number[]) => pct(xs, 50);
  report({
    bench: 'robustness_queries',
    query_workers: workers,
    seconds: QUERY_SECONDS,
    heavy_queries_done: heavyDone,
    heavy_queries_failed: heavyFailed,
    heavy_load_cpu_s: Math.round(heavyCpu * 10) / 10,
    remote_write_p50_ms: Math.round(pct(rwLat, 50)),
    remote_write_p99_ms: Math.round(pct(rwLat, 99)),
    remote_write_max_ms: Math.round(Math.max(...rwLat)),
    ready_p99_ms: Math.round(pct(lat.ready ?? [], 99)),
    ready_max_ms: Math.round(Math.max(...(lat.ready ?? []))),
    up_query_p50_ms: Math.round(pct(lat.up_query ?? [], 50)),
    up_query_p99_ms: Math.round(pct(lat.up_query ?? [], 99)),
    normal_query_cpu_ms_median: Math.round(med(cpuPerQuery) * 100) / 100,
    normal_query_cpu_ms_rounds: cpuPerQuery.map((x) => Math.round(x * 100) / 100),
    normal_query_wall_ms_median: Math.round(med(wallPerQuery) * 100) / 100,
  });
}

const NORMAL_LOGQL = 'sum(count_over_time({app="heavy"} |= "number 4711" [1h]))';

/** The LogQL pool (`logs.query.workers`) against the event loop: probes during heavy queries, CPU per normal query. */
async function logqlQueriesWith(workers: number) {
  const dir = tempDir('sightline-robustness-logql-');
  writeFileSync(
    join(dir, 'sightline.yaml'),
    `logs: { listen_address: 127.0.0.1:0, query: { workers: ${workers} }, limits: { ingestion_rate_mb: 1000, ingestion_burst_size_mb: 1000 } }\n`,
  );
  const s = spawnSightline(['--target', 'logs', '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')]);
  const ports = await startedPorts(s, 60_000);
  const pid = s.child.pid!;
  const base = `http://127.0.0.1:${ports.loki}`;
  const nowMs = Date.now();
  await seedHeavyLogs(base, nowMs, 120_000);
  const range = (q: string) => `${base}/loki/api/v1/query_range?query=${encodeURIComponent(q)}&start=${(nowMs - 3_600_000) * 1e6}&end=${(nowMs + 60_000) * 1e6}&step=60s`;
  for (let i = 0; i < 5; i++) await (await fetch(range(NORMAL_LOGQL))).arrayBuffer();

  const { cpu: cpuPerQuery, wall: wallPerQuery } = await perRequest(pid, range(NORMAL_LOGQL), 50);

  const end = Date.now() + QUERY_SECONDS * 1000;
  const probes = probe(end, [
    ['ready', `${base}/ready`],
    ['small_query', `${base}/loki/api/v1/query?query=${encodeURIComponent('sum(count_over_time({app="probe"}[1m]))')}`],
  ]);
  const pushLat: number[] = [];
  const pushProbe = (async () => {
    while (Date.now() < end) {
      const t0 = performance.now();
      if ((await pushLines(base, 'probe', [[Date.now(), 'probe line']])) < 300) pushLat.push(performance.now() - t0);
      await new Promise((res) => setTimeout(res, 50));
    }
  })();
  let heavyDone = 0;
  let heavyFailed = 0;
  const heavyMs: number[] = [];
  const client = async () => {
    while (Date.now() < end) {
      const t0 = performance.now();
      const r = await fetch(range(HEAVY_LOGQL));
      await r.arrayBuffer();
      if (r.status === 200) {
        heavyDone++;
        heavyMs.push(performance.now() - t0);
      } else heavyFailed++;
    }
  };
  await Promise.all([client(), client(), pushProbe]);
  const lat = await probes;
  s.child.kill('SIGTERM');
  await s.exited;
  report({
    bench: 'robustness_logql_queries',
    logql_query_workers: workers,
    seconds: QUERY_SECONDS,
    heavy_queries_done: heavyDone,
    heavy_queries_failed: heavyFailed,
    heavy_query_p50_ms: Math.round(pct(heavyMs, 50)),
    push_p50_ms: Math.round(pct(pushLat, 50)),
    push_p99_ms: Math.round(pct(pushLat, 99)),
    push_max_ms: Math.round(Math.max(...pushLat)),
    ready_p50_ms: Math.round(pct(lat.ready ?? [], 50)),
    ready_p99_ms: Math.round(pct(lat.ready ?? [], 99)),
    ready_max_ms: Math.round(Math.max(...(lat.ready ?? []))),
    small_query_p50_ms: Math.round(pct(lat.small_query ?? [], 50)),
    small_query_p99_ms: Math.round(pct(lat.small_query ?? [], 99)),
    normal_query_cpu_ms_median: Math.round(pct(cpuPerQuery, 50) * 100) / 100,
    normal_query_cpu_ms_rounds: cpuPerQuery.map((x) => Math.round(x * 100) / 100),
    normal_query_wall_ms_median: Math.round(pct(wallPerQuery, 50) * 100) / 100,
  });
}

if (PARTS.includes('hostile')) await hostile();
if (PARTS.includes('overload')) await overload();
if (PARTS.includes('queries')) for (const w of (process.env.ROBUSTNESS_BENCH_QUERY_WORKERS ?? '0,2').split(',').map(Number)) await queriesWith(w);
if (PARTS.includes('logql')) for (const w of (process.env.ROBUSTNESS_BENCH_LOGQL_WORKERS ?? '0,1').split(',').map(Number)) await logqlQueriesWith(w);
