import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { compressSnappyBody } from '../src/metrics/remote/codec/index.js';
import { hashTenantToken } from '../src/server/index.js';
import { encodeV1 } from './helpers/remote-write-protos.js';
import { spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

// Tenant-bound tokens on the real process: every pillar multi-tenant, tokens for tenants A and B. A's token can
// neither read nor write B's data on Mimir, Loki or Tempo, whatever X-Scope-OrgID says (one tenant, another, `a|b`).

const dir = tempDir('sightline-tenant-auth-');
const TOKENS = {
  a: 'tok-a-0123456789abcdef0123456789abcdef',
  b: 'tok-b-0123456789abcdef0123456789abcdef',
  aRead: 'tok-a-read-0123456789abcdef0123456789',
  both: 'tok-both-0123456789abcdef0123456789ab',
};
const READ = ['metrics:read', 'logs:read', 'traces:read', 'rules:read', 'alerts:read'];
const ALL = [...READ, 'metrics:write', 'logs:write', 'traces:write', 'rules:write'];

let s: SpawnedSightline;
let ports: Record<string, number>;

type Who = keyof typeof TOKENS | undefined;

async function req(port: string, path: string, who: Who, init: { method?: string; body?: Buffer | string; headers?: Record<string, string>; org?: string } = {}) {
  const res = await fetch(`http://127.0.0.1:${ports[port]}${path}`, {
    method: init.method ?? 'GET',
    body: init.body,
    headers: { ...(who ? { authorization: `Bearer ${TOKENS[who]}` } : {}), ...(init.org !== undefined ? { 'x-scope-orgid': init.org } : {}), ...init.headers },
  });
  return { status: res.status, text: await res.text() };
}

const pushMetric = (who: Who, tenant: string, org?: string) =>
  req('mimir', '/api/v1/push', who, {
    method: 'POST',
    org,
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
    body: compressSnappyBody(encodeV1([{ labels: [{ name: '__name__', value: 'iso_metric' }, { name: 'owner', value: tenant }], samples: [{ value: 1, timestamp: Date.now() }] }])),
  });

const pushLog = (who: Who, tenant: string, org?: string) =>
  req('loki', '/loki/api/v1/push', who, {
    method: 'POST',
    org,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ streams: [{ stream: { app: 'iso' }, values: [[`${Date.now()}000000`, `line of ${tenant}`]] }] }),
  });

