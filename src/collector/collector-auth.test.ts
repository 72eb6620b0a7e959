import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Metadata, credentials, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/process.js';
import { makeTestPki } from '../../test/helpers/tls-certs.js';
import { sightlineConfigSchema, ConfigError } from '../config/index.js';
import { encodeExportRequest, exportServicePath, type ExportTraceServiceRequest } from '../otlp/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../server/index.js';
import { startCollector } from './component.js';

const ctx = (dir: string) => ({ config: sightlineConfigSchema.parse({}), dataDir: dir, logger: silentLogger(), registry: createSelfMetricsRegistry() });

const spans = (name: string) => ({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name }] }] }] });

/** A POST over TLS trusting `ca` (Node's fetch takes no CA): status and body. */
function httpsPost(url: string, ca: Buffer, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function grpcExport(port: number, ca: Buffer, token: string | undefined, name: string): Promise<ServiceError | null> {
  const client = new Client(`localhost:${port}`, credentials.createSsl(ca));
  const md = new Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  const req: ExportTraceServiceRequest = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'), spanId: Buffer.from('b7ad6b7169203331', 'hex'), name }] }] }] } as ExportTraceServiceRequest;
  const body = Buffer.from(encodeExportRequest({ signal: 'traces', req }));
  return new Promise((resolve) => {
    client.makeUnaryRequest(exportServicePath('traces'), (b: Buffer) => b, (b: Buffer) => b, body, md, (err) => {
      client.close();
      resolve(err);
    });
  });
}

function sink(got: string[]) {
  return {
    traces: {
      async pushTraces(_t: string, req: ExportTraceServiceRequest) {
        for (const rs of req.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) got.push(s.name ?? '');
        return { rejected: 0, message: '' };
      },
    },
  };
}

/** A collector whose otlp receiver (`protocols`, YAML flow) hands spans to an in-process sink collecting their names. */
async function startBackend(dir: string, protocols: string, extensions = '{}', enabled = '[]') {
  const file = join(dir, 'backend.yaml');
  writeFileSync(
    file,
    `
extensions: ${extensions}
receivers: { otlp: { protocols: ${protocols} } }
exporters: { sightline: {} }
service:
  extensions: ${enabled}
  telemetry: { metrics: { level: none } }
  pipelines: { traces: { receivers: [otlp], exporters: [sightline] } }
`,
  );
  const got: string[] = [];
  return { got, backend: await startCollector(ctx(dir), { configFile: file, inProcess: sink(got) }) };
}

describe('collector TLS and authentication', () => {
  it('receivers: OTLP/HTTP over TLS with basicauth (plain and bcrypt htpasswd), OTLP/gRPC over TLS with a bearer token; exporters with auth and tls.ca_file reach them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelcol-auth-'));
    const pki = makeTestPki(dir, 'collector');
    const hash = bcrypt.hashSync('hunter2', 4).replace(/^\$2b\$/, '$2y$');
    writeFileSync(join(dir, 'token'), 'grpc-token\n');
    // The backend collector: TLS and authentication on both OTLP protocols.
    const tlsFiles = `cert_file: ${pki.certFile}, key_file: ${pki.keyFile}`;
    const { got, backend } = await startBackend(
      dir,
      `{ http: { endpoint: 127.0.0.1:0, tls: { ${tlsFiles}, min_version: "1.2" }, auth: { authenticator: basicauth/in } }, grpc: { endpoint: 127.0.0.1:0, tls: { ${tlsFiles} }, auth: { authenticator: bearertokenauth/in } } }`,
      `{ basicauth/in: { htpasswd: { inline: "alice:secret\\nbob:${hash}\\n" } }, bearertokenauth/in: { filename: ${join(dir, 'token')} } }`,
      '[basicauth/in, bearertokenauth/in]',
    );
    let front: Awaited<ReturnType<typeof startCollector>> | undefined;
    try {
      const httpUrl = `https://127.0.0.1:${backend.ports.otelcol_otlp_http}/v1/traces`;
      const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
      const json = { 'content-type': 'application/json' };
      expect((await httpsPost(httpUrl, pki.ca, { ...json, authorization: basic('alice', 'secret') }, JSON.stringify(spans('plain')))).status).toBe(200);
      expect((await httpsPost(httpUrl, pki.ca, { ...json, authorization: basic('bob', 'hunter2') }, JSON.stringify(spans('bcrypt')))).status).toBe(200);
      const wrong = await httpsPost(httpUrl, pki.ca, { ...json, authorization: basic('alice', 'wrong') }, JSON.stringify(spans('wrong')));
      expect(wrong.status).toBe(401);
      expect((await httpsPost(httpUrl, pki.ca, json, JSON.stringify(spans('none')))).status).toBe(401);
      // Plain HTTP on the TLS listener is not served.
      await expect(fetch(httpUrl.replace('https:', 'http:'), { method: 'POST', headers: json, body: '{}' }).then((r) => r.status)).rejects.toThrow();

      const grpcPort = backend.ports.otelcol_otlp_grpc;
      expect(await grpcExport(grpcPort, pki.ca, 'grpc-token', 'grpc-ok')).toBeNull();
      expect((await grpcExport(grpcPort, pki.ca, undefined, 'grpc-none'))?.code).toBe(GrpcStatus.UNAUTHENTICATED);
      expect((await grpcExport(grpcPort, pki.ca, 'other', 'grpc-bad'))?.code).toBe(GrpcStatus.UNAUTHENTICATED);
      expect(got.sort()).toEqual(['bcrypt', 'grpc-ok', 'plain']);

      // A front collector whose exporters authenticate to the backend over TLS with its CA.
      const frontFile = join(dir, 'front.yaml');
      writeFileSync(
        frontFile,
        `
extensions:
  basicauth/out: { client_auth: { username: alice, password: secret } }
  bearertokenauth/out: { token: grpc-token }
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
exporters:
  otlphttp: { endpoint: "https://localhost:${backend.ports.otelcol_otlp_http}", tls: { ca_file: ${pki.caFile} }, auth: { authenticator: basicauth/out }, sending_queue: { enabled: false }, retry_on_failure: { enabled: false } }
  otlp: { endpoint: "localhost:${grpcPort}", tls: { ca_file: ${pki.caFile} }, auth: { authenticator: bearertokenauth/out }, sending_queue: { enabled: false }, retry_on_failure: { enabled: false } }
service:
  extensions: [basicauth/out, bearertokenauth/out]
  telemetry: { metrics: { level: none } }
  pipelines: { traces: { receivers: [otlp], exporters: [otlphttp, otlp] } }
`,
      );
      front = await startCollector(ctx(dir), { configFile: frontFile });
      const r = await fetch(`http://127.0.0.1:${front.ports.otelcol_otlp_http}/v1/traces`, { method: 'POST', headers: json, body: JSON.stringify(spans('relayed')) });
      expect(r.status).toBe(200);
      await waitFor(() => got.filter((n) => n === 'relayed').length === 2);
    } finally {
      await front?.stop();
      await backend.stop();
    }
  });

  it('an exporter without the backend CA or without auth fails; loki and prometheusremotewrite send the authenticator header over TLS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelcol-auth-'));
    const pki = makeTestPki(dir, 'backend');
    const seen: { url: string; auth: string | undefined }[] = [];
    const server = https.createServer({ key: pki.key, cert: pki.cert }, (req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push({ url: req.url ?? '', auth: req.headers.authorization });
        res.writeHead(req.headers.authorization === 'Bearer loki-token' ? 204 : 401).end();
      });
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
    const port = (server.address() as { port: number }).port;
    const file = join(dir, 'c.yaml');
    writeFileSync(
      file,
      `
extensions:
  bearertokenauth/out: { token: loki-token }
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
exporters:
  loki: { endpoint: "https://127.0.0.1:${port}/loki/api/v1/push", tls: { ca_file: ${pki.caFile} }, auth: { authenticator: bearertokenauth/out }, sending_queue: { enabled: false }, retry_on_failure: { enabled: false } }
  loki/noauth: { endpoint: "https://127.0.0.1:${port}/noauth", tls: { ca_file: ${pki.caFile} }, sending_queue: { enabled: false }, retry_on_failure: { enabled: false } }
  loki/noca: { endpoint: "https://127.0.0.1:${port}/noca", auth: { authenticator: bearertokenauth/out }, sending_queue: { enabled: false }, retry_on_failure: { enabled: false } }
  prometheusremotewrite: { endpoint: "https://127.0.0.1:${port}/api/v1/push", tls: { ca_file: ${pki.caFile} }, auth: { authenticator: bearertokenauth/out }, sending_queue: { enabled: false }, retry_on_failure: { enabled: false } }
service:
  extensions: [bearertokenauth/out]
  telemetry: { metrics: { level: none } }
  pipelines:
    logs: { receivers: [otlp], exporters: [loki, loki/noauth, loki/noca] }
    metrics: { receivers: [otlp], exporters: [prometheusremotewrite] }
`,
    );
    const c = await startCollector(ctx(dir), { configFile: file });
    try {
      const logs = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: String(Date.now() * 1e6), body: { stringValue: 'hello' } }] }] }] };
      await fetch(`http://127.0.0.1:${c.ports.otelcol_otlp_http}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(logs) });
      const metrics = { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'up', gauge: { dataPoints: [{ timeUnixNano: String(Date.now() * 1e6), asDouble: 1 }] } }] }] }] };
      const m = await fetch(`http://127.0.0.1:${c.ports.otelcol_otlp_http}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(metrics) });
      expect(m.status).toBe(200);
      await waitFor(() => seen.some((s) => s.url === '/api/v1/push') && seen.some((s) => s.url === '/noauth'));
      expect(seen.find((s) => s.url === '/loki/api/v1/push')?.auth).toBe('Bearer loki-token');
      expect(seen.find((s) => s.url === '/api/v1/push')?.auth).toBe('Bearer loki-token');
      expect(seen.find((s) => s.url === '/noauth')?.auth).toBeUndefined();
      // Without the CA the TLS handshake fails: the request never reaches the server.
      expect(seen.some((s) => s.url === '/noca')).toBe(false);
    } finally {
      await c.stop();
      await new Promise<void>((res) => server.close(() => res()));
    }
  });

  it('refuses at start an authenticator that is not configured, or configured but not in service.extensions, naming the YAML path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelcol-auth-'));
    const write = (ext: string, listed: string) => {
      const file = join(dir, `c${Math.random()}.yaml`);
      writeFileSync(
        file,
        `
extensions: { ${ext} }
receivers: { otlp: { protocols: { grpc: { endpoint: 127.0.0.1:0, auth: { authenticator: basicauth/in } } } } }
exporters: { debug: {} }
service:
  extensions: [${listed}]
  telemetry: { metrics: { level: none } }
  pipelines: { traces: { receivers: [otlp], exporters: [debug] } }
`,
      );
      return file;
    };
    const unknown = startCollector(ctx(dir), { configFile: write('health_check: {}', 'health_check') });
    await expect(unknown).rejects.toThrow(ConfigError);
    await expect(unknown).rejects.toThrow(/receivers\.otlp\.protocols\.grpc\.auth\.authenticator.*basicauth\/in.*not found/);
    await expect(startCollector(ctx(dir), { configFile: write('"basicauth/in": { htpasswd: { inline: "a:b" } }', '') })).rejects.toThrow(/receivers\.otlp\.protocols\.grpc\.auth\.authenticator.*not enabled in service\.extensions/);
    await expect(startCollector(ctx(dir), { configFile: write('"bearertokenauth/x": {}', '') })).rejects.toThrow(/extensions\.bearertokenauth\/x.*token or filename/);
    await expect(startCollector(ctx(dir), { configFile: write('"basicauth/x": { htpasswd: { inline: "a:b" }, client_auth: { username: a, password: b } }', '') })).rejects.toThrow(/extensions\.basicauth\/x.*not both/);
  });
});

