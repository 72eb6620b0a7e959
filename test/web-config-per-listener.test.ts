import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata, credentials, makeGenericClientConstructor, status as GrpcStatus, type ChannelCredentials } from '@grpc/grpc-js';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSightline, startedPorts, tempDir, type SpawnedSightline } from './helpers/process.js';
import { makeTestPki, type TestPki } from './helpers/tls-certs.js';

// Issue 19, "settable globally and per component": in one process each listener enforces the web configuration in
// force on it — the global file, a section's inline `web_config`, a `--COMPONENT.web.config.file` flag, or an
// empty block — and `insecure_no_auth` is per listener: one exposed listener accepted with a warning naming it,
// another exposed listener without the flag refuses the start naming that one.

const dir = tempDir('sightline-web-per-listener-');
const basic = (userPass: string) => 'Basic ' + Buffer.from(userPass).toString('base64');

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/** One request over HTTPS (trusting `ca`) or plain HTTP; rejects when the connection fails (e.g. the wrong protocol). */
function call(url: string, opts: { auth?: string; ca?: Buffer; method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Res> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((res, rej) => {
    const r = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: opts.method ?? 'GET',
        ...(opts.ca ? { ca: opts.ca } : {}),
        headers: { ...(opts.auth ? { authorization: basic(opts.auth) } : {}), ...opts.headers },
        timeout: 10_000,
      },
      (resp) => {
        resp.resume();
        resp.on('end', () => res({ status: resp.statusCode ?? 0, headers: resp.headers }));
      },
    );
    r.on('timeout', () => r.destroy(new Error('timeout')));
    r.on('error', rej);
    r.end(opts.body);
  });
}

/** An empty OTLP trace export over gRPC as `auth`; resolves with the status code. */
function grpcExport(port: number, creds: ChannelCredentials, auth?: string): Promise<number> {
  const Client = makeGenericClientConstructor({}, 'TraceService');
  const client = new Client(`127.0.0.1:${port}`, creds);
  const md = new Metadata();
  if (auth) md.set('authorization', basic(auth));
  return new Promise<number>((res) =>
    client.makeUnaryRequest(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.alloc(0),
      md,
      { deadline: Date.now() + 10_000 },
      (err) => {
        client.close();
        res(err ? (err.code ?? -1) : GrpcStatus.OK);
      },
    ),
  );
}

