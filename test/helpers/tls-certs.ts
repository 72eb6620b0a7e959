import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestPki {
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * A fresh self-signed CA (`<name>-ca.crt`) and a server certificate it signed (`<name>.crt`/`<name>.key`) for the
 * given subject alternative names, made with the openssl CLI in `dir` (EC P-256 keys, valid one day); `usage` is its
 * extendedKeyUsage (`serverAuth,clientAuth` for a certificate a client presents).
 */
export function makeTestPki(dir: string, name: string, sans: string[] = ['IP:127.0.0.1', 'DNS:localhost'], usage = 'serverAuth'): TestPki {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', `${name}-ca.key`, '-out', `${name}-ca.crt`, '-days', '1', '-subj', `/CN=${name} test CA`], dir);
  openssl(['req', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${sans.join(',')}\nextendedKeyUsage=${usage}\n`);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${name}-ca.crt`, '-CAkey', `${name}-ca.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`], dir);
  const caFile = join(dir, `${name}-ca.crt`);
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { caFile, certFile, keyFile, ca: readFileSync(caFile), cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

/** A client certificate (`<client>.crt`/`<client>.key`, clientAuth) signed by the CA `makeTestPki(dir, caName)` made. */
export function makeClientCert(dir: string, caName: string, client: string): { cert: Buffer; key: Buffer } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-new', ...ec, '-keyout', `${client}.key`, '-out', `${client}.csr`, '-subj', `/CN=${client}`], dir);
  writeFileSync(join(dir, `${client}.ext`), 'extendedKeyUsage=clientAuth\n');
  openssl(['x509', '-req', '-in', `${client}.csr`, '-CA', `${caName}-ca.crt`, '-CAkey', `${caName}-ca.key`, '-CAcreateserial', '-out', `${client}.crt`, '-days', '1', '-extfile', `${client}.ext`], dir);
  return { cert: readFileSync(join(dir, `${client}.crt`)), key: readFileSync(join(dir, `${client}.key`)) };
}
