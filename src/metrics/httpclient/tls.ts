import { readFileSync } from 'node:fs';
import type { ConnectionOptions, SecureVersion } from 'node:tls';
import type { TlsConfig } from '../promconfig/index.js';

const VERSIONS: Record<string, SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

/** Prometheus's `tls_config` as Node TLS options. Inline material wins over files; files are read now. */
export function tlsConnectionOptions(tls: Partial<TlsConfig> | undefined): ConnectionOptions {
  if (!tls) return {};
  const pick = (inline: string | undefined, file: string | undefined) => (inline !== undefined ? inline : file ? readFileSync(file) : undefined);
  const o: ConnectionOptions = {
    ca: pick(tls.ca, tls.ca_file),
    cert: pick(tls.cert, tls.cert_file),
    key: pick(tls.key, tls.key_file),
    rejectUnauthorized: tls.insecure_skip_verify !== true,
  };
  if (tls.server_name) o.servername = tls.server_name;
  if (tls.min_version) o.minVersion = VERSIONS[tls.min_version];
  if (tls.max_version) o.maxVersion = VERSIONS[tls.max_version];
  return o;
}

const UNKNOWN_AUTHORITY = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/**
 * The message Go's crypto/x509 gives for a certificate verification failure Node reports by code, so that a target's
 * `lastError` reads as in Prometheus (`x509: certificate signed by unknown authority`); other errors keep their text.
 */
export function describeTransportError(e: Error): string {
  const err = e as Error & { code?: string; host?: string; cert?: { subjectaltname?: string } };
  if (err.code && UNKNOWN_AUTHORITY.has(err.code)) return 'x509: certificate signed by unknown authority';
  if (err.code === 'CERT_HAS_EXPIRED' || err.code === 'CERT_NOT_YET_VALID') return `x509: certificate has expired or is not yet valid: ${err.message}`;
  if (err.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = (err.cert?.subjectaltname ?? '')
      .split(',')
      .map((s) => s.trim().replace(/^(DNS|IP Address):/, ''))
      .filter((s) => s !== '');
    return names.length > 0 ? `x509: certificate is valid for ${names.join(', ')}, not ${err.host ?? ''}` : `x509: certificate is not valid for ${err.host ?? 'this host'}`;
  }
  return err.message;
}
