import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { Metadata, credentials, makeGenericClientConstructor, status as GrpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_LISTENERS_ON_LOOPBACK } from './helpers/loopback-config.js';
import { spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';
import { makeClientCert, makeTestPki, type TestPki } from './helpers/tls-certs.js';

// The web configuration's certificate and key are re-read when their files change: a running listener serves the
// new certificate to new connections, without a restart — on HTTP listeners and on OTLP gRPC (4317). And mutual
// TLS (`RequireAndVerifyClientCert`) on every store and receiver listener: a client certificate from the right CA
// gets in, one signed by another CA or none is refused.

const dir = tempDir('sightline-cert-reload-');

/** The SHA-256 fingerprint of the certificate the listener serves, and whether it verifies against `ca`. */
function served(port: number, ca: Buffer): Promise<{ fingerprint: string; trusted: boolean }> {
  return new Promise((res, rej) => {
    const sock = connect({ host: '127.0.0.1', port, ca, rejectUnauthorized: false, servername: 'localhost' }, () => {
      const out = { fingerprint: sock.getPeerCertificate().fingerprint256, trusted: sock.authorized };
      sock.end();
      res(out);
    });
    sock.on('error', rej);
  });
}

describe('certificate reload', () => {
  let s: SpawnedSightline;
  let port: number;
  const live = join(dir, 'live');
  let first: TestPki;

  beforeAll(async () => {
    mkdirSync(live);
    first = makeTestPki(dir, 'first');
    copyFileSync(first.certFile, join(live, 'tls.crt'));
    copyFileSync(first.keyFile, join(live, 'tls.key'));
    writeFileSync(join(dir, 'web.yml'), `tls_server_config:\n  cert_file: ${join(live, 'tls.crt')}\n  key_file: ${join(live, 'tls.key')}\n`);
    s = spawnSightline(['--target', 'metrics', '--web.listen-address', '127.0.0.1:0', '--data-dir', join(dir, 'data'), '--web.config.file', join(dir, 'web.yml')]);
    port = (await startedPorts(s, 60_000)).prometheus;
  }, 90_000);

  afterAll(async () => {
    s?.child.kill('SIGTERM');
    await s?.exited;
  });

  it('rewriting cert_file and key_file makes the listener serve the new certificate', async () => {
    const before = await served(port, first.ca);
    expect(before.trusted).toBe(true);
    expect(before.fingerprint).toBe(new X509Certificate(first.cert).fingerprint256);
    const second = makeTestPki(dir, 'second');
    const secondPrint = new X509Certificate(second.cert).fingerprint256;
    expect(before.fingerprint).not.toBe(secondPrint);
    expect((await served(port, second.ca)).trusted).toBe(false);
    copyFileSync(second.keyFile, join(live, 'tls.key'));
    copyFileSync(second.certFile, join(live, 'tls.crt'));
    const after = await waitFor(async () => {
      const r = await served(port, second.ca);
      return r.fingerprint === secondPrint ? r : undefined;
    }, 15_000, 'the new certificate to be served');
    expect(after.trusted).toBe(true);
    expect((await served(port, first.ca)).trusted).toBe(false);
  }, 30_000);
});

interface ClientTls {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** GET over HTTPS with `tls`; resolves with the status, rejects when the handshake is refused. */
function getStatus(port: number, path: string, tls: ClientTls): Promise<number> {
  return new Promise((res, rej) => {
    const r = httpsRequest({ host: '127.0.0.1', port, path, agent: false, timeout: 10_000, ...tls }, (resp) => {
      resp.resume();
      resp.on('end', () => res(resp.statusCode ?? 0));
    });
    r.on('timeout', () => r.destroy(new Error('timeout')));
    r.on('error', rej);
    r.end();
  });
}

/** An empty OTLP trace export from a new @grpc/grpc-js client (its own connection) with `tls`; resolves with the status code. */
function grpcExport(port: number, tls: ClientTls): Promise<number> {
  const Client = makeGenericClientConstructor({}, 'TraceService');
  const client = new Client(`127.0.0.1:${port}`, credentials.createSsl(tls.ca, tls.key ?? null, tls.cert ?? null), { 'grpc.use_local_subchannel_pool': 1 });
  return new Promise<number>((res) =>
    client.makeUnaryRequest(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.alloc(0),
      new Metadata(),
      { deadline: Date.now() + 10_000 },
      (err) => {
        client.close();
        res(err ? (err.code ?? -1) : GrpcStatus.OK);
      },
    ),
  );
}

describe('mutual TLS on every listener, and certificate reload on OTLP gRPC', () => {
  const d = tempDir('sightline-mtls-reload-');
  const live = join(d, 'live');
  let s: SpawnedSightline;
  let ports: Record<string, number>;
  let first: TestPki;
  let clientsCa: TestPki;
  let good: { cert: Buffer; key: Buffer };
  let rogue: { cert: Buffer; key: Buffer };

  beforeAll(async () => {
    mkdirSync(live);
    first = makeTestPki(d, 'first');
    clientsCa = makeTestPki(d, 'clients');
    good = makeClientCert(d, 'clients', 'good-client');
    makeTestPki(d, 'rogue');
    rogue = makeClientCert(d, 'rogue', 'rogue-client');
    copyFileSync(first.certFile, join(live, 'tls.crt'));
    copyFileSync(first.keyFile, join(live, 'tls.key'));
    writeFileSync(
      join(d, 'web.yml'),
      `tls_server_config:\n  cert_file: ${join(live, 'tls.crt')}\n  key_file: ${join(live, 'tls.key')}\n  client_ca_file: ${clientsCa.caFile}\n  client_auth_type: RequireAndVerifyClientCert\n`,
    );
    writeFileSync(join(d, 'sightline.yaml'), [...ALL_LISTENERS_ON_LOOPBACK, ''].join('\n'));
    s = spawnSightline(['--config.file', join(d, 'sightline.yaml'), '--data-dir', join(d, 'data'), '--web.config.file', join(d, 'web.yml')]);
    ports = await startedPorts(s, 90_000);
  }, 150_000);

  afterAll(async () => {
    s?.child.kill('SIGTERM');
    await s?.exited;
  });

  it.each(['prometheus', 'mimir', 'loki', 'tempo', 'otlp_http'])('%s: the right client certificate gets in; one from another CA, or none, is refused', async (listener) => {
    expect(await getStatus(ports[listener], '/-/ready', { ca: first.ca, ...good })).toBe(200);
    await expect(getStatus(ports[listener], '/-/ready', { ca: first.ca, ...rogue })).rejects.toThrow();
    await expect(getStatus(ports[listener], '/-/ready', { ca: first.ca })).rejects.toThrow();
  });

  it('OTLP gRPC: the right client certificate gets in; one from another CA, or none, is refused', async () => {
    expect(await grpcExport(ports.otlp_grpc, { ca: first.ca, ...good })).toBe(GrpcStatus.OK);
    expect(await grpcExport(ports.otlp_grpc, { ca: first.ca, ...rogue })).not.toBe(GrpcStatus.OK);
    expect(await grpcExport(ports.otlp_grpc, { ca: first.ca })).not.toBe(GrpcStatus.OK);
  });

  it('OTLP gRPC: rewriting cert_file and key_file makes a new client see the new certificate', async () => {
    const second = makeTestPki(d, 'second');
    expect(await grpcExport(ports.otlp_grpc, { ca: second.ca, ...good })).not.toBe(GrpcStatus.OK);
    copyFileSync(second.keyFile, join(live, 'tls.key'));
    copyFileSync(second.certFile, join(live, 'tls.crt'));
    await waitFor(async () => (await grpcExport(ports.otlp_grpc, { ca: second.ca, ...good })) === GrpcStatus.OK, 20_000, 'the new certificate on gRPC');
    // The old CA no longer verifies what the listener serves; client certificates are still required.
    expect(await grpcExport(ports.otlp_grpc, { ca: first.ca, ...good })).not.toBe(GrpcStatus.OK);
    expect(await grpcExport(ports.otlp_grpc, { ca: second.ca })).not.toBe(GrpcStatus.OK);
  }, 40_000);
});
