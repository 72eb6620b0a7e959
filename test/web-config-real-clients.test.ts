import { Agent, request as httpsRequest } from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import { ALL_LISTENERS_ON_LOOPBACK } from './helpers/loopback-config.js';
import { freePort, spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';
import { prometheusAvailable, startPrometheus, type PrometheusPeer } from './helpers/prometheus-peer.js';
import { makeTestPki, type TestPki } from './helpers/tls-certs.js';

// Acceptance line 2 of issue 19: real clients, configured the way their users configure them, send through the web
// configuration (TLS with a self-signed CA made here + bcrypt basic auth): a real Prometheus remote_write with
// basic_auth and tls_config, the OpenTelemetry SDK's OTLP/HTTP exporter with headers, and winston-loki with basicAuth.

const dir = tempDir('sightline-web-clients-');
const AUTH = 'Basic ' + Buffer.from('alice:wonderland').toString('base64');

describe.runIf(prometheusAvailable())('real clients with credentials through the web configuration', () => {
  let s: SpawnedSightline;
  let ports: Record<string, number>;
  let pki: TestPki;
  let prom: PrometheusPeer;

  function get(port: number, path: string, auth = true): Promise<{ status: number; body: string }> {
    return new Promise((res, rej) => {
      const r = httpsRequest(
        { host: '127.0.0.1', port, path, ca: pki.ca, headers: auth ? { authorization: AUTH } : {} },
        (resp) => {
          let body = '';
          resp.on('data', (d: Buffer) => (body += d.toString()));
          resp.on('end', () => res({ status: resp.statusCode ?? 0, body }));
        },
      );
      r.on('error', rej);
      r.end();
    });
  }

  beforeAll(async () => {
    pki = makeTestPki(dir, 'server');
    writeFileSync(
      join(dir, 'web.yml'),
      ['tls_server_config:', `  cert_file: ${pki.certFile}`, `  key_file: ${pki.keyFile}`, 'basic_auth_users:', `  alice: ${bcrypt.hashSync('wonderland', 10)}`, ''].join('\n'),
    );
    writeFileSync(join(dir, 'sightline.yaml'), [...ALL_LISTENERS_ON_LOOPBACK, ''].join('\n'));
    s = spawnSightline(['--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data'), '--web.config.file', join(dir, 'web.yml')]);
    ports = await startedPorts(s, 60_000);
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    s?.child.kill('SIGTERM');
    await s?.exited;
  });

  it('Prometheus remote_write with basic_auth + tls_config: samples arrive; the queue without credentials gets 401', async () => {
    const pport = await freePort();
    const push = `https://127.0.0.1:${ports.mimir}/api/v1/push`;
    const queue = (name: string, auth: string) =>
      `  - url: ${push}\n    name: ${name}\n${auth}    tls_config:\n      ca_file: ${pki.caFile}\n` +
      `    queue_config:\n      batch_send_deadline: 500ms\n      min_backoff: 100ms\n      max_backoff: 1s\n`;
    prom = await startPrometheus(
      tempDir('prom-rw-auth-'),
      `global:\n  scrape_interval: 1s\n` +
        `scrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:${pport}']\n` +
        `remote_write:\n` +
        queue('with_auth', '    basic_auth:\n      username: alice\n      password: wonderland\n') +
        queue('no_auth', ''),
      pport,
    );
    const q = `/prometheus/api/v1/query?query=${encodeURIComponent('count(up{job="self"})')}`;
    await waitFor(async () => JSON.parse((await get(ports.mimir, q)).body).data?.result?.length === 1, 30_000, 'remote-written up{job="self"} in Sightline');
    const res = JSON.parse((await get(ports.mimir, q)).body) as { data: { result: { value: [number, string] }[] } };
    expect(Number(res.data.result[0].value[1])).toBe(1);
    // The queue without credentials is refused: Prometheus counts its samples as failed (401 is not retried).
    await waitFor(
      async () => {
        const r = await prom.query('prometheus_remote_storage_samples_failed_total{remote_name="no_auth"}');
        return r.length === 1 && Number(r[0].value![1]) > 0;
      },
      30_000,
      'no_auth queue samples failed',
    );
    const ok = await prom.query('prometheus_remote_storage_samples_failed_total{remote_name="with_auth"}');
    expect(ok.map((r) => Number(r.value![1]))).toEqual([0]);
    // And the same endpoint answers 401 to a request without credentials.
    expect((await get(ports.mimir, '/api/v1/push', false)).status).toBe(401);
  }, 60_000);

  it('OpenTelemetry SDK OTLP/HTTP exporter with an Authorization header over TLS: spans arrive', async () => {
    const exporter = new OTLPTraceExporter({
      url: `https://127.0.0.1:${ports.otlp_http}/v1/traces`,
      headers: { Authorization: AUTH },
      httpAgentOptions: { ca: pki.ca },
    });
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const span = provider.getTracer('web-config-test').startSpan('authenticated-span');
    const traceId = span.spanContext().traceId;
    span.end();
    await provider.forceFlush();
    await provider.shutdown();
    await waitFor(async () => (await get(ports.tempo, `/api/traces/${traceId}`)).status === 200, 20_000, 'span in Tempo API');
    expect((await get(ports.tempo, `/api/traces/${traceId}`)).body).toContain('authenticated-span');
    expect((await get(ports.tempo, `/api/traces/${traceId}`, false)).status).toBe(401);
  }, 30_000);

  it('winston-loki with basicAuth over TLS: lines arrive', async () => {
    const marker = `line-${Date.now()}`;
    const transport = new LokiTransport({
      host: `https://127.0.0.1:${ports.loki}`,
      basicAuth: 'alice:wonderland',
      httpsAgent: new Agent({ ca: pki.ca }),
      labels: { app: 'webcfg' },
      batching: false,
      onConnectionError: (e: unknown) => console.error('winston-loki', e),
    });
    const logger = winston.createLogger({ transports: [transport] });
    logger.info(marker);
    const path = `/loki/api/v1/query_range?query=${encodeURIComponent('{app="webcfg"}')}&limit=10`;
    await waitFor(async () => (await get(ports.loki, path)).body.includes(marker), 20_000, 'winston-loki line in Loki');
    expect((await get(ports.loki, path, false)).status).toBe(401);
    logger.close();
  }, 30_000);
});
