import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { sightlineConfigSchema } from '../src/config/index.js';
import { startMimir, type MimirComponent } from '../src/metrics/mimir/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../src/server/index.js';
import { startWebhookSink } from './helpers/alertmanager-peer.js';
import { waitFor } from './helpers/process.js';

const amConfig = (receiver: string) => `route:\n  receiver: ${receiver}\nreceivers:\n  - name: ${receiver}\n`;

/** Issue 13: Mimir's multi-tenant Alertmanager — per-tenant configs (`mimirtool alertmanager load`) and API v2 by X-Scope-OrgID. */
describe('the Mimir role\'s multi-tenant Alertmanager', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mimir-am-'));
  let mimir: MimirComponent;
  let base: string;
  const start = async () => {
    const config = sightlineConfigSchema.parse({ remote: { multitenancy_enabled: true }, mimir: { listen_address: '127.0.0.1:0' } });
    mimir = await startMimir({ config, dataDir, logger: silentLogger(), registry: createSelfMetricsRegistry() });
    base = `http://127.0.0.1:${mimir.ports.mimir}`;
  };
  beforeAll(start);
  afterAll(async () => mimir?.stop());

  const req = (tenant: string, path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { 'X-Scope-OrgID': tenant, ...(init.headers as Record<string, string>) } });
  const load = (tenant: string, cfg: string) =>
    req(tenant, '/api/v1/alerts', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: stringify({ alertmanager_config: cfg, template_files: { 'a.tmpl': '{{ define "x" }}x{{ end }}' } }) });
  const receivers = async (tenant: string) => ((await (await req(tenant, '/alertmanager/api/v2/receivers')).json()) as { name: string }[]).map((r) => r.name);
  const alertNames = async (tenant: string) => ((await (await req(tenant, '/alertmanager/api/v2/alerts')).json()) as { labels: Record<string, string> }[]).map((a) => a.labels.alertname);

  it('keeps each tenant\'s configuration and alerts to itself', async () => {
    expect((await req('team-a', '/api/v1/alerts')).status).toBe(404);
    expect((await load('team-a', amConfig('a-receiver'))).status).toBe(201);
    expect((await load('team-b', 'route:\n  receiver: missing\n')).status).toBe(400);
    const got = parse(await (await req('team-a', '/api/v1/alerts')).text()) as { alertmanager_config: string; template_files: Record<string, string> };
    expect(got.alertmanager_config).toBe(amConfig('a-receiver'));
    expect(got.template_files).toHaveProperty('a.tmpl');
    expect((await req('team-b', '/api/v1/alerts')).status).toBe(404);
    expect(await receivers('team-a')).toEqual(['a-receiver']);
    expect(await receivers('team-b')).toEqual(['empty-receiver']);

    const post = await req('team-a', '/alertmanager/api/v2/alerts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ labels: { alertname: 'OnlyA' } }]) });
    expect(post.status).toBe(200);
    expect(await alertNames('team-a')).toEqual(['OnlyA']);
    expect(await alertNames('team-b')).toEqual([]);
    // A request without a tenant is refused.
    expect((await fetch(`${base}/alertmanager/api/v2/alerts`)).status).toBeGreaterThanOrEqual(400);
  });

  it('keeps a tenant\'s configuration across a restart and forgets it on DELETE', async () => {
    await mimir.stop();
    await start();
    expect(await receivers('team-a')).toEqual(['a-receiver']);
    expect((await req('team-a', '/api/v1/alerts', { method: 'DELETE' })).status).toBe(200);
    expect((await req('team-a', '/api/v1/alerts')).status).toBe(404);
    expect(await receivers('team-a')).toEqual(['empty-receiver']);
  });
});

