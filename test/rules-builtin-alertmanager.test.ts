/**
 * `sightline --target all` with no Alertmanager named anywhere: the Prometheus rules of prometheus.yml, the Loki
 * ruler's LogQL rules and a Mimir-ruler group posted with the rules API all send their alerts to the built-in
 * Alertmanager (port 0 here), which routes them to a webhook receiver on loopback: each alert arrives end to end.
 * The Prometheus rule's state is also visible as `ALERTS` through PromQL.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES_ON_PORT_0, spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
}

describe('--target all: every ruler sends to the built-in Alertmanager by default', () => {
  let sightline: SpawnedSightline;
  let hook: Server;
  let ports: Record<string, number>;
  const received: WebhookAlert[] = [];

  beforeAll(async () => {
    hook = createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        received.push(...(JSON.parse(b) as { alerts: WebhookAlert[] }).alerts);
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const dir = tempDir('rules-builtin-am-');
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      `route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 0s\n  group_interval: 1s\nreceivers:\n  - name: hook\n    webhook_configs: [{ url: 'http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook' }]\n`,
    );
    writeFileSync(join(dir, 'prom-rules.yml'), 'groups:\n- name: prom\n  interval: 1s\n  rules:\n  - alert: PrometheusRuleAlert\n    expr: vector(1) > 0\n    labels: {ruler: prometheus}\n');
    writeFileSync(join(dir, 'prometheus.yml'), `global: { evaluation_interval: 1s }\nrule_files: [${JSON.stringify(join(dir, 'prom-rules.yml'))}]\n`);
    // Loki's local rule storage: <directory>/<tenant>/<namespace>; the tenant is `fake` without auth.
    mkdirSync(join(dir, 'loki-rules', 'fake'), { recursive: true });
    writeFileSync(
      join(dir, 'loki-rules', 'fake', 'e2e.yml'),
      'groups:\n- name: loki\n  interval: 1s\n  rules:\n  - alert: LokiRuleAlert\n    expr: sum(count_over_time({job="e2e"}[5m])) > 0\n    labels: {ruler: loki}\n',
    );
    writeFileSync(
      join(dir, 'sightline.yaml'),
      [
        ...STORES_ON_PORT_0.map((l) => (l.startsWith('logs:') ? `logs: { listen_address: 127.0.0.1:0, ruler: { storage: { local: { directory: ${JSON.stringify(join(dir, 'loki-rules'))} } }, evaluation_interval: 1s, poll_interval: 1s } }` : l)),
        `alertmanager: { listen_address: 127.0.0.1:0, config_file: ${JSON.stringify(join(dir, 'alertmanager.yml'))} }`,
        'ui: { listen_address: 127.0.0.1:0 }',
        '',
      ].join('\n'),
    );
    sightline = spawnSightline(['--target', 'all', '--config.file', join(dir, 'sightline.yaml'), '--prometheus.config', join(dir, 'prometheus.yml'), '--data-dir', join(dir, 'data')]);
    ports = await startedPorts(sightline, 45_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${sightline.stderr()}`);
    });
    const push = await fetch(`http://127.0.0.1:${ports.loki}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { job: 'e2e' }, values: [[String(BigInt(Date.now()) * 1_000_000n), 'level=error boom']] }] }),
    });
    expect(push.status).toBe(204);
    const post = await fetch(`http://127.0.0.1:${ports.mimir}/prometheus/config/v1/rules/e2e`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/yaml' },
      body: 'name: mimir\ninterval: 1s\nrules:\n  - alert: MimirRuleAlert\n    expr: vector(1) > 0\n    labels: {ruler: mimir}\n',
    });
    expect(post.status).toBe(202);
  }, 60_000);

  afterAll(async () => {
    if (sightline && sightline.child.exitCode === null) {
      sightline.child.kill('SIGTERM');
      await sightline.exited;
    }
    hook?.close();
  });

  const arrived = (alertname: string) => waitFor(() => received.find((a) => a.labels.alertname === alertname), 20_000, `${alertname} at the webhook`);

  it('a Prometheus rule alert (prometheus.yml without alerting:) reaches the webhook through the built-in Alertmanager', async () => {
    const a = await arrived('PrometheusRuleAlert');
    expect(a.status).toBe('firing');
    expect(a.labels).toEqual({ alertname: 'PrometheusRuleAlert', ruler: 'prometheus' });
    // The rule state is visible through PromQL in the one-process default.
    const q = await waitFor(async () => {
      const r = (await (await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/query?query=${encodeURIComponent('ALERTS{alertname="PrometheusRuleAlert"}')}`)).json()) as { data: { result: Array<{ metric: Record<string, string> }> } };
      return r.data.result.length > 0 ? r.data.result : undefined;
    }, 10_000, 'ALERTS through PromQL');
    expect(q[0].metric).toEqual({ __name__: 'ALERTS', alertname: 'PrometheusRuleAlert', alertstate: 'firing', ruler: 'prometheus' });
  });

  it('a Loki ruler alert (no alertmanager_url) reaches the webhook', async () => {
    const a = await arrived('LokiRuleAlert');
    expect(a.status).toBe('firing');
    expect(a.labels).toEqual({ alertname: 'LokiRuleAlert', ruler: 'loki' });
  });

  it('a Mimir ruler alert (no ruler.alertmanager_url) reaches the webhook', async () => {
    const a = await arrived('MimirRuleAlert');
    expect(a.status).toBe('firing');
    expect(a.labels).toEqual({ alertname: 'MimirRuleAlert', ruler: 'mimir' });
  });
});
