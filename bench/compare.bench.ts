/**
 * `npm run bench -- compare`: the remote-write comparison of issue 21, side by side in one run. The same
 * pre-encoded requests (../shared/peers/rw-load.mjs: 10,000 series × 120 samples, batches of 5,000, 4 senders) go to
 * a real Prometheus 2.42, a real VictoriaMetrics 1.79, `sightline --target mimir` (`/api/v1/push`, limits raised
 * so nothing is refused) and `sightline --target all` (`/api/v1/write` on the Prometheus port, default config).
 * Each receiver starts fresh in an empty directory for every round; 3 rounds, the order rotated every round
 * (interleaved, so machine noise spreads over all); the load starts once the process logged 'Sightline started'
 * (in `--target all` the Prometheus port is ready before the other pillars are); samples/s and peak RSS (VmHWM of
 * the server process) per run, then medians and ratios; also the server's CPU seconds per million samples during the load (/proc/<pid>/stat),
 * which the load of other processes on the machine distorts far less than samples/s. Env: CMP_ROUNDS, CMP_ONLY
 * (comma-separated substrings of receiver names), CMP_BASELINE (directories of earlier builds to run beside this
 * one, comma-separated), CMP_FLAGS (sets of Node flags to run this build with beside its own, `;`-separated, e.g.
 * `CMP_FLAGS='--no-maglev;--maglev --no-lazy-feedback-allocation'`: each replaces the flags of `npm start`), RW_SERIES,
 * RW_SAMPLES, RW_BATCH, RW_CONCURRENCY.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { processCpuSeconds } from './process-cpu.js';
import { NODE_FLAGS, sightlineEntry } from './sightline-entry.js';
import { waitReady } from './wait-ready.js';

const ROOT = resolve(import.meta.dirname, '..');
const PEERS = existsSync(resolve(ROOT, '..', '..', 'shared', 'peers', 'rw-load.mjs')) ? resolve(ROOT, '..', '..', 'shared', 'peers') : '/work/shared/peers';
const LOAD = join(PEERS, 'rw-load.mjs');
const START = join(PEERS, 'start.sh');
const ROUNDS = Number(process.env.CMP_ROUNDS ?? 3);

interface Run {
  receiver: string;
  samples_per_s: number;
  failed: number;
  peak_rss_mb: number;
  /** CPU seconds (user + system, all threads) of the server process per million samples sent, during the load only. */
  cpu_s_per_m: number;
  first_error?: string;
}

function peakMB(pid: number): number {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(st)?.[1] ?? 0) / 1024);
}

/** Run the load against `url`; the server's CPU seconds per million samples (pid `pid`) are measured around it. */
function load(url: string, pid: number): { samples_per_s: number; failed: number; cpu_s_per_m: number; first_error?: string } {
  const env = process.env;
  const cpu0 = processCpuSeconds(pid);
  const out = execFileSync(
    process.execPath,
    [LOAD, '--url', url, '--series', env.RW_SERIES ?? '10000', '--samples', env.RW_SAMPLES ?? '120', '--batch', env.RW_BATCH ?? '5000', '--concurrency', env.RW_CONCURRENCY ?? '4'],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  const cpu = processCpuSeconds(pid) - cpu0;
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as { samples_per_s: number; failed: number; first_error?: string };
  const samples = Number(env.RW_SERIES ?? 10000) * Number(env.RW_SAMPLES ?? 120);
  return { ...r, cpu_s_per_m: +((cpu * 1e6) / samples).toFixed(3) };
}

function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => r(p));
    });
  });
}

