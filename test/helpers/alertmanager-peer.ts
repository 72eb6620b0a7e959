import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { startAlertmanager, type AlertmanagerComponent } from '../../src/alertmanager/index.js';
import { sightlineConfigSchema } from '../../src/config/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../../src/server/index.js';
import { freePort, waitFor } from './process.js';

export function alertmanagerAvailable(): boolean {
  return spawnSync('prometheus-alertmanager', ['--version']).status === 0 && spawnSync('amtool', ['--version']).status === 0;
}

export interface RealAlertmanager {
  url: string;
  stop(): Promise<void>;
}

/** The real Alertmanager 0.25 on loopback with the given config file (and extra flags, e.g. `--web.timeout=1s`). */
export async function startRealAlertmanager(configFile: string, dataDir: string, extraArgs: string[] = []): Promise<RealAlertmanager & { pid: number }> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus-alertmanager',
    [`--config.file=${configFile}`, `--storage.path=${join(dataDir, 'real-am')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', `--web.external-url=http://am.example:9093`, ...extraArgs],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  // A peer that could not bind its port exits: then /-/ready could be answered by another test's Alertmanager.
  let exited = false;
  child.once('exit', () => (exited = true));
  await waitFor(
    async () => {
      if (exited) throw new Error(`prometheus-alertmanager exited (port ${port})`);
      return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok;
    },
    15_000,
    'real alertmanager ready',
  );
  if (exited) throw new Error(`prometheus-alertmanager exited (port ${port})`);
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Our Alertmanager in this process on a free port. */
export async function startOurAlertmanager(dataDir: string, am: Record<string, unknown>): Promise<AlertmanagerComponent & { url: string }> {
  const config = sightlineConfigSchema.parse({ alertmanager: { listen_address: '127.0.0.1:0', external_url: 'http://am.example:9093', ...am } });
  const c = await startAlertmanager({ config, dataDir, logger: silentLogger(), registry: createSelfMetricsRegistry() }, { initialBackoffMs: 50 });
  return Object.assign(c, { url: `http://127.0.0.1:${c.ports.alertmanager}` });
}

export interface ReceivedNotification {
  path: string;
  at: number;
  body: Record<string, unknown>;
  /** The request's Authorization header, if any. */
  authorization?: string;
  contentType?: string;
  /** The body as sent (`body` is it parsed as JSON, or `{}` when it is not JSON). */
  raw: string;
}

/** A loopback webhook receiver recording every POST; `failFor` paths answer 500. */
export async function startWebhookSink(): Promise<{ url: string; received: ReceivedNotification[]; failFor: Set<string>; close(): Promise<void> }> {
  const received: ReceivedNotification[] = [];
  const failFor = new Set<string>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (failFor.has(path)) {
        res.statusCode = 500;
        res.end('down');
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        // not JSON (Pushover sends its parameters in the query string)
      }
      received.push({ path, at: Date.now(), body, raw, authorization: req.headers.authorization, contentType: req.headers['content-type'] });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, received, failFor, close: () => new Promise<void>((r) => server.close(() => r())) };
}
