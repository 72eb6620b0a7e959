/**
 * Logs benchmarks (figures as JSON lines):
 *  - push throughput over HTTP (protobuf + snappy, 200-byte lines, 10k active streams) and resident memory
 *  - compressed bytes per raw byte after flushing to the object store
 *  - scan speed of `{job="x"} |= "needle"` and `sum by (level) (count_over_time({job="x"} | logfmt [1m]))`,
 *    next to `grep -F` over the same uncompressed file
 *  - time to first line of a `limit=100` backward query
 * Sizes: LOGS_BENCH_PUSH_LINES (default 500000), LOGS_BENCH_SCAN_MB (default 256). LOGS_BENCH_ONLY=push|scan runs one
 * half; LOGS_BENCH_ROUNDS (default 1) repeats the push and the cold queries (store reopened each round) and reports
 * each round and the median. Server CPU seconds (process.cpuUsage: main thread and the zlib pool) are reported next
 * to wall time, and grep's CPU seconds (user + sys, from /usr/bin/time) next to its wall time.
 * LOGS_BENCH_PROCESS=name=DIR,name=DIR (or `1` for this tree's build): the push goes to the real process instead,
 * `sightline --target logs` run from each DIR's `dist/cli/main.js`, the builds interleaved round by round; reported
 * per build: wall MB/s, MB per server CPU-second (all threads, /proc) and per event-loop CPU-second, peak RSS.
 * LOGS_BENCH_POOL=N runs the scan queries in the LogQL worker pool (N workers, as the server does; CPU then counts
 * the workers' threads too) instead of on this thread (0); a list (`0,1,2`) measures each, interleaved per round.
 * LOGS_BENCH_THREADS=1 adds each cold query's CPU per thread name (main, workers, libuv pool, V8's helper threads).
 * LOGS_BENCH_QUERIES=needle|logfmt runs only that scan query (medians of the other are then NaN).
 * SIGHTLINE_CHILD_NODE_ARGS adds Node flags to the server (e.g. `--cpu-prof --cpu-prof-dir=DIR`).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join, resolve } from 'node:path';
import protobuf from 'protobufjs';
import { WebSocket } from 'ws';
import { compressSync } from 'snappy';
import { Labels } from '../src/model/index.js';
import { LogStore, LogqlEngine, LogqlPool, PooledLogqlEngine, type LogqlQueries } from '../src/logs/index.js';
import type { ChunkEncodingName } from '../src/logs/storage/index.js';
import { startLogsForTest } from '../src/logs/testing.js';
import { FilesystemObjectStore } from '../src/storage/index.js';
import { freePort, tempDir } from '../test/helpers/process.js';
import { cpuByThreadName, processCpuSeconds, threadCpuByThread, threadCpuSeconds } from './process-cpu.js';
import { NODE_FLAGS, sightlineEntry } from './sightline-entry.js';
import { waitReady } from './wait-ready.js';

const PUSH_LINES = Number(process.env.LOGS_BENCH_PUSH_LINES ?? 500_000);
const SCAN_MB = Number(process.env.LOGS_BENCH_SCAN_MB ?? 256);
const ONLY = process.env.LOGS_BENCH_ONLY ?? '';
/** Chunk encoding of the scan store (default deflate, as the default configuration). */
const CHUNK_ENCODING = (process.env.LOGS_BENCH_CHUNK_ENCODING ?? 'deflate') as ChunkEncodingName;
const ROUNDS = Math.max(1, Number(process.env.LOGS_BENCH_ROUNDS ?? 1));
/**
 * LOGS_BENCH_POOL=N: the scan queries run through the LogQL worker pool with N workers (as the server runs them)
 * instead of in this thread (0); a list (`1,2`) measures each, interleaved round by round.
 */
