/**
 * Log agent benchmarks (figures as JSON lines):
 *  - tail + ship throughput: AGENT_BENCH_FILES files (default 100) of 200-byte CRI lines, AGENT_BENCH_LINES in
 *    all (default 300000), pipeline `cri` + `labels`, to a receiver that only acknowledges (the agent's own cost:
 *    lines/s, MB/s, CPU seconds per GB) and into Sightline's Loki in the same process (end to end, until queryable);
 *  - latency from a write to the line being queryable in Loki;
 *  - resident memory with 1000 files tailed.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { Agent, parsePromtailConfig, type PromtailConfig } from '../src/agent/index.js';
import { startLogsForTest } from '../src/logs/testing.js';
import { silentLogger } from '../src/server/index.js';
import { tempDir } from '../test/helpers/process.js';

const FILES = Number(process.env.AGENT_BENCH_FILES ?? 100);
const LINES = Number(process.env.AGENT_BENCH_LINES ?? 300_000);
const report = (o: Record<string, unknown>) => console.log(JSON.stringify(o));

function criLine(i: number): string {
  const head = `2026-12-05T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i % 1_000_000_000).padStart(9, '0')}Z stdout F `;
  const body = `level=info caller=server.go:${100 + (i % 400)} msg="request served" path=/api/v1/items/${i % 9973} status=200 req=`;
  return (head + body + 'abcdef0123456789'.repeat(8)).slice(0, 199);
}

function writeFiles(dir: string, files: number, lines: number): number {
  mkdirSync(dir, { recursive: true });
  let bytes = 0;
  const per = Math.ceil(lines / files);
  for (let f = 0; f < files; f++) {
    const parts: string[] = [];
    for (let i = 0; i < per && f * per + i < lines; i++) parts.push(criLine(f * per + i));
    const text = parts.join('\n') + '\n';
    bytes += Buffer.byteLength(text);
    writeFileSync(join(dir, `c${f}.log`), text);
  }
  return bytes;
}

function config(dir: string, url: string, glob: string): PromtailConfig {
  return parsePromtailConfig(`
positions: {filename: ${join(dir, 'positions.yaml')}}
clients: [{url: "${url}", batchwait: 1s, batchsize: 1048576}]
target_config: {sync_period: 1s}
scrape_configs:
  - job_name: bench
    pipeline_stages: [{cri: {}}, {labels: {stream: }}]
    static_configs: [{labels: {job: bench, __path__: "${glob}"}}]
`);
}

async function sent(reg: Registry): Promise<number> {
  const m = await reg.getSingleMetric('promtail_sent_entries_total')!.get();
  return m.values.reduce((a, v) => a + v.value, 0);
}

async function untilSent(reg: Registry, n: number, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await sent(reg)) < n) {
    if (Date.now() > deadline) throw new Error(`only ${await sent(reg)} of ${n} sent`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A push endpoint that reads the body and answers 204: the agent's cost alone. */
async function nullReceiver(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/loki/api/v1/push`, close: () => new Promise((r) => server.close(() => r())) };
}

async function throughput(target: 'null' | 'loki'): Promise<void> {
  const dir = tempDir('agent-bench-');
  const bytes = writeFiles(join(dir, 'logs'), FILES, LINES);
  const sink = target === 'null' ? await nullReceiver() : undefined;
  const loki = target === 'loki' ? await startLogsForTest(tempDir('agent-bench-loki-'), { limits: { ingestion_rate_mb: 1024, ingestion_burst_size_mb: 1024 } }) : undefined;
  const url = sink?.url ?? `${loki!.base}/loki/api/v1/push`;
  const reg = new Registry();
  const agent = new Agent({ config: config(dir, url, `${dir}/logs/*.log`), registry: reg, logger: silentLogger() });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await agent.start();
  await untilSent(reg, LINES);
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  report({
    bench: `agent_tail_ship_${target}`,
    files: FILES,
    lines: LINES,
    line_bytes: 200,
    pipeline: 'cri+labels',
    seconds: +secs.toFixed(2),
    lines_per_sec: Math.round(LINES / secs),
    mb_per_sec: +(bytes / 1e6 / secs).toFixed(1),
    cpu_seconds: +cpuSecs.toFixed(2),
    cpu_seconds_per_gb: +((cpuSecs / bytes) * 1e9).toFixed(1),
    mb_per_cpu_second: +(bytes / 1e6 / cpuSecs).toFixed(1),
    rss_mb: Math.round(process.memoryUsage().rss / 1e6),
    note: target === 'null' ? 'agent only (receiver acknowledges without storing)' : 'agent and Sightline Loki in one process',
  });
  if (loki) {
    // Latency: a line written now, until a query sees it.
    const f = join(dir, 'logs', 'c0.log');
    const lat: number[] = [];
    for (let k = 0; k < 5; k++) {
      const marker = `2026-12-05T10:00:00Z stdout F latency-marker-${k}`;
      const w = performance.now();
      appendFileSync(f, `${marker}\n`);
      for (;;) {
        const u = new URL(`${loki.base}/loki/api/v1/query_range`);
        u.searchParams.set('query', `{job="bench"} |= "latency-marker-${k}"`);
        u.searchParams.set('start', String(Date.UTC(2026, 11, 5) * 1e6));
        u.searchParams.set('limit', '1');
        const body = (await (await fetch(u)).json()) as { data: { result: unknown[] } };
        if (body.data.result.length > 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      lat.push(performance.now() - w);
    }
    lat.sort((a, b) => a - b);
    report({ bench: 'agent_write_to_queryable_ms', batchwait_ms: 1000, poll_ms: 250, p50: Math.round(lat[2]), max: Math.round(lat[4]) });
  }
  await agent.stop();
  await sink?.close();
  await loki?.stop();
}

async function idleFiles(n: number): Promise<void> {
  const dir = tempDir('agent-bench-idle-');
  writeFiles(join(dir, 'logs'), n, n * 10);
  const sink = await nullReceiver();
  const reg = new Registry();
  global.gc?.();
  const agent = new Agent({ config: config(dir, sink.url, `${dir}/logs/*.log`), registry: reg, logger: silentLogger() });
  await agent.start();
  await untilSent(reg, n * 10);
  await new Promise((r) => setTimeout(r, 2000));
  global.gc?.();
  const mu = process.memoryUsage();
  report({ bench: 'agent_rss_files_tailed', files: n, rss_mb: Math.round(mu.rss / 1e6), heap_used_mb: Math.round(mu.heapUsed / 1e6), heap_total_mb: Math.round(mu.heapTotal / 1e6), external_mb: Math.round(mu.external / 1e6), array_buffers_mb: Math.round(mu.arrayBuffers / 1e6), note: 'agent alone in a fresh process (plus tsx and a loopback receiver)' });
  await agent.stop();
  await sink.close();
}

if (process.env.AGENT_BENCH_MODE === 'idle') {
  await idleFiles(1000);
} else if (process.env.AGENT_BENCH_MODE === 'null') {
  // The agent's own throughput only (for profiling: node --cpu-prof --import tsx bench/agent.bench.ts).
  await throughput('null');
} else {
  // Memory of the agent alone, in a fresh process.
  spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', import.meta.filename], { stdio: 'inherit', env: { ...process.env, AGENT_BENCH_MODE: 'idle' } });
  await throughput('null');
  await throughput('loki');
}
