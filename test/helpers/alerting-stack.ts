/**
 * A one-process Sightline for Grafana-managed alerting tests: Prometheus scrapes an instrumented app (prom-client)
 * every second, the built-in Alertmanager routes with 1s group timings, and a loopback webhook records what it gets.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Gauge, Registry } from 'prom-client';
import { STORES_ON_PORT_0, spawnSightline, startedPorts, tempDir, type SpawnedSightline } from './process.js';

export interface WebhookMessage {
  receiver: string;
  status: string;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string>; generatorURL: string }[];
  commonLabels: Record<string, string>;
}

async function listenLoopback(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** The instrumented app: `/metrics` of its own registry with the gauge `checkout_queue_depth`. */
export async function startInstrumentedApp(): Promise<{ port: number; queueDepth: Gauge; close: () => Promise<void> }> {
  const registry = new Registry();
  const queueDepth = new Gauge({ name: 'checkout_queue_depth', help: 'Orders waiting in the checkout queue.', registers: [registry] });
  queueDepth.set(0);
  const server = createServer((req, res) => {
    void registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
  });
  const port = await listenLoopback(server);
  return { port, queueDepth, close: () => new Promise((r) => server.close(() => r())) };
}

/** A webhook receiver on loopback that keeps every message. */
export async function startWebhook(): Promise<{ url: string; messages: WebhookMessage[]; close: () => Promise<void> }> {
  const messages: WebhookMessage[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      messages.push(JSON.parse(body) as WebhookMessage);
      res.writeHead(200).end('ok');
    });
  });
  const port = await listenLoopback(server);
  return { url: `http://127.0.0.1:${port}/hook`, messages, close: () => new Promise((r) => server.close(() => r())) };
}

/** `sightline --target all` scraping `appPort` every second; `extraUi` adds keys to the `ui` section. */
export async function startAlertingStack(appPort: number, adminPassword: string, extraUi = '', provisioningPath?: string, dir = tempDir()): Promise<{ sightline: SpawnedSightline; ports: Record<string, number> }> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'prometheus.yml'), `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: checkout\n    static_configs: [{ targets: ['127.0.0.1:${appPort}'] }]\n`);
  writeFileSync(
    join(dir, 'sightline.yaml'),
    [
      ...STORES_ON_PORT_0.map((l) => (l.startsWith('metrics:') ? `metrics: { listen_address: 127.0.0.1:0, scrape_self: false, prometheus_config_file: ${JSON.stringify(join(dir, 'prometheus.yml'))} }` : l)),
      'alertmanager:',
      '  listen_address: 127.0.0.1:0',
      '  config: { route: { receiver: default, group_wait: 1s, group_interval: 1s, repeat_interval: 1h }, receivers: [{ name: default }] }',
      `ui: { listen_address: 127.0.0.1:0${extraUi}${provisioningPath ? `, provisioning_path: ${JSON.stringify(provisioningPath)}` : ''} }`,
      '',
    ].join('\n'),
  );
  const sightline = spawnSightline(['--target', 'all', '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')], { GF_SECURITY_ADMIN_PASSWORD: adminPassword });
  const ports = await startedPorts(sightline, 40_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${sightline.stderr()}`);
  });
  return { sightline, ports };
}
