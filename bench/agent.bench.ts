/**
 * Log agent benchmarks, as the goal states them (figures as JSON lines): the agent in its own process
 * (`sightline --target agent --promtail.config promtail.yaml`, the built dist/cli/main.js as `npm start` runs it)
 * shipping to Sightline's Loki in another process (`sightline --target logs`). Both processes' CPU time and memory
 * are read from /proc, so the figures are the agent's alone even on a loaded machine:
 *  - tail + ship: AGENT_BENCH_FILES files (default 100) of 200-byte CRI lines, AGENT_BENCH_LINES in all (default
 *    1,000,000 = 200 MB), pipeline `cri` + `labels`. The files are written beforehand and renamed into the watched
 *    directory once the agent is idle, so start-up is not counted. Reported: agent CPU seconds per GB and MB per
 *    agent CPU second (= MB/s on one core), wall MB/s and lines/s (bounded by Loki and the machine's load), agent
 *    peak RSS (VmHWM);
 *    The same run once more with a pipeline that makes every line a string entry (`path: entries`), for comparison;
 *  - latency from a write to the line being queryable in Loki (batchwait 1s, Promtail's default);
 *  - resident memory of an agent tailing 1000 files, 3 s and 15 s after they were all shipped.
 * The agent is started as the `sightline` command starts it: through bin/sightline, the launcher that gives node
 * the agent's start-up flags (sightlineCommand()).
 * AGENT_BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") runs the agent's node directly with these
 * arguments after `npm start`'s flags instead (profiling; the launcher's agent flags are not added then);
 * AGENT_BENCH_STDOUT names a file that receives the agent's stdout (e.g. with "--trace-gc").
 * AGENT_BENCH_AGENT_MAIN runs the agent from another build's main.js (e.g. a copy of dist/ from an earlier commit),
 * through that copy's bin/sightline where it has one, so before/after figures can be taken interleaved in one
 * session; Loki always runs from this build.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { tempDir } from '../test/helpers/process.js';
import { NODE_FLAGS, sightlineCommand, sightlineEntry } from './sightline-entry.js';

const FILES = Number(process.env.AGENT_BENCH_FILES ?? 100);
const LINES = Number(process.env.AGENT_BENCH_LINES ?? 1_000_000);
const IDLE_FILES = Number(process.env.AGENT_BENCH_IDLE_FILES ?? 1000);
const AGENT_NODE_ARGS = (process.env.AGENT_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const CLK_TCK = 100;
const report = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function criLine(i: number): string {
  const head = `2026-12-05T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i % 1_000_000_000).padStart(9, '0')}Z stdout F `;
  const body = `level=info caller=server.go:${100 + (i % 400)} msg="request served" path=/api/v1/items/${i % 9973} status=200 req=`;
  return (head + body + 'abcdef0123456789'.repeat(8)).slice(0, 199);
}

/** `files` files of CRI lines (`lines` in all, 200 bytes each with the newline); returns each file's size. */
function writeFiles(dir: string, files: number, lines: number): number[] {
  mkdirSync(dir, { recursive: true });
  const sizes: number[] = [];
  const per = Math.ceil(lines / files);
  for (let f = 0; f < files; f++) {
    const parts: string[] = [];
    for (let i = 0; i < per && f * per + i < lines; i++) parts.push(criLine(f * per + i));
    const text = parts.join('\n') + '\n';
    sizes.push(Buffer.byteLength(text));
    writeFileSync(join(dir, `c${f}.log`), text);
  }
  return sizes;
}

/** CPU seconds (user + system) and resident memory of a process, from /proc. */
function procStats(pid: number): { cpu: number; rssMB: number; peakMB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name.
  const cpu = (Number(f[11]) + Number(f[12])) / CLK_TCK;
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0);
  return { cpu, rssMB: Math.round(kb('VmRSS') / 1024), peakMB: Math.round(kb('VmHWM') / 1024) };
}

interface Proc {
  child: ChildProcess;
  ports: Record<string, number>;
  stop(): Promise<void>;
}