describe('collector mutual TLS', () => {
  it('a receiver with client_ca_file refuses a client without a certificate and takes exporters presenting cert_file/key_file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelcol-mtls-'));
    const srv = makeTestPki(dir, 'srv');
    const cli = makeTestPki(dir, 'cli', ['DNS:client'], 'serverAuth,clientAuth');
    const tls = `{ cert_file: ${srv.certFile}, key_file: ${srv.keyFile}, client_ca_file: ${cli.caFile} }`;
    const { got, backend } = await startBackend(dir, `{ http: { endpoint: 127.0.0.1:0, tls: ${tls} }, grpc: { endpoint: 127.0.0.1:0, tls: ${tls} } }`);
    let front: Awaited<ReturnType<typeof startCollector>> | undefined;
    try {
      const url = `https://127.0.0.1:${backend.ports.otelcol_otlp_http}/v1/traces`;
      await expect(httpsPost(url, srv.ca, { 'content-type': 'application/json' }, JSON.stringify(spans('anonymous')))).rejects.toThrow();
      expect(await grpcExport(backend.ports.otelcol_otlp_grpc, srv.ca, undefined, 'anonymous-grpc')).not.toBeNull();
      const client = `{ ca_file: ${srv.caFile}, cert_file: ${cli.certFile}, key_file: ${cli.keyFile} }`;
      const frontFile = join(dir, 'front.yaml');
      writeFileSync(
        frontFile,
        `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
exporters:
  otlphttp: { endpoint: "https://localhost:${backend.ports.otelcol_otlp_http}", tls: ${client}, sending_queue: { enabled: false }, retry_on_failure: { enabled: false } }
  otlp: { endpoint: "localhost:${backend.ports.otelcol_otlp_grpc}", tls: ${client}, sending_queue: { enabled: false }, retry_on_failure: { enabled: false } }
service:
  telemetry: { metrics: { level: none } }
  pipelines: { traces: { receivers: [otlp], exporters: [otlphttp, otlp] } }
`,
      );
      front = await startCollector(ctx(dir), { configFile: frontFile });
      const r = await fetch(`http://127.0.0.1:${front.ports.otelcol_otlp_http}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spans('mtls')) });
      expect(r.status).toBe(200);
      await waitFor(() => got.filter((n) => n === 'mtls').length === 2);
      expect(got.filter((n) => n.startsWith('anonymous'))).toEqual([]);
    } finally {
      await front?.stop();
      await backend.stop();
    }
  });
});

describe('zipkin and jaeger receivers with TLS and auth', () => {
  it('zipkin over TLS with basicauth, jaeger gRPC with a bearer token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelcol-zj-'));
    const pki = makeTestPki(dir, 'zj');
    const file = join(dir, 'c.yaml');
    writeFileSync(
      file,
      `
extensions:
  basicauth/z: { htpasswd: { inline: "zed:pw" } }
  bearertokenauth/j: { token: jt }
receivers:
  zipkin: { endpoint: 127.0.0.1:0, tls: { cert_file: ${pki.certFile}, key_file: ${pki.keyFile} }, auth: { authenticator: basicauth/z } }
  jaeger: { protocols: { grpc: { endpoint: 127.0.0.1:0, auth: { authenticator: bearertokenauth/j } } } }
exporters: { sightline: {} }
service:
  extensions: [basicauth/z, bearertokenauth/j]
  telemetry: { metrics: { level: none } }
  pipelines: { traces: { receivers: [zipkin, jaeger], exporters: [sightline] } }
`,
    );
    const got: string[] = [];
    const c = await startCollector(ctx(dir), { configFile: file, inProcess: sink(got) });
    try {
      const url = `https://127.0.0.1:${c.ports.otelcol_zipkin}/api/v2/spans`;
      const body = JSON.stringify([{ traceId: '0af7651916cd43dd8448eb211c80319c', id: 'b7ad6b7169203331', name: 'zipkin-op', timestamp: Date.now() * 1000, duration: 10, localEndpoint: { serviceName: 'svc' } }]);
      const json = { 'content-type': 'application/json' };
      expect((await httpsPost(url, pki.ca, json, body)).status).toBe(401);
      expect((await httpsPost(url, pki.ca, { ...json, authorization: `Basic ${Buffer.from('zed:pw').toString('base64')}` }, body)).status).toBe(202);
      expect(got).toEqual(['zipkin-op']);

      const post = (token: string | undefined) => {
        const client = new Client(`127.0.0.1:${c.ports.otelcol_jaeger_grpc}`, credentials.createInsecure());
        const md = new Metadata();
        if (token) md.set('authorization', `Bearer ${token}`);
        return new Promise<ServiceError | null>((resolve) =>
          client.makeUnaryRequest('/jaeger.api_v2.CollectorService/PostSpans', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), md, (err) => {
            client.close();
            resolve(err);
          }),
        );
      };
      expect((await post(undefined))?.code).toBe(GrpcStatus.UNAUTHENTICATED);
      expect((await post('nope'))?.code).toBe(GrpcStatus.UNAUTHENTICATED);
      expect((await post('jt'))?.code ?? GrpcStatus.OK).not.toBe(GrpcStatus.UNAUTHENTICATED);
    } finally {
      await c.stop();
    }
  });
});

