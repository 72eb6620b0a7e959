/**
 * Remote-write ingestion: throughput (samples/s) and resident memory for 10,000 series × 120 samples, batches of
 * 5,000, 4 concurrent senders — our receiver side by side with a real Prometheus and VictoriaMetrics receiving the
 * same pre-encoded requests from ../shared/peers/rw-load.mjs (run as an external tool), and the ratios.
 *
 * Our receiver is the real process, `sightline --target mimir`: the Mimir write path with its limits, the write-ahead
 * log (every request is durable before the 2xx) and the tenant's TSDB head.
 *
 *   npm run bench remote-write          (env RW_SERIES, RW_SAMPLES, RW_BATCH, RW_CONCURRENCY to change the load;
 *                                        RW_PART=receiver|sender for one half)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Labels as LabelsImpl } from '../src/model/index.js';
import { compressSnappyBody, decodeWriteRequestV1, decompressSnappyBody, encodeWriteRequestV1 } from '../src/metrics/remote/codec/index.js';
import { RemoteWriteSender, remoteWriteConfigSchema } from '../src/metrics/remote/sender/index.js';
import { createSelfMetricsRegistry } from '../src/server/index.js';
import { WalMetricsReader, WalMetricsStore } from '../test/helpers/wal-metrics.js';
import { sightlineEntry } from './sightline-entry.js';

const ROOT = resolve(import.meta.dirname, '..');
const PEERS = resolve(ROOT, '..', '..', 'shared', 'peers');
const LOAD = existsSync(join(PEERS, 'rw-load.mjs')) ? join(PEERS, 'rw-load.mjs') : '/work/shared/peers/rw-load.mjs';
const START = join(LOAD, '..', 'start.sh');

function rssOf(pid: number): { rssMB: number; peakMB: number } {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0);
  return { rssMB: Math.round(kb('VmRSS') / 1024), peakMB: Math.round(kb('VmHWM') / 1024) };
}

function load(url: string): { samples_per_s: number; samples: number; failed: number; seconds: number; first_error?: string } {
  const env = process.env;
  const out = execFileSync(
    process.execPath,
    [LOAD, '--url', url, '--series', env.RW_SERIES ?? '10000', '--samples', env.RW_SAMPLES ?? '120', '--batch', env.RW_BATCH ?? '5000', '--concurrency', env.RW_CONCURRENCY ?? '4'],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => r(p));
    });
  });
}

/** The real thing: `sightline --target mimir` as its own process (receiver, limits, WAL, per-tenant TSDB head). */
async function ours(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'rw-bench-ours-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'sightline.yaml'),
    [
      `mimir: { listen_address: "127.0.0.1:${port}" }`,
      'remote:',
      '  limits: { ingestion_rate: 1000000000000, ingestion_burst_size: 1000000000000, max_global_series_per_user: 0 }',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    process.execPath,
    ['--max-old-space-size=8192', ...sightlineEntry(), '--target', 'mimir', '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data'), '--log.level', 'warn'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) break;
    } catch {
      /* starting */
    }
    if (i > 300) throw new Error('sightline did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    const idle = rssOf(child.pid!);
    const r = load(`http://127.0.0.1:${port}/api/v1/push`);
    return { receiver: 'sightline --target mimir (WAL + TSDB head)', ...r, idle_rss_mb: idle.rssMB, ...rssOf(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function peer(name: 'prometheus' | 'victoria-metrics'): Promise<Record<string, unknown> | undefined> {
  if (!existsSync(START)) return undefined;
  const dir = mkdtempSync(join(tmpdir(), `rw-bench-${name}-`));
  const port = await freePort();
  let pid: number;
  try {
    pid = Number(execFileSync('bash', [START, name, dir, String(port)], { encoding: 'utf8' }).trim());
  } catch (e) {
    console.error(`${name}: not available (${(e as Error).message.split('\n')[0]})`);
    return undefined;
  }
  try {
    const idle = rssOf(pid);
    const r = load(`http://127.0.0.1:${port}/api/v1/write`);
    return { receiver: name, ...r, idle_rss_mb: idle.rssMB, ...rssOf(pid) };
  } finally {
    process.kill(pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The codec alone, in this process: snappy + protobuf decode of requests shaped like rw-load's (500 series × 10). */
function decoderOnly(): Record<string, unknown> {
  const series = 500;
  const per = 10;
  const labels = Array.from({ length: series }, (_, i) =>
    LabelsImpl.fromObject({ __name__: `bench_metric_${i % 20}`, instance: `host${i % 100}`, job: 'bench', series: String(i) }),
  );
  const sampleEnd = Array.from({ length: series }, (_, i) => (i + 1) * per);
  const t = Float64Array.from({ length: series * per }, (_, j) => 1_700_000_000_000 + (j % per) * 10_000);
  const v = Float64Array.from({ length: series * per }, (_, j) => j);
  const body = compressSnappyBody(encodeWriteRequestV1({ seriesCount: series, labels, sampleEnd, t, v }));
  const requests = 240;
  for (let i = 0; i < 20; i++) decodeWriteRequestV1(decompressSnappyBody(body));
  const t0 = performance.now();
  let n = 0;
  for (let i = 0; i < requests; i++) n += decodeWriteRequestV1(decompressSnappyBody(body)).sampleCount;
  const secs = (performance.now() - t0) / 1000;
  return { receiver: 'sightline codec only (snappy + protobuf decode, in-process)', samples: n, seconds: +secs.toFixed(3), samples_per_s: Math.round(n / secs) };
}

/** Our sender (Prometheus's default queue_config) draining a WAL of 10,000 series × 120 samples into a peer. */
async function senderTo(name: 'prometheus' | 'victoria-metrics'): Promise<Record<string, unknown> | undefined> {
  if (!existsSync(START)) return undefined;
  const series = Number(process.env.RW_SERIES ?? 10_000);
  const samples = Number(process.env.RW_SAMPLES ?? 120);
  const dir = mkdtempSync(join(tmpdir(), `rw-bench-sender-${name}-`));
  const wal = new WalMetricsStore(join(dir, 'wal'));
  const labels = Array.from({ length: series }, (_, i) => LabelsImpl.fromObject({ __name__: `bench_metric_${i % 20}`, instance: `host${i % 100}`, job: 'bench', series: String(i) }));
  const start = Date.now() - 60_000 - (samples - 1) * 10_000;
  for (let k = 0; k < samples; k++) {
    const app = wal.appender();
    for (let i = 0; i < series; i++) app.append(i + 1, labels[i], start + k * 10_000, i + k);
    if (k === 0) {
      // First commit must carry the series records: append through labels (ref 0) once.
      app.rollback();
      const first = wal.appender();
      for (let i = 0; i < series; i++) first.append(0, labels[i], start, i);
      await first.commit();
      continue;
    }
    await app.commit();
  }
  wal.close();
  const port = await freePort();
  const peerDir = join(dir, 'peer');
  let pid: number;
  try {
    pid = Number(execFileSync('bash', [START, name, peerDir, String(port)], { encoding: 'utf8' }).trim());
  } catch {
    return undefined;
  }
  const registry = createSelfMetricsRegistry();
  const t0 = performance.now();
  const sender = new RemoteWriteSender({
    config: remoteWriteConfigSchema.parse({ url: `http://127.0.0.1:${port}/api/v1/write`, name: 'bench' }),
    openReader: (from) => new WalMetricsReader(join(dir, 'wal'), from),
    positionFile: join(dir, 'progress.json'),
    registry,
  }).start();
  const total = series * samples;
  const sent = async () => ((await registry.getSingleMetric('prometheus_remote_storage_samples_total')?.get())?.values ?? []).reduce((a, v) => a + v.value, 0);
  while ((await sent()) < total) await new Promise((r) => setTimeout(r, 50));
  const secs = (performance.now() - t0) / 1000;
  const shards = (await registry.getSingleMetric('prometheus_remote_storage_shards')?.get())?.values[0]?.value;
  await sender.stop();
  process.kill(pid, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
  return { sender: 'sightline', to: name, samples: total, seconds: +secs.toFixed(3), samples_per_s: Math.round(total / secs), final_shards: shards };
}

{
  const part = process.env.RW_PART ?? 'all'; // all | receiver | sender
  const results = part === 'sender' ? [] : [await ours(), await peer('prometheus'), await peer('victoria-metrics')].filter((r) => r !== undefined);
  for (const r of results) console.log(JSON.stringify({ bench: 'remote-write', ...r }));
  if (part !== 'sender') console.log(JSON.stringify({ bench: 'remote-write', ...decoderOnly() }));
  for (const peerName of part === 'receiver' ? [] : (['prometheus', 'victoria-metrics'] as const)) {
    const r = await senderTo(peerName);
    if (r) console.log(JSON.stringify({ bench: 'remote-write', ...r }));
  }
  const base = results[0] as { samples_per_s: number; peakMB: number };
  for (const r of results.slice(1) as { receiver: string; samples_per_s: number; peakMB: number }[]) {
    console.log(
      JSON.stringify({
        bench: 'remote-write',
        ratio_vs: r.receiver,
        throughput_ratio: +(base.samples_per_s / r.samples_per_s).toFixed(2),
        peak_rss_ratio: +(base.peakMB / r.peakMB).toFixed(2),
      }),
    );
  }
}