/** `command` is a launcher and its arguments (sightlineCommand()); else node runs main.js with npm start's flags. */
async function startSightline(args: string[], nodeArgs: string[] = [], stdoutFile?: string, main?: string, command?: string[]): Promise<Proc> {
  const out = stdoutFile ? openSync(stdoutFile, 'a') : 'ignore';
  const entry = main === undefined ? sightlineEntry() : [...NODE_FLAGS, main];
  const [file, ...argv] = command ?? [process.execPath, ...nodeArgs, ...entry];
  const child = spawn(file, [...argv, ...args], { stdio: ['ignore', out, 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  for (let i = 0; ; i++) {
    for (const line of err.split('\n')) {
      if (!line.startsWith('{')) continue;
      const rec = JSON.parse(line) as { msg?: string; ports?: Record<string, number> };
      if (rec.msg === 'Sightline started' && rec.ports) {
        return {
          child,
          ports: rec.ports,
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        };
      }
    }
    if (i > 600 || child.exitCode !== null) throw new Error(`sightline ${args.join(' ')} did not start: ${err.slice(-2000)}`);
    await sleep(100);
  }
}

async function startLoki(dir: string): Promise<Proc> {
  const cfg = join(dir, 'sightline.yaml');
  writeFileSync(cfg, 'logs: { listen_address: 127.0.0.1:0, limits: { ingestion_rate_mb: 4096, ingestion_burst_size_mb: 4096 } }\nserver: { log_level: info }\n');
  return startSightline(['--target', 'logs', '--config.file', cfg, '--data-dir', join(dir, 'loki-data')], ['--max-old-space-size=8192']);
}

/**
 * The pipeline: `cri` + `labels`, which runs on lines as bytes; `entries` adds a stage that changes nothing but
 * has no byte form (`labeldrop` of an absent label), so every line becomes a string entry — the path any other
 * pipeline takes, measured beside the byte path in the same run.
 */
const PIPELINES = {
  bytes: '[{cri: {}}, {labels: {stream: }}]',
  entries: '[{cri: {}}, {labels: {stream: }}, {labeldrop: [__bench_absent__]}]',
};

async function startAgent(dir: string, lokiPort: number, glob: string, pipeline: keyof typeof PIPELINES = 'bytes'): Promise<Proc> {
  const file = join(dir, 'promtail.yaml');
  writeFileSync(
    file,
    `server: {http_listen_address: 127.0.0.1, http_listen_port: 0, log_level: warn}
positions: {filename: ${join(dir, 'positions.yaml')}}
clients: [{url: "http://127.0.0.1:${lokiPort}/loki/api/v1/push", batchwait: 1s, batchsize: 1048576}]
target_config: {sync_period: 500ms}
scrape_configs:
  - job_name: bench
    pipeline_stages: ${PIPELINES[pipeline]}
    static_configs: [{labels: {job: bench, __path__: "${glob}"}}]
`,
  );
  const main = process.env.AGENT_BENCH_AGENT_MAIN;
  const command = AGENT_NODE_ARGS.length > 0 ? undefined : sightlineCommand(main);
  return startSightline(['--target', 'agent', '--promtail.config', file, '--data-dir', join(dir, 'agent-data')], AGENT_NODE_ARGS, process.env.AGENT_BENCH_STDOUT, main, command);
}

/**
 * Bytes acknowledged per file, from the agent's positions file (written only after Loki acknowledged): watching it
 * costs the agent nothing, where polling its /metrics would (prom-client's default metrics on every scrape).
 */
function acknowledged(positionsFile: string): Map<string, number> {
  const out = new Map<string, number>();
  let text: string;
  try {
    text = readFileSync(positionsFile, 'utf8');
  } catch {
    return out;
  }
  for (const m of text.matchAll(/^\s+"?([^":]+)"?: "?(\d+)"?$/gm)) out.set(m[1], Number(m[2]));
  return out;
}

async function untilAcknowledged(positionsFile: string, dir: string, files: number, bytesPerFile: (f: number) => number, timeoutMs = 900_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pos = acknowledged(positionsFile);
    let done = 0;
    for (let f = 0; f < files; f++) if (pos.get(join(dir, `c${f}.log`)) === bytesPerFile(f)) done++;
    if (done === files) return;
    if (Date.now() > deadline) throw new Error(`only ${done} of ${files} files acknowledged`);
    await sleep(20);
  }
}

async function queryable(lokiPort: number, marker: string): Promise<boolean> {
  const u = new URL(`http://127.0.0.1:${lokiPort}/loki/api/v1/query_range`);
  u.searchParams.set('query', `{job="bench"} |= "${marker}"`);
  u.searchParams.set('start', String(Date.UTC(2026, 11, 5) * 1e6));
  u.searchParams.set('limit', '1');
  const body = (await (await fetch(u)).json()) as { data: { result: unknown[] } };
  return body.data.result.length > 0;
}

async function throughput(pipeline: keyof typeof PIPELINES): Promise<void> {
  const dir = tempDir('agent-bench-');
  const staging = join(dir, 'staging');
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const sizes = writeFiles(staging, FILES, LINES);
  const bytes = sizes.reduce((a, b) => a + b, 0);
  const loki = await startLoki(dir);
  const agent = await startAgent(dir, loki.ports.loki, `${logs}/*.log`, pipeline);
  try {
    await sleep(1000);
    const a0 = procStats(agent.child.pid!);
    const l0 = procStats(loki.child.pid!);
    const load0 = loadavg()[0];
    const t0 = performance.now();
    for (let f = 0; f < FILES; f++) renameSync(join(staging, `c${f}.log`), join(logs, `c${f}.log`));
    let peak = a0.peakMB;
    const sampler = setInterval(() => (peak = Math.max(peak, procStats(agent.child.pid!).peakMB)), 200);
    await untilAcknowledged(join(dir, 'positions.yaml'), logs, FILES, (f) => sizes[f]);
    clearInterval(sampler);
    const secs = (performance.now() - t0) / 1000;
    const a1 = procStats(agent.child.pid!);
    const l1 = procStats(loki.child.pid!);
    const agentCpu = a1.cpu - a0.cpu;
    report({
      bench: 'agent_tail_ship_loki',
      path: pipeline,
      files: FILES,
      lines: LINES,
      line_bytes: 200,
      mb: +(bytes / 1e6).toFixed(1),
      pipeline: 'cri+labels',
      agent_cpu_seconds: +agentCpu.toFixed(2),
      agent_cpu_seconds_per_gb: +((agentCpu / bytes) * 1e9).toFixed(2),
      agent_mb_per_cpu_second: +(bytes / 1e6 / agentCpu).toFixed(1),
      wall_seconds: +secs.toFixed(2),
      wall_mb_per_sec: +(bytes / 1e6 / secs).toFixed(1),
      wall_lines_per_sec: Math.round(LINES / secs),
      agent_rss_mb_idle_before: a0.rssMB,
      agent_rss_mb_after: a1.rssMB,
      agent_peak_rss_mb: Math.max(peak, a1.peakMB),
      loki_cpu_seconds: +(l1.cpu - l0.cpu).toFixed(2),
      loki_rss_mb: l1.rssMB,
      load_average_1m: [+load0.toFixed(2), +loadavg()[0].toFixed(2)],
      note: 'agent (sightline --target agent) and Loki (sightline --target logs) in separate processes; CPU from /proc',
    });
    if (pipeline !== 'bytes') return;
    // Latency: a line appended now, until a query in Loki sees it.
    const lat: number[] = [];
    for (let k = 0; k < 5; k++) {
      const marker = `latency-marker-${k}`;
      const w = performance.now();
      appendFileSync(join(logs, 'c0.log'), `2026-12-05T10:00:00Z stdout F ${marker}\n`);
      while (!(await queryable(loki.ports.loki, marker))) await sleep(10);
      lat.push(performance.now() - w);
    }
    lat.sort((a, b) => a - b);
    report({ bench: 'agent_write_to_queryable_ms', batchwait_ms: 1000, poll_ms: 250, query_poll_ms: 10, p50: Math.round(lat[2]), max: Math.round(lat[4]) });
  } finally {
    await agent.stop();
    await loki.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function idleFiles(n: number): Promise<void> {
  const dir = tempDir('agent-bench-idle-');
  const logs = join(dir, 'logs');
  const sizes = writeFiles(logs, n, n * 10);
  const loki = await startLoki(dir);
  const agent = await startAgent(dir, loki.ports.loki, `${logs}/*.log`);
  try {
    await untilAcknowledged(join(dir, 'positions.yaml'), logs, n, (f) => sizes[f]);
    await sleep(3000);
    const s = procStats(agent.child.pid!);
    // And once it idled a while (the agent compacts its heap once it idles after a burst: docs/agent.md).
    await sleep(12_000);
    const settled = procStats(agent.child.pid!);
    report({ bench: 'agent_rss_files_tailed', files: n, rss_mb: s.rssMB, rss_mb_15s: settled.rssMB, peak_rss_mb: settled.peakMB, note: 'sightline --target agent in its own process, every file read and shipped, then idle-tailed (RSS 3 s and 15 s after the last acknowledgement); from /proc' });
  } finally {
    await agent.stop();
    await loki.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.AGENT_BENCH_MODE !== 'idle') {
  await throughput('bytes');
  if (process.env.AGENT_BENCH_MODE !== 'throughput') await throughput('entries');
}
if (process.env.AGENT_BENCH_MODE !== 'throughput') await idleFiles(IDLE_FILES);
