import { createServer, type Server } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, prometheusAvailable, startPrometheus, type PrometheusPeer } from './helpers/prometheus-peer.js';
import { spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

/**
 * Issue 4's sender acceptance, end to end with the real process: Sightline scrapes an app and remote-writes (from
 * its WAL) to a real Prometheus; the receiver is stopped for a while, Sightline is killed with SIGKILL and
 * restarted, the receiver comes back — and every sample Sightline holds is then in Prometheus.
 */
const available = prometheusAvailable();

describe.skipIf(!available)('remote write from the Sightline process to a real Prometheus', () => {
  let app: Server;
  let prom: PrometheusPeer | undefined;
  let s: SpawnedSightline | undefined;

  afterAll(async () => {
    s?.child.kill('SIGKILL');
    await prom?.stop();
    app?.close();
  });

  it('loses nothing across a receiver outage and a sender restart', async () => {
    let ticks = 0;
    app = createServer((_req, res) => {
      ticks++;
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      res.end(`# TYPE app_ticks_total counter\napp_ticks_total ${ticks}\n`);
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const appPort = (app.address() as { port: number }).port;

    const promDir = tempDir('sightline-prom-');
    const promPort = await freePort();
    prom = await startPrometheus(promDir, 'global:\n  scrape_interval: 1h\n', promPort);

    const dir = tempDir();
    mkdirSync(join(dir, 'data'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 500ms',
        '  scrape_timeout: 500ms',
        'scrape_configs:',
        '- job_name: app',
        '  static_configs:',
        `  - targets: ['127.0.0.1:${appPort}']`,
        'remote_write:',
        `- url: http://127.0.0.1:${promPort}/api/v1/write`,
        '  remote_timeout: 2s',
        '  queue_config:',
        '    max_samples_per_send: 100',
        '    batch_send_deadline: 200ms',
        '    min_backoff: 50ms',
        '    max_backoff: 500ms',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'sightline.yaml'), 'metrics:\n  listen_address: 127.0.0.1:0\n  scrape_self: false\nmimir:\n  listen_address: 127.0.0.1:0\nlogs:\n  listen_address: 127.0.0.1:0\ntraces:\n  listen_address: 127.0.0.1:0\n  zipkin: { listen_address: 127.0.0.1:0 }\n  jaeger: { listen_address: 127.0.0.1:0 }\notlp:\n  grpc_listen_address: 127.0.0.1:0\n  http_listen_address: 127.0.0.1:0\nui:\n  listen_address: 127.0.0.1:0\n  development_mode: true\nalertmanager:\n  listen_address: 127.0.0.1:0\n');
    const args = ['--config.file', join(dir, 'sightline.yaml'), '--prometheus.config', join(dir, 'prometheus.yml'), '--data-dir', join(dir, 'data')];
    s = spawnSightline(args);
    await startedPorts(s);

    const promCount = async () => Number((await prom!.query('count_over_time(app_ticks_total{job="app"}[1h])'))[0]?.value?.[1] ?? 0);
    await waitFor(async () => (await promCount()) >= 3, 20_000, 'first samples in Prometheus');

    // Receiver outage: Sightline keeps scraping into its WAL.
    await prom.stop();
    await new Promise((r) => setTimeout(r, 3000));
    // Sender restart, the hard way.
    s.child.kill('SIGKILL');
    await s.exited;
    s = spawnSightline(args);
    const ports = await startedPorts(s);
    await new Promise((r) => setTimeout(r, 1500));
    prom = await startPrometheus(promDir, 'global:\n  scrape_interval: 1h\n', promPort);

    // Every sample Sightline holds up to a cut-off must reach Prometheus, with the same timestamps and values.
    const cutoff = Date.now() / 1000;
    const rawFrom = async (base: string) => {
      const r = (await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent('app_ticks_total{job="app"}[1h]')}&time=${cutoff}`)).json()) as {
        data: { result: { values: [number, string][] }[] };
      };
      return r.data.result[0]?.values ?? [];
    };
    const ours = await rawFrom(`http://127.0.0.1:${ports.prometheus}`);
    expect(ours.length).toBeGreaterThan(8);
    await waitFor(async () => (await rawFrom(prom!.url)).length >= ours.length, 30_000, 'Prometheus to catch up');
    expect(await rawFrom(prom.url)).toEqual(ours);
  });
});
