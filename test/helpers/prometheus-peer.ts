import { freePort } from './process.js';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether the Debian `prometheus` binary is installed; in CI its absence is a failure, not a skip. */
export function prometheusAvailable(): boolean {
  const found = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).status === 0;
  if (!found && process.env.CI === 'true') throw new Error('CI=true but the Debian package `prometheus` is not installed (needed by remote-write tests)');
  if (!found) console.warn('skipping: the `prometheus` binary is not installed (apt-get install prometheus)');
  return found;
}


export interface PrometheusPeer {
  pid: number;
  port: number;
  url: string;
  dir: string;
  stop(): Promise<void>;
  query(q: string, time?: number): Promise<{ metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[]>;
}

/**
 * Start a real Prometheus on loopback with `config` as prometheus.yml, its remote-write receiver on (the flags of
 * ../shared/peers/start.sh, repeated here so tests need only the Debian package), and wait until it is ready.
 */
export async function startPrometheus(dir: string, config: string, port?: number, extraFlags: string[] = []): Promise<PrometheusPeer> {
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const p = port ?? (await freePort());
  const log = openSync(join(dir, 'server.log'), 'a');
  const child = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${p}`,
      '--web.enable-remote-write-receiver',
      '--web.enable-lifecycle',
      ...extraFlags,
    ],
    { stdio: ['ignore', log, log], detached: false },
  );
  closeSync(log);
  const pid = child.pid!;
  let exited = false;
  child.on('exit', () => (exited = true));
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`prometheus exited; see ${join(dir, 'server.log')}`);
    try {
      if ((await fetch(`http://127.0.0.1:${p}/-/ready`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (i > 150) {
      child.kill('SIGKILL');
      throw new Error(`prometheus not ready after 15 s; see ${join(dir, 'server.log')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = `http://127.0.0.1:${p}`;
  return {
    pid,
    port: p,
    url,
    dir,
    async stop() {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    },
    async query(q: string, time?: number) {
      const params = new URLSearchParams({ query: q });
      if (time !== undefined) params.set('time', String(time / 1000));
      const res = await fetch(`${url}/api/v1/query?${params}`);
      const body = (await res.json()) as { status: string; data: { result: [] }; error?: string };
      if (body.status !== 'success') throw new Error(`prometheus query failed: ${body.error}`);
      return body.data.result;
    },
  };
}

export { freePort };
