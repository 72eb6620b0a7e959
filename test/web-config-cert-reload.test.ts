import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';
import { makeTestPki, type TestPki } from './helpers/tls-certs.js';

// The web configuration's certificate and key are re-read when their files change: a running listener serves the
// new certificate to new connections, without a restart.

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
