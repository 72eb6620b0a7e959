import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSightline, startedPorts, tempDir, type SpawnedSightline } from './helpers/process.js';

/** `sightline --target traces` alone accepts OTLP itself, as Tempo's distributor receivers do. */
describe('--target traces with its own OTLP receivers', () => {
  let tempo: SpawnedSightline;
  let ports: Record<string, number>;

  beforeAll(async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'traces.yaml'),
      [
        'traces: { listen_address: 127.0.0.1:0, zipkin: { enabled: false }, jaeger: { enabled: false } }',
        'otlp: { grpc_listen_address: 127.0.0.1:0, http_listen_address: 127.0.0.1:0 }',
        '',
      ].join('\n'),
    );
    tempo = spawnSightline(['--config.file', join(dir, 'traces.yaml'), '--data-dir', join(dir, 'data'), '--target', 'traces']);
    ports = await startedPorts(tempo, 40_000);
  }, 60_000);

  afterAll(async () => {
    tempo?.child.kill('SIGTERM');
    await tempo?.exited;
  });

  it('stores OTLP/HTTP spans in the trace store and answers them on the Tempo API', async () => {
    expect(Object.keys(ports).sort()).toEqual(['otlp_grpc', 'otlp_http', 'tempo']);
    const traceId = '5b8efff798038103d269b633813fc60c';
    const now = BigInt(Date.now()) * 1_000_000n;
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
          scopeSpans: [{ spans: [{ traceId, spanId: 'eee19b7ec3c1b174', name: 'GET /cart', kind: 2, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 5_000_000n) }] }],
        },
      ],
    };
    const r = await fetch(`http://127.0.0.1:${ports.otlp_http}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status).toBe(200);
    const got = await fetch(`http://127.0.0.1:${ports.tempo}/api/v2/traces/${traceId}`);
    expect(got.status).toBe(200);
    expect(JSON.stringify(await got.json())).toContain('GET /cart');
  });

  it('refuses metrics and logs, which have no store in this process, with 503', async () => {
    const r = await fetch(`http://127.0.0.1:${ports.otlp_http}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'queue_depth', gauge: { dataPoints: [{ asDouble: 3, timeUnixNano: String(Date.now() * 1e6) }] } }] }] }] }) });
    expect(r.status).toBe(503);
    const l = await fetch(`http://127.0.0.1:${ports.otlp_http}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }] }] }) });
    expect(l.status).toBe(503);
  });
});
