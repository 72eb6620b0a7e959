import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { sightlineConfigSchema } from '../src/config/index.js';
import { startMimir, type MimirComponent } from '../src/metrics/mimir/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../src/server/index.js';

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
