import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { Metadata, credentials, makeGenericClientConstructor, status as GrpcStatus } from '@grpc/grpc-js';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_LISTENERS_ON_LOOPBACK } from './helpers/loopback-config.js';
import { spawnSightline, startedPorts, tempDir, type SpawnedSightline } from './helpers/process.js';

// The web configuration (Prometheus's --web.config.file) on every listener of the real process: TLS with a CA,
// basic auth with a bcrypt user, mutual TLS; and the secure-by-default start check.

const dir = tempDir('sightline-web-');
const pem = (name: string) => readFileSync(join(dir, name));

function openssl(...args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

function makeCertificates() {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=sightline-test-ca');
  for (const who of ['server', 'client']) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who === 'server' ? '127.0.0.1' : 'test-client'}`);
    writeFileSync(join(dir, `${who}.ext`), who === 'server' ? 'subjectAltName=IP:127.0.0.1\n' : 'extendedKeyUsage=clientAuth\n');
    openssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.crt`, '-days', '2', '-extfile', `${who}.ext`);
  }
}

interface Res {
  status: number;
  body: string;
}

function call(url: string, opts: { auth?: string; client?: boolean; method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Res> {
  const u = new URL(url);
  return new Promise((res, rej) => {
    const r = httpsRequest(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: opts.method ?? 'GET',
        ca: pem('ca.crt'),
        ...(opts.client ? { cert: pem('client.crt'), key: pem('client.key') } : {}),
        headers: { ...(opts.auth ? { authorization: 'Basic ' + Buffer.from(opts.auth).toString('base64') } : {}), ...opts.headers },
      },
      (resp) => {
        let body = '';
        resp.on('data', (d: Buffer) => (body += d.toString()));
        resp.on('end', () => res({ status: resp.statusCode ?? 0, body }));
      },
    );
    r.on('error', rej);
    r.end(opts.body);
  });
}

const PORTS0 = ALL_LISTENERS_ON_LOOPBACK;

describe('web configuration on every listener', () => {
  let s: SpawnedSightline;
  let ports: Record<string, number>;

  beforeAll(async () => {
    makeCertificates();
    writeFileSync(
      join(dir, 'web.yml'),
      ['tls_server_config:', '  cert_file: server.crt', '  key_file: server.key', 'basic_auth_users:', `  alice: ${bcrypt.hashSync('wonderland', 10)}`, ''].join('\n'),
    );
    writeFileSync(join(dir, 'sightline.yaml'), [...PORTS0, ''].join('\n'));
    s = spawnSightline(['--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data'), '--web.config.file', join(dir, 'web.yml')]);
    ports = await startedPorts(s, 60_000);
  }, 90_000);

  afterAll(async () => {
    s?.child.kill('SIGTERM');
    await s?.exited;
  });

  it.each([
    ['prometheus', '/api/v1/query?query=1'],
    ['mimir', '/prometheus/api/v1/query?query=1'],
    ['loki', '/loki/api/v1/labels'],
    ['tempo', '/api/search/tags'],
  ])('%s: TLS with basic auth — right password 200, wrong 401, none 401, plain HTTP refused', async (listener, path) => {
    const url = `https://127.0.0.1:${ports[listener]}${path}`;
    expect((await call(url, { auth: 'alice:wonderland' })).status).toBe(200);
    expect((await call(url, { auth: 'alice:wrong' })).status).toBe(401);
    expect((await call(url)).status).toBe(401);
    await expect(fetch(`http://127.0.0.1:${ports[listener]}${path}`)).rejects.toThrow();
  });

  it('OTLP/HTTP (4318) ingest over TLS needs the credentials: right password 200, wrong 401, none 401, plain HTTP refused', async () => {
    const url = `https://127.0.0.1:${ports.otlp_http}/v1/traces`;
    const opts = { method: 'POST', body: '{"resourceSpans":[]}', headers: { 'content-type': 'application/json' } };
    expect((await call(url, { ...opts, auth: 'alice:wonderland' })).status).toBe(200);
    expect((await call(url, { ...opts, auth: 'alice:wrong' })).status).toBe(401);
    expect((await call(url, opts)).status).toBe(401);
    await expect(fetch(`http://127.0.0.1:${ports.otlp_http}/v1/traces`, { method: 'POST', body: opts.body, headers: opts.headers })).rejects.toThrow();
  });

  it('OTLP gRPC (4317) speaks TLS and checks basic auth in the metadata', async () => {
    const Client = makeGenericClientConstructor({}, 'TraceService');
    const client = new Client(`127.0.0.1:${ports.otlp_grpc}`, credentials.createSsl(pem('ca.crt')));
    const exportSpans = (md: Metadata) =>
      new Promise<number>((res) =>
        client.makeUnaryRequest(
          '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.alloc(0),
          md,
          (err) => res(err ? (err.code ?? -1) : GrpcStatus.OK),
        ),
      );
    const good = new Metadata();
    good.set('authorization', 'Basic ' + Buffer.from('alice:wonderland').toString('base64'));
    expect(await exportSpans(good)).toBe(GrpcStatus.OK);
    const wrong = new Metadata();
    wrong.set('authorization', 'Basic ' + Buffer.from('alice:wrong').toString('base64'));
    expect(await exportSpans(wrong)).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(await exportSpans(new Metadata())).toBe(GrpcStatus.UNAUTHENTICATED);
    client.close();
    // A plaintext client does not get through a TLS listener.
    const plain = new Client(`127.0.0.1:${ports.otlp_grpc}`, credentials.createInsecure());
    const status = await new Promise<number>((res) =>
      plain.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), good, { deadline: Date.now() + 5000 }, (err) => res(err ? (err.code ?? -1) : GrpcStatus.OK)),
    );
    expect(status).not.toBe(GrpcStatus.OK);
    plain.close();
  });
});

