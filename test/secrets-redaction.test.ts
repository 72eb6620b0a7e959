import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_LISTENERS_ON_LOOPBACK } from './helpers/loopback-config.js';
import { spawnSightline, startedPorts, tempDir, type SpawnedSightline } from './helpers/process.js';

// Secrets planted in prometheus.yml and alertmanager.yml never come back from a config or status endpoint (they
// read `<secret>`, as Prometheus and Alertmanager show them), nor appear in the process's logs.

const dir = tempDir('sightline-secrets-');
const PLANTED = [
  'PLANT-scrape-password',
  'PLANT-scrape-credentials',
  'PLANT-oauth-client-secret',
  'PLANT-rw-password',
  'PLANT-rw-bearer',
  'PLANT-slack-global',
  'PLANT-smtp-password',
  'PLANT-webhook-token',
  'PLANT-slack-receiver',
  'PLANT-pd-routing-key',
];

const PROMETHEUS_YML = `global:
  scrape_interval: 15s
scrape_configs:
  - job_name: basic
    basic_auth: { username: u, password: PLANT-scrape-password }
    static_configs: [{ targets: ['127.0.0.1:1'] }]
  - job_name: authz
    authorization: { credentials: PLANT-scrape-credentials }
    static_configs: [{ targets: ['127.0.0.1:1'] }]
  - job_name: oauth
    oauth2: { client_id: c, client_secret: PLANT-oauth-client-secret, token_url: 'http://127.0.0.1:1/token' }
    static_configs: [{ targets: ['127.0.0.1:1'] }]
remote_write:
  - url: http://127.0.0.1:1/api/v1/write
    basic_auth: { username: u, password: PLANT-rw-password }
  - url: http://127.0.0.1:1/other
    bearer_token: PLANT-rw-bearer
`;

const ALERTMANAGER_YML = `global:
  slack_api_url: https://hooks.slack.com/services/PLANT-slack-global
  smtp_auth_password: PLANT-smtp-password
route:
  receiver: hook
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:1/hook?token=PLANT-webhook-token
    slack_configs:
      - api_url: https://hooks.slack.com/services/PLANT-slack-receiver
        channel: '#alerts'
    pagerduty_configs:
      - routing_key: PLANT-pd-routing-key
`;

let s: SpawnedSightline;
let ports: Record<string, number>;

describe('secrets never shown', () => {
  beforeAll(async () => {
    writeFileSync(join(dir, 'prometheus.yml'), PROMETHEUS_YML);
    writeFileSync(join(dir, 'alertmanager.yml'), ALERTMANAGER_YML);
    writeFileSync(
      join(dir, 'sightline.yaml'),
      [...ALL_LISTENERS_ON_LOOPBACK, ''].join('\n'),
    );
    s = spawnSightline([
      '--config.file',
      join(dir, 'sightline.yaml'),
      '--data-dir',
      join(dir, 'data'),
      '--prometheus.config',
      join(dir, 'prometheus.yml'),
      '--alertmanager.config',
      join(dir, 'alertmanager.yml'),
    ]);
    ports = await startedPorts(s, 60_000);
  }, 90_000);

  afterAll(async () => {
    s?.child.kill('SIGTERM');
    await s?.exited;
  });

  const leaks = (text: string) => PLANTED.filter((p) => text.includes(p));

  it('/api/v1/status/config (Prometheus) shows <secret> for every secret field', async () => {
    const r = await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/status/config`);
    const body = (await r.json()) as { data: { yaml: string } };
    expect(leaks(body.data.yaml)).toEqual([]);
    expect(body.data.yaml.match(/<secret>/g)?.length).toBe(5);
    expect(body.data.yaml).toContain('job_name: oauth'); // the rest is shown
  });

  it('/api/v2/status (Alertmanager) shows <secret> for every secret field', async () => {
    const r = await fetch(`http://127.0.0.1:${ports.alertmanager}/api/v2/status`);
    const body = (await r.json()) as { config: { original: string } };
    expect(leaks(body.config.original)).toEqual([]);
    expect(body.config.original.match(/<secret>/g)?.length).toBe(5);
    expect(body.config.original).toContain("channel: '#alerts'");
  });

  it('no config or status endpoint of any listener, nor the log, carries a planted secret', async () => {
    const probes: Array<[string, string]> = [
      ['prometheus', '/api/v1/status/config'],
      ['prometheus', '/api/v1/status/flags'],
      ['prometheus', '/api/v1/status/runtimeinfo'],
      ['prometheus', '/api/v1/targets'],
      ['prometheus', '/api/v1/alertmanagers'],
      ['mimir', '/prometheus/api/v1/status/config'],
      ['alertmanager', '/api/v2/status'],
      ['alertmanager', '/api/v2/receivers'],
      ['ui', '/api/datasources'],
    ];
    for (const [listener, path] of probes) {
      const r = await fetch(`http://127.0.0.1:${ports[listener]}${path}`);
      expect(leaks(await r.text()), `${listener} ${path}`).toEqual([]);
    }
    expect(leaks(s.stdout() + s.stderr())).toEqual([]);
  });
});