/** Issue 13: each tenant's `template_files` are its own, used by its receivers and invisible to other tenants. */
describe('a Mimir tenant\'s uploaded templates', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mimir-am-tmpl-'));
  let mimir: MimirComponent;
  let base: string;
  let sink: Awaited<ReturnType<typeof startWebhookSink>>;
  beforeAll(async () => {
    sink = await startWebhookSink();
    const config = sightlineConfigSchema.parse({ remote: { multitenancy_enabled: true }, mimir: { listen_address: '127.0.0.1:0' } });
    mimir = await startMimir({ config, dataDir, logger: silentLogger(), registry: createSelfMetricsRegistry() });
    base = `http://127.0.0.1:${mimir.ports.mimir}`;
  });
  afterAll(async () => {
    await mimir?.stop();
    await sink?.close();
  });

  const req = (tenant: string, path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { 'X-Scope-OrgID': tenant, ...(init.headers as Record<string, string>) } });
  const chatConfig = (path: string, templates: string[]) => `templates: ${JSON.stringify(templates)}
route:
  receiver: chat
  group_wait: 50ms
  group_interval: 1s
receivers:
  - name: chat
    slack_configs:
      - api_url: '${sink.url}${path}'
        text: '{{ template "team.text" . }}'
`;
  const load = (tenant: string, cfg: string, files: Record<string, string> = {}) =>
    req(tenant, '/api/v1/alerts', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: stringify({ alertmanager_config: cfg, template_files: files }) });
  const fire = (tenant: string) =>
    req(tenant, '/alertmanager/api/v2/alerts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ labels: { alertname: 'DiskFull', team: tenant } }]) });

  it('renders a receiver\'s text with the tenant\'s own template; another tenant referencing it fails', async () => {
    const teamText = '{{ define "team.text" }}A-template: {{ len .Alerts }} alert(s) {{ .CommonLabels.alertname }} for {{ .CommonLabels.team }}{{ end }}';
    expect((await load('tmpl-a', chatConfig('/a', ['*.tmpl']), { 'team.tmpl': teamText })).status).toBe(201);
    // Tenant B lists the same pattern but uploaded no template: it cannot reach A's.
    expect((await load('tmpl-b', chatConfig('/b', ['*.tmpl', 'team.tmpl']))).status).toBe(201);
    expect((await fire('tmpl-a')).status).toBe(200);
    expect((await fire('tmpl-b')).status).toBe(200);

    const got = await waitFor(() => sink.received.find((n) => n.path === '/a'), 10_000, 'tenant A\'s Slack message');
    const attachments = (got.body as { attachments: { text: string }[] }).attachments;
    expect(attachments[0]!.text).toBe('A-template: 1 alert(s) DiskFull for tmpl-a');
    // B's notification fails on the undefined template (counted per tenant), and nothing reaches its URL.
    await waitFor(async () => /cortex_alertmanager_notifications_failed_total\{user="tmpl-b",integration="slack"\} [1-9]/.test(await (await fetch(`${base}/metrics`)).text()), 15_000, 'tenant B failure counted');
    expect(sink.received.filter((n) => n.path === '/b')).toEqual([]);

    // Mimir's per-tenant Alertmanager metrics on the role's /metrics, kept apart by `user`.
    const silence = await req('tmpl-b', '/alertmanager/api/v2/silences', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ matchers: [{ name: 'alertname', value: 'DiskFull', isRegex: false }], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString(), createdBy: 't', comment: 'c' }),
    });
    expect(silence.status).toBe(200);
    const text = await (await fetch(`${base}/metrics`)).text();
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    expect(value('cortex_alertmanager_notifications_total{user="tmpl-a",integration="slack"}')).toBe(1);
    expect(value('cortex_alertmanager_notifications_failed_total{user="tmpl-a",integration="slack"}')).toBe(0);
    expect(value('cortex_alertmanager_notifications_total{user="tmpl-b",integration="slack"}')).toBe(1);
    expect(value('cortex_alertmanager_notifications_failed_total{user="tmpl-b",integration="slack"}')).toBe(1);
    expect(value('cortex_alertmanager_alerts_received_total{user="tmpl-a"}')).toBe(1);
    expect(value('cortex_alertmanager_alerts_received_total{user="tmpl-b"}')).toBe(1);
    expect(value('cortex_alertmanager_alerts{user="tmpl-a",state="active"}')).toBe(1);
    expect(value('cortex_alertmanager_alerts{user="tmpl-b",state="suppressed"}')).toBe(1);
    expect(value('cortex_alertmanager_silences{user="tmpl-b",state="active"}')).toBe(1);
    expect(value('cortex_alertmanager_silences{user="tmpl-a",state="active"}')).toBe(0);
    expect(value('cortex_alertmanager_tenants_discovered')).toBe(2);
    expect(value('cortex_alertmanager_tenants_owned')).toBe(2);
  });

  it('refuses templates that reach outside the tenant\'s files or do not parse', async () => {
    for (const bad of [['../tmpl-a/templates/*.tmpl'], ['/etc/*']]) {
      const res = await load('tmpl-c', chatConfig('/c', bad));
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('escaping the per-tenant local directory');
    }
    const broken = await load('tmpl-c', chatConfig('/c', ['x.tmpl']), { 'x.tmpl': '{{ define "team.text" }}{{ .Unclosed ' });
    expect(broken.status).toBe(400);
    expect((await req('tmpl-c', '/api/v1/alerts')).status).toBe(404);
  });
});