const traceId = (tenant: string) => (tenant === 'team-a' ? 'a'.repeat(32) : 'b'.repeat(32));
const pushTrace = (who: Who, tenant: string, org?: string) =>
  req('otlp_http', '/v1/traces', who, {
    method: 'POST',
    org,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${tenant}` } }] },
          scopeSpans: [{ spans: [{ traceId: traceId(tenant), spanId: '0102030405060708', name: `op-${tenant}`, kind: 1, startTimeUnixNano: `${Date.now() - 1000}000000`, endTimeUnixNano: `${Date.now()}000000` }] }],
        },
      ],
    }),
  });

const groupYaml = (tenant: string, expr: string) => `groups:\n  - name: grp-${tenant}\n    rules:\n      - alert: Alert_${tenant.replace('-', '_')}\n        expr: '${expr}'\n`;

describe('tenant-bound tokens', () => {
  beforeAll(async () => {
    const tok = (name: string, token: string, tenants: string[], scopes: string[]) =>
      `    - { name: ${name}, token_sha256: ${hashTenantToken(token)}, tenants: [${tenants.join(', ')}], scopes: [${scopes.join(', ')}] }`;
    for (const t of ['team-a', 'team-b']) {
      mkdirSync(join(dir, 'loki-rules', t), { recursive: true });
      writeFileSync(join(dir, 'loki-rules', t, 'rules.yaml'), groupYaml(t, 'sum(count_over_time({app="iso"}[1m])) > 1000000'));
    }
    writeFileSync(
      join(dir, 'sightline.yaml'),
      [
        'server:',
        '  tenant_tokens:',
        tok('a', TOKENS.a, ['team-a'], ALL),
        tok('b', TOKENS.b, ['team-b'], ALL),
        tok('a-read', TOKENS.aRead, ['team-a'], READ),
        tok('both', TOKENS.both, ['team-a', 'team-b'], ALL),
        'metrics: { listen_address: 127.0.0.1:0, scrape_self: false }',
        'remote: { multitenancy_enabled: true }',
        `logs: { listen_address: 127.0.0.1:0, auth_enabled: true, ruler: { storage: { type: local, local: { directory: ${join(dir, 'loki-rules')} } } } }`,
        'mimir: { listen_address: 127.0.0.1:0 }',
        'traces: { listen_address: 127.0.0.1:0, multitenancy_enabled: true, metrics_generator: { collection_interval: 1s }, zipkin: { listen_address: 127.0.0.1:0 }, jaeger: { listen_address: 127.0.0.1:0 } }',
        'otlp: { grpc_listen_address: 127.0.0.1:0, http_listen_address: 127.0.0.1:0, multitenancy_enabled: true }',
        'alertmanager: { listen_address: 127.0.0.1:0 }',
        'ui: { listen_address: 127.0.0.1:0, development_mode: true }',
        '',
      ].join('\n'),
    );
    s = spawnSightline(['--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')]);
    ports = await startedPorts(s, 60_000);
    for (const [who, tenant] of [['a', 'team-a'], ['b', 'team-b']] as const) {
      expect((await pushMetric(who, tenant)).status).toBe(200);
      expect((await pushLog(who, tenant)).status).toBe(204);
      expect((await pushTrace(who, tenant)).status).toBe(200);
      const group = groupYaml(tenant, 'vector(0) > 1').replace('groups:\n  - ', '').replace(/^ {4}/gm, '');
      expect((await req('mimir', '/prometheus/config/v1/rules/iso', who, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: group })).status).toBe(202);
    }
  }, 90_000);

  afterAll(async () => {
    s?.child.kill('SIGTERM');
    await s?.exited;
  });

  it('no token is 401 on every pillar, probes stay open', async () => {
    expect((await req('mimir', '/prometheus/api/v1/query?query=iso_metric', undefined, { org: 'team-a' })).status).toBe(401);
    expect((await req('loki', '/loki/api/v1/labels', undefined, { org: 'team-a' })).status).toBe(401);
    expect((await req('tempo', '/api/search/tags', undefined, { org: 'team-a' })).status).toBe(401);
    expect((await req('prometheus', '/api/v1/query?query=1', undefined)).status).toBe(401);
    expect((await pushMetric(undefined, 'team-a', 'team-a')).status).toBe(401);
    expect((await req('mimir', '/api/v1/push', undefined, { method: 'POST', headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await req('mimir', '/-/ready', undefined)).status).toBe(200);
  });

  it("A's token writes only to A: a header naming B, or a|b, is 403; a read-only token cannot write", async () => {
    expect((await pushMetric('a', 'team-b', 'team-b')).status).toBe(403);
    expect((await pushMetric('a', 'team-b', 'team-a|team-b')).status).toBe(403);
    expect((await pushLog('a', 'team-b', 'team-b')).status).toBe(403);
    expect((await pushTrace('a', 'team-b', 'team-b')).status).toBe(403);
    expect((await pushMetric('aRead', 'team-a')).status).toBe(403);
    expect((await pushLog('aRead', 'team-a')).status).toBe(403);
    expect((await pushTrace('aRead', 'team-a')).status).toBe(403);
  });

  it('metrics (Mimir): each token reads only its tenant, for every header', async () => {
    const q = '/prometheus/api/v1/query?query=iso_metric';
    const owners = async (who: Who, org?: string) => {
      const r = await req('mimir', q, who, { org });
      expect(r.status).toBe(200);
      return (JSON.parse(r.text) as { data: { result: { metric: { owner: string } }[] } }).data.result.map((x) => x.metric.owner);
    };
    expect(await owners('a')).toEqual(['team-a']);
    expect(await owners('a', 'team-a')).toEqual(['team-a']);
    expect(await owners('aRead')).toEqual(['team-a']);
    expect(await owners('b')).toEqual(['team-b']);
    expect(await owners('both', 'team-b')).toEqual(['team-b']);
    for (const org of ['team-b', 'team-a|team-b', 'team-b|team-a']) expect((await req('mimir', q, 'a', { org })).status).toBe(403);
    for (const path of ['/prometheus/api/v1/series?match[]=iso_metric', '/prometheus/api/v1/labels', '/prometheus/api/v1/label/owner/values']) {
      const mine = await req('mimir', path, 'a');
      expect(mine.status).toBe(200);
      expect(mine.text).not.toContain('team-b');
      expect((await req('mimir', path, 'a', { org: 'team-b' })).status).toBe(403);
    }
    // a token with two tenants must say which one
    expect((await req('mimir', q, 'both')).status).toBe(400);
  });

  it('logs (Loki): each token reads only its tenant', async () => {
    const q = `/loki/api/v1/query_range?query=${encodeURIComponent('{app="iso"}')}&start=${Date.now() - 3600_000}000000&end=${Date.now() + 60_000}000000`;
    const a = await waitFor(async () => {
      const r = await req('loki', q, 'a');
      return r.status === 200 && r.text.includes('line of team-a') ? r : undefined;
    });
    expect(a.text).not.toContain('team-b');
    const b = await req('loki', q, 'b');
    expect(b.text).toContain('line of team-b');
    expect(b.text).not.toContain('team-a');
    for (const org of ['team-b', 'team-a|team-b']) {
      expect((await req('loki', q, 'a', { org })).status).toBe(403);
      expect((await req('loki', '/loki/api/v1/labels', 'a', { org })).status).toBe(403);
    }
  });

  it('traces (Tempo): a trace is found only with its tenant', async () => {
    await waitFor(async () => (await req('tempo', `/api/traces/${traceId('team-a')}`, 'a')).status === 200);
    expect((await req('tempo', `/api/traces/${traceId('team-b')}`, 'a')).status).toBe(404);
    expect((await req('tempo', `/api/traces/${traceId('team-b')}`, 'b')).status).toBe(200);
    expect((await req('tempo', `/api/traces/${traceId('team-b')}`, 'a', { org: 'team-b' })).status).toBe(403);
    expect((await req('tempo', `/api/traces/${traceId('team-b')}`, 'a', { org: 'team-a|team-b' })).status).toBe(403);
    const tags = await req('tempo', '/api/search/tag/service.name/values', 'a');
    expect(tags.text).not.toContain('svc-team-b');
  });

  it("OTLP metrics land in the sender's tenant store (Mimir), never in the shared Prometheus store", async () => {
    const gauge = (tenant: string) =>
      JSON.stringify({
        resourceMetrics: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${tenant}` } }] },
            scopeMetrics: [{ metrics: [{ name: 'otlp_iso_gauge', gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: `${Date.now()}000000`, attributes: [{ key: 'owner', value: { stringValue: tenant } }] }] } }] }],
          },
        ],
      });
    for (const [who, tenant] of [['a', 'team-a'], ['b', 'team-b']] as const) {
      expect((await req('otlp_http', '/v1/metrics', who, { method: 'POST', headers: { 'content-type': 'application/json' }, body: gauge(tenant) })).status).toBe(200);
    }
    const owners = async (port: string, path: string, who: Who) => {
      const r = await req(port, path, who);
      expect(r.status).toBe(200);
      return (JSON.parse(r.text) as { data: { result: { metric: { owner: string } }[] } }).data.result.map((x) => x.metric.owner);
    };
    await waitFor(async () => (await owners('mimir', '/prometheus/api/v1/query?query=otlp_iso_gauge', 'a')).length > 0);
    expect(await owners('mimir', '/prometheus/api/v1/query?query=otlp_iso_gauge', 'a')).toEqual(['team-a']);
    expect(await owners('mimir', '/prometheus/api/v1/query?query=otlp_iso_gauge', 'b')).toEqual(['team-b']);
    // The shared store (9090) has none of it, whoever asks.
    expect(await owners('prometheus', '/api/v1/query?query=otlp_iso_gauge', 'both')).toEqual([]);
  });

  it("span metrics generated from a tenant's traces land in that tenant's store only", async () => {
    const services = async (port: string, path: string, who: Who) => {
      const r = await req(port, path, who);
      expect(r.status).toBe(200);
      return (JSON.parse(r.text) as { data: { result: { metric: { service: string } }[] } }).data.result.map((x) => x.metric.service);
    };
    const q = '/prometheus/api/v1/query?query=traces_spanmetrics_calls_total';
    await waitFor(async () => (await services('mimir', q, 'a')).length > 0 && (await services('mimir', q, 'b')).length > 0, 20_000, 'span metrics');
    expect(await services('mimir', q, 'a')).toEqual(['svc-team-a']);
    expect(await services('mimir', q, 'b')).toEqual(['svc-team-b']);
    expect(await services('prometheus', '/api/v1/query?query=traces_spanmetrics_calls_total', 'both')).toEqual([]);
  });

  // Every read route of the remaining surfaces, for every header/token combination. Add a route here when it is added
  // to a listener: a route without the tenant check fails one of the rows (401 without a token, 403 for B's header).
  const READ_ROUTES: [port: string, path: string, mine?: string][] = [
    ['tempo', `/api/search?tags=${encodeURIComponent('service.name=svc-team-b')}`],
    ['tempo', '/api/search/tags'],
    ['tempo', '/api/v2/search/tags'],
    ['tempo', '/api/search/tag/service.name/values', 'svc-team-a'],
    ['mimir', '/prometheus/api/v1/rules', 'grp-team-a'],
    ['mimir', '/prometheus/api/v1/alerts'],
    ['mimir', '/prometheus/config/v1/rules', 'grp-team-a'],
    ['loki', '/loki/api/v1/rules', 'grp-team-a'],
    ['loki', '/prometheus/api/v1/rules', 'grp-team-a'],
    ['loki', '/prometheus/api/v1/alerts'],
  ];
  const COMBOS: [label: string, status: number, who: Who, org: string | undefined][] = [
    ['no token', 401, undefined, undefined],
    ['no token, header A', 401, undefined, 'team-a'],
    ['wrong token', 401, undefined, 'team-a'],
    ["A's token, header B", 403, 'a', 'team-b'],
    ["A's token, header A|B", 403, 'a', 'team-a|team-b'],
    ["A's token, header B|A", 403, 'a', 'team-b|team-a'],
    ["A's read token, header B", 403, 'aRead', 'team-b'],
    ["two-tenant token, no header", 400, 'both', undefined],
    ["A's token, no header", 200, 'a', undefined],
    ["A's token, header A", 200, 'a', 'team-a'],
    ["A's read token", 200, 'aRead', undefined],
    ["two-tenant token, header A", 200, 'both', 'team-a'],
  ];
  it.each(READ_ROUTES.flatMap(([port, path, mine]) => COMBOS.map(([label, status, who, org]) => [port, path, label, status, who, org, mine] as const)))(
    '%s %s — %s → %i',
    async (port, path, label, status, who, org, mine) => {
      const r = await req(port, path, who, { org, headers: label === 'wrong token' ? { authorization: 'Bearer wrong' } : {} });
      expect(r.status, r.text.slice(0, 200)).toBe(status);
      if (status === 200) expect(r.text).not.toMatch(/team-b/);
      if (status === 200 && mine) expect(r.text).toContain(mine);
    },
  );

  const tail = (who: Who, org?: string, bad = false) =>
    new Promise<{ status: number; lines: string }>((res, rej) => {
      const q = `/loki/api/v1/tail?query=${encodeURIComponent('{app="iso"}')}&start=${Date.now() - 3600_000}000000`;
      const headers: Record<string, string> = { ...(who ? { authorization: `Bearer ${TOKENS[who]}` } : {}), ...(org ? { 'x-scope-orgid': org } : {}), ...(bad ? { authorization: 'Bearer wrong' } : {}) };
      const ws = new WebSocket(`ws://127.0.0.1:${ports.loki}${q}`, { headers });
      let lines = '';
      ws.on('unexpected-response', (_req, resp) => {
        res({ status: resp.statusCode ?? 0, lines });
        ws.terminate();
      });
      ws.on('message', (d: Buffer) => {
        lines += d.toString();
        if (lines.includes('line of')) setTimeout(() => ws.close(), 300);
      });
      ws.on('close', () => res({ status: 101, lines }));
      ws.on('error', rej);
      setTimeout(() => ws.close(), 5000);
    });

  it.each(COMBOS)('Loki tail (WebSocket) — %s → %i', async (label, status, who, org) => {
    const r = await tail(who, org, label === 'wrong token');
    expect(r.status).toBe(status === 200 ? 101 : status);
    if (status === 200) {
      expect(r.lines).toContain('line of team-a');
      expect(r.lines).not.toContain('team-b');
    }
  });
});