describe('mutual TLS and secure-by-default start', () => {
  it('RequireAndVerifyClientCert: a client with the CA-signed certificate gets in, one without is refused', async () => {
    const d2 = tempDir('sightline-mtls-');
    writeFileSync(
      join(d2, 'web.yml'),
      ['tls_server_config:', `  cert_file: ${join(dir, 'server.crt')}`, `  key_file: ${join(dir, 'server.key')}`, `  client_ca_file: ${join(dir, 'ca.crt')}`, '  client_auth_type: RequireAndVerifyClientCert', ''].join('\n'),
    );
    const s = spawnSightline(['--target', 'metrics', '--web.listen-address', '127.0.0.1:0', '--data-dir', join(d2, 'data'), '--web.config.file', join(d2, 'web.yml')]);
    try {
      const ports = await startedPorts(s, 60_000);
      const url = `https://127.0.0.1:${ports.prometheus}/api/v1/query?query=1`;
      expect((await call(url, { client: true })).status).toBe(200);
      await expect(call(url)).rejects.toThrow();
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  }, 90_000);

  it('refuses to start a listener on 0.0.0.0 without authentication, and starts with insecure_no_auth', async () => {
    const d3 = tempDir('sightline-exposed-');
    writeFileSync(join(d3, 'a.yaml'), 'metrics: { listen_address: 0.0.0.0:0 }\n');
    const refused = spawnSightline(['--target', 'metrics', '--config.file', join(d3, 'a.yaml'), '--data-dir', join(d3, 'data')]);
    expect(await refused.exited).not.toBe(0);
    expect(refused.stderr() + refused.stdout()).toMatch(/metrics\.listen_address.*without authentication.*basic_auth_users.*insecure_no_auth/s);
    writeFileSync(join(d3, 'b.yaml'), 'server: { insecure_no_auth: true }\nmetrics: { listen_address: 0.0.0.0:0 }\n');
    const started = spawnSightline(['--target', 'metrics', '--config.file', join(d3, 'b.yaml'), '--data-dir', join(d3, 'data2')]);
    try {
      await startedPorts(started, 60_000);
      expect(started.stderr()).toMatch(/without authentication \(server\.insecure_no_auth\)/);
    } finally {
      started.child.kill('SIGTERM');
      await started.exited;
    }
  }, 90_000);
});
