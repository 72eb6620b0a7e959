import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSightlineConfig, parseCliArgs, startSightline, type RunningSightline } from '../src/cli/index.js';
import { hashTenantToken, registeredRoutes, silentLogger } from '../src/server/index.js';
import { STORES_ON_PORT_0, tempDir } from './helpers/process.js';

// Issue 19, tenant isolation: not a list of known routes but every route each data listener of the whole stack has
// registered (Fastify's onRoute, `registeredRoutes`), so a route added tomorrow is walked too. Without a token each
// answers 401; with a valid token lacking the route's scope, 403 — only the probes stay open.

const dir = tempDir('sightline-every-route-');
const TOKENS = { alertsWrite: 'tok-alerts-write-0123456789abcdef', metricsRead: 'tok-metrics-read-0123456789abcdef' };
const PROBES = new Set(['/-/healthy', '/-/ready', '/ready']);
/** Port name (as components report it) → listener name (as `createHttpServer` registers it). */
const LISTENERS: Record<string, string> = { prometheus: 'metrics', mimir: 'mimir', loki: 'logs', tempo: 'traces', zipkin: 'zipkin', jaeger: 'jaeger', otlp_http: 'otlp', alertmanager: 'alertmanager' };

describe('every route of every data listener is behind the tenant-token check', () => {
  let running: RunningSightline;

  beforeAll(async () => {
    const tok = (name: string, token: string, scopes: string[]) =>
      `    - { name: ${name}, token_sha256: ${hashTenantToken(token)}, tenants: [team-a], scopes: [${scopes.join(', ')}] }`;
    writeFileSync(
      join(dir, 'sightline.yaml'),
      [
        ...STORES_ON_PORT_0,
        'alertmanager: { listen_address: 127.0.0.1:0 }',
        'ui: { listen_address: 127.0.0.1:0, development_mode: true }',
        'server:',
        '  tenant_tokens:',
        // Valid tokens whose scope no route of the listener they are used on accepts.
        tok('alerts-write', TOKENS.alertsWrite, ['alerts:write']),
        tok('metrics-read', TOKENS.metricsRead, ['metrics:read']),
        '',
      ].join('\n'),
    );
    const config = loadSightlineConfig(parseCliArgs(['--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')]));
    running = await startSightline({ config, dataDir: join(dir, 'data'), target: 'all', logger: silentLogger() });
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
  });

  it('no token → 401, a token without the scope → 403, on every registered route', async () => {
    const wrong: string[] = [];
    let walked = 0;
    for (const [portName, listener] of Object.entries(LISTENERS)) {
      const port = running.ports[portName];
      expect(port, portName).toBeTypeOf('number');
      const routes = [...(registeredRoutes().get(listener) ?? [])];
      expect(routes.length, listener).toBeGreaterThan(3);
      // Alertmanager routes want alerts:*; every other listener's routes want its signal, rules:* or alerts:read.
      const scopeless = listener === 'alertmanager' ? TOKENS.metricsRead : TOKENS.alertsWrite;
      for (const route of routes) {
        const [method, pattern] = route.split(' ');
        if (method === 'HEAD') continue;
        const path = pattern.replace(/:[^/]+/g, 'x').replace(/\*/g, 'x');
        const url = `http://127.0.0.1:${port}${path}`;
        const none = (await fetch(url, { method })).status;
        const scoped = (await fetch(url, { method, headers: { authorization: `Bearer ${scopeless}` } })).status;
        walked++;
        const want = PROBES.has(path) ? [200, 200] : [401, 403];
        if (PROBES.has(path) ? none >= 400 || scoped >= 400 : none !== want[0] || scoped !== want[1]) wrong.push(`${listener} ${method} ${path}: ${none}/${scoped}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(walked).toBeGreaterThan(100);
  }, 120_000);
});
