import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

export function tempDir(prefix = 'sightline-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface SpawnedSightline {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** sightline.yaml lines putting every store and receiver listener of `--target all` on port 0 (add `alertmanager`, `ui`). */
export const STORES_ON_PORT_0 = [
  'metrics: { listen_address: 127.0.0.1:0, scrape_self: false }',
  'logs: { listen_address: 127.0.0.1:0 }',
  'mimir: { listen_address: 127.0.0.1:0 }',
  'traces: { listen_address: 127.0.0.1:0, zipkin: { listen_address: 127.0.0.1:0 }, jaeger: { listen_address: 127.0.0.1:0 } }',
  'otlp: { grpc_listen_address: 127.0.0.1:0, http_listen_address: 127.0.0.1:0 }',
];

/** Run the CLI from source (no build needed) as a separate process. */
export function spawnSightline(args: string[], env: NodeJS.ProcessEnv = {}): SpawnedSightline {
  // SIGHTLINE_CHILD_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the child in benches.
  const nodeArgs = (process.env.SIGHTLINE_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) =>
    child.on('exit', (code, signal) => {
      // A child that ended by itself with a failure or a signal: its last words go to the test log (a crash seen
      // only in CI is otherwise a bare "fetch failed" in the test that talked to it next).
      if (!child.killed && (signal !== null || (code !== null && code !== 0))) process.stderr.write(`[sightline child ${child.pid} exited: code ${code}, signal ${signal}]\n${err.slice(-4000)}\n`);
      res(code);
    }),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Poll `fn` until it returns a truthy value or the timeout passes. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ''}`);
}

/** A sample's value in a Prometheus text exposition (`name` a regex: escape a label set's braces); NaN when absent. */
export function sampleValue(exposition: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(exposition)?.[1] ?? NaN);
}

/** A sample's value on the `/metrics` of the server at `base`; NaN when absent. */
export async function metricValue(base: string, name: string): Promise<number> {
  return sampleValue(await (await fetch(`${base}/metrics`)).text(), name);
}

/** Find the port a spawned Sightline bound for a listener, from its JSON "Sightline started" log line. */
export async function startedPorts(s: SpawnedSightline, timeoutMs = 20_000): Promise<Record<string, number>> {
  return waitFor(
    () => {
      for (const line of s.stderr().split('\n')) {
        if (!line.startsWith('{')) continue;
        const rec = JSON.parse(line) as { msg?: string; ports?: Record<string, number> };
        if (rec.msg === 'Sightline started' && rec.ports) return rec.ports;
      }
      return undefined;
    },
    timeoutMs,
    'Sightline to start',
  );
}

/** Whether a TCP port on 127.0.0.1 can be bound right now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

// Ports handed out by freePort come from a block of its own for each vitest worker, below the kernel's ephemeral
// range (32768-60999), and each call moves on to the next port: a port the kernel picked for `listen(0)` could be
// handed to a test file in another worker in the moment between our check and the peer's own bind (two files did
// get one port, and each talked to the other's Alertmanager).
const PORT_BLOCK = 700;
const PORT_BASE = 20_000 + (Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? 0) % 16) * PORT_BLOCK;
let nextPort = Math.floor(Math.random() * PORT_BLOCK);

/** A TCP port on 127.0.0.1 that was free a moment ago and that no other test worker is given (for peers that cannot bind port 0 and report it). */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < PORT_BLOCK; tries++) {
    const port = PORT_BASE + (nextPort++ % PORT_BLOCK);
    if (await canBind(port)) return port;
  }
  throw new Error(`no free port in ${PORT_BASE}-${PORT_BASE + PORT_BLOCK - 1}`);
}

/**
 * Start Sightline with `<dir>/prometheus.yml` (written by the caller), every listener on an ephemeral loopback port
 * and no self-scrape; resolves with the process and the Prometheus API base URL.
 */
export async function spawnWithPrometheusConfig(dir: string): Promise<{ s: SpawnedSightline; base: string }> {
  writeFileSync(
    join(dir, 'sightline.yaml'),
    'metrics:\n  listen_address: 127.0.0.1:0\n  scrape_self: false\nmimir:\n  listen_address: 127.0.0.1:0\nlogs:\n  listen_address: 127.0.0.1:0\ntraces:\n  listen_address: 127.0.0.1:0\n  zipkin: { listen_address: 127.0.0.1:0 }\n  jaeger: { listen_address: 127.0.0.1:0 }\notlp:\n  grpc_listen_address: 127.0.0.1:0\n  http_listen_address: 127.0.0.1:0\nui:\n  listen_address: 127.0.0.1:0\n  development_mode: true\nalertmanager:\n  listen_address: 127.0.0.1:0\n',
  );
  const s = spawnSightline(['--config.file', join(dir, 'sightline.yaml'), '--prometheus.config', join(dir, 'prometheus.yml'), '--data-dir', join(dir, 'data')]);
  return { s, base: `http://127.0.0.1:${(await startedPorts(s, 45_000)).prometheus}` };
}