describe('a web configuration per component, and insecure_no_auth per listener', () => {
  let s: SpawnedSightline;
  let ports: Record<string, number>;
  let pki: TestPki;

  beforeAll(async () => {
    pki = makeTestPki(dir, 'server');
    const [alice, bob, carol] = ['wonderland', 'builder', 'singer'].map((p) => bcrypt.hashSync(p, 8));
    // Global: TLS + alice, for every listener without its own (here Tempo 3200).
    writeFileSync(join(dir, 'global.yml'), `tls_server_config: { cert_file: ${pki.certFile}, key_file: ${pki.keyFile} }\nbasic_auth_users: { alice: '${alice}' }\n`);
    // Zipkin's own file, given by its flag: plain HTTP, carol only.
    writeFileSync(join(dir, 'zipkin.yml'), `basic_auth_users: { carol: '${carol}' }\n`);
    writeFileSync(
      join(dir, 'sightline.yaml'),
      [
        `server: { web_config_file: ${join(dir, 'global.yml')} }`,
        'traces:',
        '  listen_address: 127.0.0.1:0',
        '  zipkin: { listen_address: 127.0.0.1:0 }',
        // Exposed, plain and unauthenticated on purpose: accepted for this listener only, with a warning.
        '  jaeger: { listen_address: 0.0.0.0:0, web_config: {}, insecure_no_auth: true }',
        'otlp:',
        '  grpc_listen_address: 127.0.0.1:0',
        '  http_listen_address: 127.0.0.1:0',
        // OTLP's own inline block: plain HTTP and gRPC, bob only.
        `  web_config: { basic_auth_users: { bob: '${bob}' } }`,
        '',
      ].join('\n'),
    );
    s = spawnSightline(['--target', 'traces', '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data'), '--zipkin.web.config.file', join(dir, 'zipkin.yml')]);
    ports = await startedPorts(s, 90_000);
  }, 120_000);

  afterAll(async () => {
    s?.child.kill('SIGTERM');
    await s?.exited;
  });

  it('Tempo (global file): TLS, alice in, bob out, plain HTTP refused', async () => {
    const url = `https://127.0.0.1:${ports.tempo}/api/search/tags`;
    expect((await call(url, { ca: pki.ca, auth: 'alice:wonderland' })).status).toBe(200);
    expect((await call(url, { ca: pki.ca, auth: 'bob:builder' })).status).toBe(401);
    expect((await call(url, { ca: pki.ca })).status).toBe(401);
    await expect(call(`http://127.0.0.1:${ports.tempo}/api/search/tags`, { auth: 'alice:wonderland' })).rejects.toThrow();
  });

  it('OTLP/HTTP (inline web_config): plain HTTP, bob in, alice out, TLS not spoken', async () => {
    const url = `http://127.0.0.1:${ports.otlp_http}/v1/traces`;
    const post = { method: 'POST', body: '{"resourceSpans":[]}', headers: { 'content-type': 'application/json' } };
    expect((await call(url, { ...post, auth: 'bob:builder' })).status).toBe(200);
    const refused = await call(url, { ...post, auth: 'alice:wonderland' });
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Basic');
    expect((await call(url, post)).status).toBe(401);
    await expect(call(`https://127.0.0.1:${ports.otlp_http}/v1/traces`, { ...post, ca: pki.ca, auth: 'bob:builder' })).rejects.toThrow();
  });

  it('OTLP/gRPC follows the same section: plaintext, bob in, alice unauthenticated', async () => {
    expect(await grpcExport(ports.otlp_grpc, credentials.createInsecure(), 'bob:builder')).toBe(GrpcStatus.OK);
    expect(await grpcExport(ports.otlp_grpc, credentials.createInsecure(), 'alice:wonderland')).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(await grpcExport(ports.otlp_grpc, credentials.createInsecure())).toBe(GrpcStatus.UNAUTHENTICATED);
  });

  it('Zipkin (--zipkin.web.config.file): plain HTTP, carol in, alice and bob out', async () => {
    const url = `http://127.0.0.1:${ports.zipkin}/api/v2/spans`;
    const post = { method: 'POST', body: '[]', headers: { 'content-type': 'application/json' } };
    expect((await call(url, { ...post, auth: 'carol:singer' })).status).toBeLessThan(300);
    expect((await call(url, { ...post, auth: 'alice:wonderland' })).status).toBe(401);
    expect((await call(url, { ...post, auth: 'bob:builder' })).status).toBe(401);
  });

  it('Jaeger (web_config: {} and its own insecure_no_auth): plain, no credentials needed, and the start warned naming it', async () => {
    expect((await call(`http://127.0.0.1:${ports.jaeger}/-/ready`)).status).toBe(200);
    const warnings = s
      .stderr()
      .split('\n')
      .filter((l) => l.includes('without authentication'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/traces\.jaeger\.listen_address.*\(traces\.jaeger\.insecure_no_auth\)/);
  });
});

describe('insecure_no_auth on one listener does not cover another', () => {
  it('an exposed listener without auth and without its flag refuses the start, naming it and both ways out', async () => {
    const d = tempDir('sightline-exposed-per-listener-');
    writeFileSync(
      join(d, 'sightline.yaml'),
      [
        'traces:',
        '  listen_address: 0.0.0.0:0',
        '  insecure_no_auth: true',
        '  zipkin: { listen_address: 0.0.0.0:0 }',
        '  jaeger: { enabled: false }',
        'otlp: { grpc_listen_address: 127.0.0.1:0, http_listen_address: 127.0.0.1:0 }',
        '',
      ].join('\n'),
    );
    const refused = spawnSightline(['--target', 'traces', '--config.file', join(d, 'sightline.yaml'), '--data-dir', join(d, 'data')]);
    expect(await refused.exited).not.toBe(0);
    const out = refused.stderr() + refused.stdout();
    expect(out).toMatch(/traces\.zipkin\.listen_address.*0\.0\.0\.0:0 is reachable beyond this machine without authentication/s);
    expect(out).toMatch(/traces\.zipkin\.web_config_file/);
    expect(out).toMatch(/traces\.zipkin\.insecure_no_auth: true/);
    // The accepted listener was warned about before the refusal, by its own flag.
    expect(out).toMatch(/traces\.listen_address \(0\.0\.0\.0:0\) is reachable beyond this machine without authentication \(traces\.insecure_no_auth\)/);
  }, 90_000);
});
