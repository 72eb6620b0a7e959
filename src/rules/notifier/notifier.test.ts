import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusConfig } from '../../metrics/promconfig/index.js';
import { Labels } from '../../model/index.js';
import { Registry, silentLogger } from '../../server/index.js';
import { tempDir } from '../../../test/helpers/process.js';
import { MAX_BATCH_SIZE, Notifier, type NotifierAlert } from './notifier.js';

interface Post {
  path: string;
  auth: string;
  alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string>; startsAt?: string; endsAt?: string; generatorURL?: string }>;
}

const until = async (f: () => boolean | Promise<boolean>, ms = 8000) => {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

const alert = (i: number, extra: Record<string, string> = {}): NotifierAlert => ({
  labels: Labels.fromObject({ alertname: `A${i}`, ...extra }),
  annotations: Labels.fromObject({ summary: `s${i}` }),
  startsAt: Date.UTC(2026, 0, 1),
  endsAt: Date.UTC(2026, 0, 1, 0, 4),
  generatorURL: 'http://prom:9090/graph?g0.expr=up&g0.tab=1',
});

/**
 * The notifier against an Alertmanager API on loopback: discovered through `file_sd_configs`, posted under
 * `path_prefix` + `/api/v2/alerts` with basic auth, external labels added where missing, `alert_relabel_configs`
 * applied (global and per Alertmanager set), batches of 64, and Prometheus's `prometheus_notifications_*` figures.
 */
describe('notifier', () => {
  let server: Server;
  let port = 0;
  const posts: Post[] = [];
  let notifier: Notifier;
  const registry = new Registry();

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        posts.push({ path: req.url ?? '', auth: String(req.headers.authorization), alerts: JSON.parse(b) as Post['alerts'] });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    const dir = tempDir('notifier-');
    writeFileSync(join(dir, 'am.json'), JSON.stringify([{ targets: [`127.0.0.1:${port}`] }]));
    const cfg = parsePrometheusConfig(
      `global: { external_labels: { cluster: eu1 } }
alerting:
  alert_relabel_configs:
    - { source_labels: [severity], regex: drop, action: drop }
  alertmanagers:
    - path_prefix: /am
      timeout: 2s
      basic_auth: { username: u, password: p }
      file_sd_configs: [{ files: [${JSON.stringify(join(dir, 'am.json'))}] }]
      alert_relabel_configs:
        - { target_label: via, replacement: set0 }
`,
      join(dir, 'prometheus.yml'),
    );
    notifier = new Notifier(cfg.alerting, { registry, logger: silentLogger(), queueCapacity: 1000, externalLabels: Labels.fromObject(cfg.global.external_labels) });
  });

  afterAll(() => {
    notifier?.stop();
    server?.close();
  });

  it('posts to the file-discovered Alertmanager under path_prefix with auth, relabelled, with external labels', async () => {
    notifier.send([alert(1), alert(2, { severity: 'drop' }), alert(3, { cluster: 'mine' })]);
    await until(() => posts.length > 0);
    expect(notifier.alertmanagers()).toEqual([`http://127.0.0.1:${port}/am/api/v2/alerts`]);
    const p = posts[0];
    expect(p.path).toBe('/am/api/v2/alerts');
    expect(p.auth).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(p.alerts.map((a) => a.labels)).toEqual([
      { alertname: 'A1', cluster: 'eu1', via: 'set0' },
      { alertname: 'A3', cluster: 'mine', via: 'set0' },
    ]);
    expect(p.alerts[0]).toEqual({
      annotations: { summary: 's1' },
      endsAt: '2026-01-01T00:04:00.000Z',
      startsAt: '2026-01-01T00:00:00.000Z',
      generatorURL: 'http://prom:9090/graph?g0.expr=up&g0.tab=1',
      labels: { alertname: 'A1', cluster: 'eu1', via: 'set0' },
    });
  });

  it('sends in batches of 64 and counts what it sent', async () => {
    posts.length = 0;
    notifier.send(Array.from({ length: 130 }, (_, i) => alert(100 + i)));
    await until(() => posts.reduce((n, p) => n + p.alerts.length, 0) === 130);
    expect(posts.map((p) => p.alerts.length)).toEqual([MAX_BATCH_SIZE, MAX_BATCH_SIZE, 2]);
    // The server has had the last batch; the notifier counts it once the answer is back.
    const sent = `prometheus_notifications_sent_total{alertmanager="http://127.0.0.1:${port}/am/api/v2/alerts"} 132`;
    let text = '';
    await until(async () => (text = await registry.metrics()).includes(sent));
    expect(text).toContain(sent);
    expect(text).toContain('prometheus_notifications_queue_capacity 1000');
    expect(text).toContain('prometheus_notifications_alertmanagers_discovered 1');
  });
});
