/**
 * Real peer servers for the UI tests: a throw-away PostgreSQL cluster (Debian's `postgresql`) and a Prometheus
 * server (Debian's `prometheus`) on loopback. When the binary is missing the test fails under CI=true and is
 * skipped (with a message) elsewhere.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { tempDir, waitFor } from './helpers/process.js';

export function findBinary(name: string, extraDirs: string[] = []): string | undefined {
  for (const d of [...(process.env.PATH ?? '').split(':'), ...extraDirs]) {
    if (d && existsSync(join(d, name))) return join(d, name);
  }
  return undefined;
}

/** Whether a peer can run here; throws under CI=true when it cannot, so a missing package fails the build. */
export function requirePeer(what: string, available: boolean, pkg: string): boolean {
  if (available) return true;
  if (process.env.CI === 'true') throw new Error(`${what} is required under CI=true: install the Debian package "${pkg}"`);
  console.warn(`skipping ${what} tests: Debian package "${pkg}" is not installed`);
  return false;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const PG_DIRS = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'];
export const pgAvailable = () => findBinary('initdb', PG_DIRS) !== undefined && findBinary('pg_ctl', PG_DIRS) !== undefined;

export interface PostgresServer {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  stop(): Promise<void>;
}

/**
 * initdb + pg_ctl a fresh cluster in a temp dir, listening on 127.0.0.1 only with password (SCRAM) auth, and create
 * a `grafana` role and database as in the seed. As root the server runs as the `postgres` user (it refuses root).
 */
export async function startPostgres(): Promise<PostgresServer> {
  const initdb = findBinary('initdb', PG_DIRS)!;
  const pgCtl = findBinary('pg_ctl', PG_DIRS)!;
  const dir = tempDir('sightline-ui-pg-');
  const asRoot = process.getuid?.() === 0;
  const run = (bin: string, args: string[]) => {
    if (asRoot) return execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args], { stdio: 'pipe', cwd: dir });
    return execFileSync(bin, args, { stdio: 'pipe', cwd: dir });
  };
  const superPassword = 'super-' + Math.random().toString(36).slice(2);
  writeFileSync(join(dir, 'pw'), superPassword + '\n');
  if (asRoot) {
    chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
    execFileSync('chown', ['postgres', join(dir, 'pw')]);
  }
  run(initdb, ['-D', join(dir, 'data'), '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${join(dir, 'pw')}`, '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  run(pgCtl, ['-D', join(dir, 'data'), '-l', join(dir, 'server.log'), '-w', '-t', '30', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  const stop = async () => {
    try {
      run(pgCtl, ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']);
    } catch {
      /* already stopped */
    }
  };
  try {
    const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: superPassword, database: 'postgres' });
    await admin.connect();
    await admin.query(`CREATE ROLE grafana LOGIN PASSWORD 'grafana123'`);
    await admin.query(`CREATE DATABASE grafana OWNER grafana`);
    await admin.end();
  } catch (e) {
    await stop();
    throw e;
  }
  return { host: '127.0.0.1', port, database: 'grafana', user: 'grafana', password: 'grafana123', stop };
}

export const prometheusAvailable = () => findBinary('prometheus') !== undefined;

export interface PrometheusServer {
  url: string;
  stop(): Promise<void>;
}

/** A real Prometheus scraping itself every second, so it has series to query. */
export async function startPrometheus(): Promise<PrometheusServer> {
  const dir = tempDir('sightline-ui-prom-');
  const port = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`,
  );
  const child: ChildProcess = spawn(findBinary('prometheus')!, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(async () => (await fetch(`${url}/-/ready`)).ok, 15_000, 'Prometheus to be ready');
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, stop };
}