const POOL_WORKERS = (process.env.LOGS_BENCH_POOL ?? '0').split(',').map(Number);
/** LOGS_BENCH_THREADS=1: each cold query's CPU per thread name. */
const THREADS = process.env.LOGS_BENCH_THREADS === '1';
/** CPU seconds per thread name since `from` (names with less than 5 ms left out). */
const threadDelta = (from: Map<string, number>) => {
  const d: Record<string, number> = {};
  for (const [k, v] of cpuByThreadName(process.pid)) if (v - (from.get(k) ?? 0) >= 0.005) d[k] = +(v - (from.get(k) ?? 0)).toFixed(3);
  return d;
};
/** LOGS_BENCH_QUERIES=needle or logfmt: only that scan query (for a profile of one); default both. */
const QUERIES = new Set((process.env.LOGS_BENCH_QUERIES ?? 'needle,logfmt').split(','));
/**
 * With LOGS_BENCH_PROFILE=<dir>: a CPU profile of the measured window only, written as <dir>/<name>.cpuprofile.
 * With LOGS_BENCH_HEAP_PROFILE=<dir>: instead, every allocation of the window, sampled every 8 KB (objects collected
 * since included: what the collector had to handle), written as <dir>/<name>.heapprofile.
 */
async function startProfile(): Promise<((name: string) => Promise<void>) | undefined> {
  const heapOut = process.env.LOGS_BENCH_HEAP_PROFILE;
  if (heapOut) {
    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    return async (name) => {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      mkdirSync(heapOut, { recursive: true });
      writeFileSync(join(heapOut, `${name}-${Date.now()}.heapprofile`), JSON.stringify(profile));
      session.disconnect();
    };
  }
  const out = process.env.LOGS_BENCH_PROFILE;
  if (!out) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (name) => {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `${name}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}
const median = (xs: number[]) => (xs.length > 0 ? [...xs].sort((a, b) => a - b)[xs.length >> 1] : NaN);
/** CPU seconds (user + system) of this process since `from`. */
const cpuSec = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
};
const report = (o: Record<string, unknown>) => console.log(JSON.stringify(o));

const PushRequest = protobuf
  .parse(
    `syntax = "proto3";
message PushRequest { repeated StreamAdapter streams = 1; }
message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; }
message EntryAdapter { Timestamp timestamp = 1; string line = 2; }
message Timestamp { int64 seconds = 1; int32 nanos = 2; }`,
  )
  .root.lookupType('PushRequest');

const LEVELS = ['info', 'info', 'info', 'debug', 'warn', 'error'];
function line200(i: number, needleEvery = 0): string {
  const lvl = LEVELS[i % LEVELS.length];
  const msg = needleEvery > 0 && i % needleEvery === 0 ? 'needle found in haystack' : 'request served ok';
  const s = `ts=2024-05-01T12:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}Z level=${lvl} caller=server.go:${100 + (i % 400)} msg="${msg}" path=/api/v1/items/${i % 9973} status=${i % 50 === 0 ? 500 : 200} duration=${i % 997}ms req=`;
  return (s + 'abcdef0123456789'.repeat(8)).slice(0, 200);
}

async function benchPush() {
  const STREAMS = 10_000;
  const PER_REQ = 2000;
  const STREAMS_PER_REQ = 100;
  const bodies: Buffer[] = [];
  const startSec = Math.floor(Date.now() / 1000) - 600;
  let n = 0;
  for (let r = 0; n < PUSH_LINES; r++) {
    const streams = [];
    for (let s = 0; s < STREAMS_PER_REQ; s++) {
      const sid = (r * STREAMS_PER_REQ + s) % STREAMS;
      const entries = [];
      for (let k = 0; k < PER_REQ / STREAMS_PER_REQ; k++, n++) entries.push({ timestamp: { seconds: startSec + Math.floor(n / 1000), nanos: n % 1000 }, line: line200(n) });
      streams.push({ labels: `{job="bench", pod="pod-${sid}", namespace="ns-${sid % 10}"}`, entries });
    }
    bodies.push(compressSync(Buffer.from(PushRequest.encode(PushRequest.fromObject({ streams })).finish())));
  }
  const rawBytes = n * 200;
  if (process.env.LOGS_BENCH_PROCESS) return benchPushProcess(bodies, n, rawBytes, STREAMS);
  const cpus: number[] = [];
  for (let round = 0; round < ROUNDS; round++) cpus.push(await pushRound(bodies, n, rawBytes, STREAMS));
  if (ROUNDS > 1) report({ bench: 'logs_push_median', rounds: ROUNDS, cpu_seconds: +median(cpus).toFixed(3), mb_per_cpu_sec: +(rawBytes / 1e6 / median(cpus)).toFixed(1) });
}

/** Send every body to `url` with 4 requests in flight; rejects on any answer but 204. */
function pushAll(url: string, bodies: Buffer[]): Promise<void> {
  let inflight = 0;
  let next = 0;
  return new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (inflight < 4 && next < bodies.length) {
        const b = bodies[next++];
        inflight++;
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: b })
          .then(async (r) => {
            if (r.status !== 204) throw new Error(`push ${r.status}: ${await r.text()}`);
            inflight--;
            if (next >= bodies.length && inflight === 0) resolve();
            else pump();
          })
          .catch(reject);
      }
    };
    pump();
  });
}

/** The push into `sightline --target logs` processes, one per build of LOGS_BENCH_PROCESS, interleaved per round. */
async function benchPushProcess(bodies: Buffer[], n: number, rawBytes: number, STREAMS: number): Promise<void> {
  const spec = process.env.LOGS_BENCH_PROCESS!;
  const builds = spec === '1' ? [{ name: 'this', entry: sightlineEntry() }] : spec.split(',').map((kv) => {
    const [name, dir] = kv.split('=');
    return { name, entry: [...NODE_FLAGS, join(resolve(dir), 'dist/cli/main.js')] };
  });
  const results = new Map<string, Array<{ mbps: number; mbPerCpu: number; mbPerLoopCpu: number; peakMB: number }>>();
  for (let round = 0; round < ROUNDS; round++) {
    for (let j = 0; j < builds.length; j++) {
      const b = builds[(round + j) % builds.length];
      const dir = tempDir('sightline-logs-bench-proc-');
      const port = await freePort();
      writeFileSync(
        join(dir, 'sightline.yaml'),
        `logs: { listen_address: "127.0.0.1:${port}", flush_interval: 1h, limits: { ingestion_rate_mb: 100000, ingestion_burst_size_mb: 100000, max_global_streams_per_user: 0 } }\n`,
      );
      const extra = (process.env.SIGHTLINE_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
      const inspectPort = process.env.LOGS_BENCH_HEAP_PROFILE ? await freePort() : 0;
      if (inspectPort) extra.push(`--inspect=127.0.0.1:${inspectPort}`);
      // after the build's own flags, so that they can override them
      const child = spawn(process.execPath, [...b.entry.slice(0, -1), ...extra, b.entry[b.entry.length - 1], '--target', 'logs', '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data'), '--log.level', 'warn'], { stdio: ['ignore', process.env.LOGS_BENCH_SERVER_STDOUT ? 'inherit' : 'ignore', 'inherit'] });
      const exited = new Promise((r) => child.on('exit', r));
      const base = `http://127.0.0.1:${port}`;
      await waitReady(`${base}/ready`);
      const pid = child.pid!;
      const c0 = processCpuSeconds(pid);
      const l0 = threadCpuSeconds(pid);
      const n0 = threadCpuByThread(pid);
      const heap = inspectPort ? await startChildHeapProfile(inspectPort) : undefined;
      const client0 = process.cpuUsage();
      const t0 = performance.now();
      const startUs = Number(process.hrtime.bigint() / 1000n);
      await pushAll(`${base}/loki/api/v1/push`, bodies);
      const endUs = Number(process.hrtime.bigint() / 1000n);
      await heap?.(`${b.name}-${round}`);
      const sec = (performance.now() - t0) / 1000;
      const cpu = processCpuSeconds(pid) - c0;
      const loop = threadCpuSeconds(pid) - l0;
      const clientCpu = cpuSec(client0);
      // CPU seconds per thread name over the push (threads started during it counted from 0)
      const byThread: Record<string, number> = {};
      for (const [name, s] of threadCpuByThread(pid)) if (s - (n0.get(name) ?? 0) >= 0.01) byThread[name] = +(s - (n0.get(name) ?? 0)).toFixed(2);
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const peakMB = Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
      const r = { mbps: rawBytes / 1e6 / sec, mbPerCpu: rawBytes / 1e6 / cpu, mbPerLoopCpu: rawBytes / 1e6 / loop, peakMB };
      (results.get(b.name) ?? results.set(b.name, []).get(b.name)!).push(r);
      report({ bench: 'logs_push_process', build: b.name, round, lines: n, streams: STREAMS, seconds: +sec.toFixed(2), mb_per_sec: +r.mbps.toFixed(1), server_cpu_seconds: +cpu.toFixed(2), mb_per_cpu_sec: +r.mbPerCpu.toFixed(1), mb_per_loop_cpu_sec: +r.mbPerLoopCpu.toFixed(1), peak_rss_mb: peakMB, client_cpu_seconds: +clientCpu.toFixed(2), server_threads_cpu_seconds: byThread, window_us: [startUs, endUs] });
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (const [name, rs] of results) {
    const m = (f: (x: (typeof rs)[number]) => number) => +median(rs.map(f)).toFixed(1);
    report({ bench: 'logs_push_process_median', build: name, rounds: rs.length, mb_per_sec: m((x) => x.mbps), mb_per_cpu_sec: m((x) => x.mbPerCpu), mb_per_loop_cpu_sec: m((x) => x.mbPerLoopCpu), peak_rss_mb: m((x) => x.peakMB) });
  }
}

