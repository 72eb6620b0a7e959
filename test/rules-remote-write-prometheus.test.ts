import { createServer, type Server } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, prometheusAvailable, startPrometheus, type PrometheusPeer } from './helpers/prometheus-peer.js';
import { spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

/**
 * Recording-rule results and ALERTS go to the local TSDB and from its WAL through the ordinary `remote_write`
 * sender, as Prometheus ships them to Mimir: a real Prometheus 2.42 receiver ends up with them.
 */
const available = prometheusAvailable();

describe.skipIf(!available)('recording-rule results remote-written to a real Prometheus', () => {
  let app: Server;
  let prom: PrometheusPeer | undefined;
  let s: SpawnedSightline | undefined;

  afterAll(async () => {
    s?.child.kill('SIGKILL');
    await prom?.stop();
    app?.close();
  });

  it('the receiver gets the recorded series and ALERTS', async () => {
    app = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      res.end('# TYPE app_queue gauge\napp_queue{shard="a"} 3\napp_queue{shard="b"} 4\n');
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const appPort = (app.address() as { port: number }).port;
    const promDir = tempDir('sightline-prom-');
    const promPort = await freePort();
    prom = await startPrometheus(promDir, 'global:\n  scrape_interval: 1h\n', promPort);

    const dir = tempDir();
    mkdirSync(join(dir, 'data'));
    writeFileSync(
      join(dir, 'rules.yml'),
      'groups:\n- name: shipped\n  interval: 500ms\n  rules:\n  - record: job:app_queue:sum\n    expr: sum by (job) (app_queue)\n  - alert: QueueNotEmpty\n    expr: app_queue > 0\n',
    );
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 500ms',
        '  scrape_timeout: 500ms',
        'rule_files:',
        `- ${join(dir, 'rules.yml')}`,
        'scrape_configs:',
        '- job_name: app',
        '  static_configs:',
        `  - targets: ['127.0.0.1:${appPort}']`,
        'remote_write:',
        `- url: http://127.0.0.1:${promPort}/api/v1/write`,
        '  queue_config: { batch_send_deadline: 200ms }',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'sightline.yaml'), 'metrics:\n  listen_address: 127.0.0.1:0\n  scrape_self: false\n');
    s = spawnSightline(['--target', 'metrics', '--config.file', join(dir, 'sightline.yaml'), '--prometheus.config', join(dir, 'prometheus.yml'), '--data-dir', join(dir, 'data')]);
    await startedPorts(s);

    const rec = await waitFor(async () => {
      const r = await prom!.query('job:app_queue:sum');
      return r.length > 0 ? r : undefined;
    }, 30_000, 'recorded series in Prometheus');
    expect(rec[0].metric).toEqual({ __name__: 'job:app_queue:sum', job: 'app' });
    expect(rec[0].value?.[1]).toBe('7');
    const alerts = await waitFor(async () => {
      const r = await prom!.query('ALERTS{alertname="QueueNotEmpty"}');
      return r.length === 2 ? r : undefined;
    }, 30_000, 'ALERTS in Prometheus');
    expect(alerts.map((a) => a.metric.shard).sort()).toEqual(['a', 'b']);
  }, 60_000);
});