/** The real Sightline process with `target`; `yaml(port)` its config, `path` the write endpoint, `ready` its probe. */
async function sightline(target: 'mimir' | 'all', entry = sightlineEntry, label = ''): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), `cmp-sightline-${target}-`));
  const port = await freePort();
  const yaml =
    target === 'mimir'
      ? [`mimir: { listen_address: "127.0.0.1:${port}" }`, 'remote:', '  limits: { ingestion_rate: 1000000000000, ingestion_burst_size: 1000000000000, max_global_series_per_user: 0 }', '']
      : [
          `metrics: { listen_address: "127.0.0.1:${port}", scrape_self: false }`,
          ...['mimir', 'logs', 'ui', 'alertmanager'].map((s) => `${s}: { listen_address: "127.0.0.1:0" }`),
          'traces: { listen_address: "127.0.0.1:0", zipkin: { listen_address: "127.0.0.1:0" }, jaeger: { listen_address: "127.0.0.1:0" } }',
          'otlp: { grpc_listen_address: "127.0.0.1:0", http_listen_address: "127.0.0.1:0" }',
          '',
        ];
  writeFileSync(join(dir, 'sightline.yaml'), yaml.join('\n'));
  const child = spawn(
    process.execPath,
    [...entry(), '--target', target, '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data'), '--log.level', 'info'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise((r) => child.on('exit', r));
  const started = untilStarted(child.stderr!);
  try {
    await waitReady(target === 'mimir' ? `http://127.0.0.1:${port}/ready` : `http://127.0.0.1:${port}/-/ready`);
    // The whole process, not only the write path's listener: in `--target all` the Prometheus port answers ready
    // while the other pillars still start, and that start-up's CPU is not the receiver's (the peers' ready is the
    // end of their start-up).
    await started;
    const r = load(`http://127.0.0.1:${port}${target === 'mimir' ? '/api/v1/push' : '/api/v1/write'}`, child.pid!);
    return { receiver: `sightline --target ${target}${label}`, ...r, peak_rss_mb: peakMB(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Resolves at the process's 'Sightline started' log line (every component started); lines at warn and above are
 * passed on to this process's stderr.
 */
function untilStarted(stderr: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    createInterface({ input: stderr })
      .on('line', (line) => {
        const rec = line.startsWith('{') ? (JSON.parse(line) as { level?: number; msg?: string }) : { level: 50 };
        if (rec.msg === 'Sightline started') resolve();
        if ((rec.level ?? 0) >= 40) process.stderr.write(line + '\n');
      })
      .on('close', () => reject(new Error('sightline ended before it started')));
  });
}

async function peer(name: 'prometheus' | 'victoria-metrics'): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), `cmp-${name}-`));
  const port = await freePort();
  const pid = Number(execFileSync('bash', [START, name, dir, String(port)], { encoding: 'utf8' }).trim());
  try {
    const r = load(`http://127.0.0.1:${port}/api/v1/write`, pid);
    return { receiver: name, ...r, peak_rss_mb: peakMB(pid) };
  } finally {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

// CMP_ONLY=mimir,all (substrings of the receiver names) runs only those receivers (before/after figures of one change).
const only = process.env.CMP_ONLY?.split(',').filter(Boolean);
// CMP_BASELINE=DIR[,DIR...]: also run each `DIR/dist/cli/main.js` (earlier builds) as "(DIR's name)", interleaved
// with this one.
const baselines = (process.env.CMP_BASELINE ?? '').split(',').filter(Boolean).map((d) => resolve(d));
const builds = baselines.map((dir) => ({ label: ` (${basename(dir)})`, entry: () => [...NODE_FLAGS, join(dir, 'dist/cli/main.js')] }));
// CMP_FLAGS='FLAGS[;FLAGS...]': also run this build with each set of Node flags instead of NODE_FLAGS, as "[FLAGS]".
for (const flags of (process.env.CMP_FLAGS ?? '').split(';').map((f) => f.trim()).filter(Boolean)) {
  builds.push({ label: ` [${flags}]`, entry: () => [...flags.split(/\s+/), ...sightlineEntry().slice(NODE_FLAGS.length)] });
}
const receivers = (
  [
    ['prometheus', () => peer('prometheus')],
    ['victoria-metrics', () => peer('victoria-metrics')],
    ['sightline --target mimir', () => sightline('mimir')],
    ['sightline --target all', () => sightline('all')],
    ...builds.flatMap(({ label, entry }) => [
      [`sightline --target mimir${label}`, () => sightline('mimir', entry, label)],
      [`sightline --target all${label}`, () => sightline('all', entry, label)],
    ]),
  ] as [string, () => Promise<Run>][]
).filter(([n]) => !only || only.some((o) => n.includes(o)));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const runs = new Map<string, Run[]>(receivers.map(([n]) => [n, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < receivers.length; k++) {
    const [name, run] = receivers[(k + round) % receivers.length];
    const r = await run();
    runs.get(name)!.push(r);
    console.log(JSON.stringify({ bench: 'compare', round: round + 1, ...r }));
  }
}
const med = new Map([...runs].map(([n, rs]) => [n, { samples_per_s: median(rs.map((r) => r.samples_per_s)), peak_rss_mb: median(rs.map((r) => r.peak_rss_mb)), cpu_s_per_m: median(rs.map((r) => r.cpu_s_per_m)), failed: Math.max(...rs.map((r) => r.failed)) }]));
for (const [n, m] of med) console.log(JSON.stringify({ bench: 'compare', median_of: ROUNDS, receiver: n, ...m }));
for (const ours of ['sightline --target mimir', 'sightline --target all']) {
  const o = med.get(ours);
  for (const p of ['prometheus', 'victoria-metrics']) {
    const q = med.get(p);
    if (!o || !q) continue;
    const ratio = (a: number, b: number) => +(a / b).toFixed(2);
    console.log(
      JSON.stringify({
        bench: 'compare',
        ratio: `${ours} / ${p}`,
        throughput: ratio(o.samples_per_s, q.samples_per_s),
        peak_rss: ratio(o.peak_rss_mb, q.peak_rss_mb),
        cpu_per_sample: ratio(o.cpu_s_per_m, q.cpu_s_per_m),
      }),
    );
  }
}