/**
 * LOGS_BENCH_HEAP_PROFILE=<dir> with LOGS_BENCH_PROCESS: every allocation of the server during the push (sampled every
 * 8 KB, objects collected since included), through the server's inspector, written as <dir>/<build>-<round>.heapprofile.
 */
async function startChildHeapProfile(port: number): Promise<(name: string) => Promise<void>> {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const ws = new WebSocket(list[0].webSocketDebuggerUrl);
  await new Promise((res, rej) => ws.once('open', res).once('error', rej));
  let id = 0;
  const waiting = new Map<number, (r: unknown) => void>();
  ws.on('message', (m) => {
    const msg = JSON.parse(m.toString()) as { id?: number; result?: unknown };
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result);
  });
  const post = (method: string, params: object = {}) =>
    new Promise<unknown>((res) => {
      waiting.set(++id, res);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await post('HeapProfiler.enable');
  const collected = process.env.LOGS_BENCH_HEAP_RETAINED !== '1';
  await post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: collected, includeObjectsCollectedByMinorGC: collected });
  return async (name) => {
    const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
    const dir = process.env.LOGS_BENCH_HEAP_PROFILE!;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.heapprofile`), JSON.stringify(profile));
    ws.close();
  };
}

async function pushRound(bodies: Buffer[], n: number, rawBytes: number, STREAMS: number): Promise<number> {
  const dir = tempDir('sightline-logs-bench-push-');
  const loki = await startLogsForTest(dir, { limits: { ingestion_rate_mb: 100_000, ingestion_burst_size_mb: 100_000, max_global_streams_per_user: 0 }, flush_interval: '1h' });
  global.gc?.();
  const prof = await startProfile();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await pushAll(`${loki.base}/loki/api/v1/push`, bodies);
  const sec = (performance.now() - t0) / 1000;
  const cpu = cpuSec(c0);
  await prof?.('push');
  global.gc?.();
  const rss = process.memoryUsage().rss;
  report({ bench: 'logs_push', lines: n, streams: STREAMS, seconds: +sec.toFixed(2), lines_per_sec: Math.round(n / sec), mb_per_sec: +(rawBytes / 1e6 / sec).toFixed(1), rss_mb: Math.round(rss / 1e6), cpu_seconds: +cpu.toFixed(3), mb_per_cpu_sec: +(rawBytes / 1e6 / cpu).toFixed(1), note: 'client and server in one process' });
  await loki.stop();
  rmSync(dir, { recursive: true, force: true });
  return cpu;
}

async function benchScan() {
  const dir = tempDir('sightline-logs-bench-scan-');
  const objects = new FilesystemObjectStore(join(dir, 'objects'));
  const open = () =>
    LogStore.open({ walDir: join(dir, 'wal'), objects, prefix: 'loki-data', chunkTargetSize: 1536 * 1024, fsyncIntervalMs: 60_000, indexPeriodMs: 24 * 3600_000, outOfOrderWindowNs: 3600_000_000_000n, chunkEncoding: CHUNK_ENCODING });
  let store = await open();
  const lines = Math.floor((SCAN_MB * 1e6) / 201);
  const rawFile = join(dir, 'raw.log');
  const out = createWriteStream(rawFile);
  const STREAMS = 10;
  const t0ms = Date.now() - 3 * 3600_000;
  const stepNs = BigInt(Math.floor((3 * 3600_000 * 1e6) / lines));
  const streams = Array.from({ length: STREAMS }, (_, i) => store.stream('fake', Labels.fromObject({ job: 'x', pod: `p${i}` }))[0]);
  const BATCH = 20_000;
  for (let i = 0; i < lines; i += BATCH) {
    const per: Array<{ ts: bigint[]; lines: string[] }> = streams.map(() => ({ ts: [], lines: [] }));
    let chunkText = '';
    for (let k = i; k < Math.min(lines, i + BATCH); k++) {
      const l = line200(k, 10_000);
      const p = per[k % STREAMS];
      p.ts.push(BigInt(t0ms) * 1_000_000n + BigInt(k) * stepNs);
      p.lines.push(l);
      chunkText += l + '\n';
    }
    if (!out.write(chunkText)) await new Promise<void>((r) => out.once('drain', () => r()));
    store.write('fake', per.map((p, s) => ({ stream: streams[s], ts: p.ts, lines: p.lines })));
    if (i % (BATCH * 50) === 0) await store.flush();
  }
  await new Promise<void>((r) => out.end(() => r()));
  await store.flush();
  await store.close();
  const raw = statSync(rawFile).size;
  let compressed = 0;
  for (const k of await objects.list('loki-data/chunks/')) compressed += await objects.size(k);
  report({ bench: 'logs_compression', raw_mb: +(raw / 1e6).toFixed(1), compressed_mb: +(compressed / 1e6).toFixed(1), compressed_per_raw: +(compressed / raw).toFixed(3), codec: CHUNK_ENCODING });

  // grep -F on the uncompressed file (page cache warm after one run); its CPU time from /usr/bin/time
  execFileSync('grep', ['-cF', 'needle', rawFile]);
  const grepCpus: number[] = [];
  const grepWalls: number[] = [];
  let grepCount = 0;
  const grepRound = () => {
    const t = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S', 'grep', '-cF', 'needle', rawFile], { encoding: 'utf8' });
    grepWalls.push((performance.now() - t) / 1000);
    grepCount = Number(r.stdout.trim());
    const [u, sy] = r.stderr.trim().split(/\s+/).slice(-2).map(Number);
    grepCpus.push(u + sy);
    report({ bench: 'grep_F', matches: grepCount, seconds: +grepWalls[grepWalls.length - 1].toFixed(3), cpu_seconds: +(u + sy).toFixed(3) });
  };

  const start = BigInt(t0ms - 60_000) * 1_000_000n;
  const end = BigInt(Date.now()) * 1_000_000n;
  const engineOpts = { maxQuerySeries: () => 500, timeoutMs: () => 600_000 };
  // One engine per LOGS_BENCH_POOL entry (0 = this thread, N = a pool of N workers), interleaved round by round.
  const configs = await Promise.all(
    POOL_WORKERS.map(async (workers) => {
      const pool = workers > 0 ? new LogqlPool({ workers }) : undefined;
      const over = (s: LogStore): LogqlQueries => {
        const local = new LogqlEngine(s, engineOpts);
        return pool ? new PooledLogqlEngine(pool, s, local, engineOpts) : local;
      };
      if (pool) {
        // Start every worker (a query that shards over the first minute's streams), outside the measured rounds.
        const s = await open();
        const t0 = BigInt(t0ms) * 1_000_000n;
        await over(s).rangeQuery({ tenant: 'fake', query: 'sum(count_over_time({job="x"}[1m]))', start: t0, end: t0 + 60_000_000_000n, stepMs: 60_000, limit: 1, direction: 'forward' });
        await s.close();
      }
      return { workers, pool, over, needleCpus: [] as number[], needleWalls: [] as number[], logfmtCpus: [] as number[], logfmtWalls: [] as number[] };
    }),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < configs.length; k++) {
      const c = configs[(round + k) % configs.length];
      grepRound();
      store = await open();
      const engine = c.over(store);
      for (const pass of QUERIES.has('needle') ? ['cold', 'warm'] : []) {
        const prof = pass === 'cold' ? await startProfile() : undefined;
        const th0 = THREADS ? cpuByThreadName(process.pid) : undefined;
        const c0 = process.cpuUsage();
        const l0 = threadCpuSeconds(process.pid);
        const t = performance.now();
        const r = await engine.rangeQuery({ tenant: 'fake', query: '{job="x"} |= "needle"', start, end, stepMs: 1000, limit: 1_000_000, direction: 'forward' });
        const s = (performance.now() - t) / 1000;
        const cpu = cpuSec(c0);
        await prof?.('needle');
        if (pass === 'cold') {
          c.needleCpus.push(cpu);
          c.needleWalls.push(s);
        }
        const count = r.resultType === 'streams' ? r.streams.reduce((a, x) => a + x.lines.length, 0) : -1;
        report({ bench: 'logs_scan_line_filter', pool_workers: c.workers, pass, matches: count, seconds: +s.toFixed(3), cpu_seconds: +cpu.toFixed(3), main_thread_cpu_seconds: +(threadCpuSeconds(process.pid) - l0).toFixed(2), gb_per_cpu_sec: +(raw / 1e9 / cpu).toFixed(2), cpu_vs_grep_cpu: +(cpu / grepCpus[grepCpus.length - 1]).toFixed(2), ...(th0 ? { threads: threadDelta(th0) } : {}) });
      }
      await store.close();
      if (!QUERIES.has('logfmt')) continue;
      store = await open();
      const engine2 = c.over(store);
      const prof = await startProfile();
      const th0 = THREADS ? cpuByThreadName(process.pid) : undefined;
      const c0 = process.cpuUsage();
      const l0 = threadCpuSeconds(process.pid);
      const t = performance.now();
      const m = await engine2.rangeQuery({ tenant: 'fake', query: 'sum by (level) (count_over_time({job="x"} | logfmt [1m]))', start: BigInt(t0ms) * 1_000_000n, end: BigInt(t0ms + 3 * 3600_000) * 1_000_000n, stepMs: 60_000, limit: 100, direction: 'forward' });
      const ms = (performance.now() - t) / 1000;
      const cpu = cpuSec(c0);
      await prof?.('logfmt');
      c.logfmtCpus.push(cpu);
      c.logfmtWalls.push(ms);
      const total = m.resultType === 'matrix' ? m.series.reduce((a, x) => a + x.points.reduce((b, p) => b + p[1], 0), 0) : -1;
      report({ bench: 'logs_scan_logfmt_count', pool_workers: c.workers, pass: 'cold', series: m.resultType === 'matrix' ? m.series.length : -1, sum_of_points: total, seconds: +ms.toFixed(3), cpu_seconds: +cpu.toFixed(3), main_thread_cpu_seconds: +(threadCpuSeconds(process.pid) - l0).toFixed(2), gb_per_cpu_sec: +(raw / 1e9 / cpu).toFixed(3), ...(th0 ? { threads: threadDelta(th0) } : {}) });
      await store.close();
    }
  }
  const g = { grep_cpu: +median(grepCpus).toFixed(3), grep_wall: +median(grepWalls).toFixed(3) };
  for (const c of configs) {
    const [nc, nw, lc, lw] = [median(c.needleCpus), median(c.needleWalls), median(c.logfmtCpus), median(c.logfmtWalls)];
    report({ bench: 'logs_scan_median', pool_workers: c.workers, rounds: ROUNDS, raw_mb: +(raw / 1e6).toFixed(1), ...g, needle_cold_cpu: +nc.toFixed(3), needle_vs_grep: +(nc / g.grep_cpu).toFixed(2), needle_cold_wall: +nw.toFixed(3), needle_wall_vs_grep: +(nw / g.grep_wall).toFixed(2), logfmt_count_cpu: +lc.toFixed(3), logfmt_gb_per_cpu_sec: +(raw / 1e9 / lc).toFixed(3), logfmt_wall: +lw.toFixed(3), logfmt_gb_per_sec_wall: +(raw / 1e9 / lw).toFixed(3) });
  }
  store = await open();
  const t = performance.now();
  const b = await configs[0].over(store).rangeQuery({ tenant: 'fake', query: '{job="x"}', start, end, stepMs: 1000, limit: 100, direction: 'backward' });
  report({ bench: 'logs_backward_limit_100', lines: b.resultType === 'streams' ? b.streams.reduce((a, x) => a + x.lines.length, 0) : -1, seconds: +((performance.now() - t) / 1000).toFixed(3) });
  await store.close();
  for (const c of configs) await c.pool?.close();
  rmSync(dir, { recursive: true, force: true });
}

if (ONLY !== 'scan') await benchPush();
if (ONLY !== 'push') await benchScan();