describe('the OpenTelemetry JS SDK as a client', () => {
  it('its OTLP/HTTP exporter over TLS with basic auth is accepted; with a wrong password the export fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelcol-sdk-'));
    const pki = makeTestPki(dir, 'sdk');
    const { got, backend } = await startBackend(
      dir,
      `{ http: { endpoint: 127.0.0.1:0, tls: { cert_file: ${pki.certFile}, key_file: ${pki.keyFile} }, auth: { authenticator: basicauth/in } } }`,
      '{ basicauth/in: { htpasswd: { inline: "app:s3cret" } } }',
      '[basicauth/in]',
    );
    try {
      const memory = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
      provider.getTracer('t').startSpan('sdk-span').end();
      const finished: ReadableSpan[] = memory.getFinishedSpans();
      const send = (password: string) => {
        const exporter = new OTLPTraceExporter({
          url: `https://localhost:${backend.ports.otelcol_otlp_http}/v1/traces`,
          headers: { authorization: `Basic ${Buffer.from(`app:${password}`).toString('base64')}` },
          httpAgentOptions: { ca: pki.ca },
        });
        return new Promise<number>((resolve) => exporter.export(finished, (r) => resolve(r.code))).finally(() => exporter.shutdown());
      };
      expect(await send('wrong')).toBe(1); // ExportResultCode.FAILED
      expect(got).toEqual([]);
      expect(await send('s3cret')).toBe(0); // ExportResultCode.SUCCESS
      expect(got).toEqual(['sdk-span']);
    } finally {
      await backend.stop();
    }
  });
});
