import { ServerCredentials } from '@grpc/grpc-js';
import type { SecureContextOptions } from 'node:tls';
import type { WebConfig } from '../server/index.js';

type SecureContextWatcher = Parameters<ServerCredentials['_addWatcher']>[0];

/**
 * gRPC server credentials from a web configuration whose certificates follow the files: while a server uses them
 * they watch `cert_file`, `key_file` and `client_ca_file`, and a rewrite reaches grpc-js as a new secure context
 * (new connections get the new certificate, as on the HTTP listeners). `RequireAndVerifyClientCert` refuses, at
 * the handshake, a client without a certificate signed by `client_ca_file`.
 */
class WatchedServerCredentials extends ServerCredentials {
  private stopWatching: (() => void) | undefined;
  private users = 0;

  constructor(private readonly web: WebConfig) {
    const tls = web.tlsMaterial()!;
    super({ requestCert: tls.verifyClient, rejectUnauthorized: tls.verifyClient }, WatchedServerCredentials.context(web));
  }

  /** The secure context options grpc-js installs: key, chain, CA, protocol versions and ciphers of the web config. */
  private static context(web: WebConfig, current?: SecureContextOptions): SecureContextOptions {
    const https = web.httpsOptions()!;
    const ctx = { ...https, ...current };
    return { key: ctx.key, cert: ctx.cert, ca: ctx.ca, minVersion: ctx.minVersion, maxVersion: ctx.maxVersion, ...(ctx.ciphers ? { ciphers: ctx.ciphers } : {}) };
  }

  override _addWatcher(watcher: SecureContextWatcher): void {
    if (this.users++ === 0) this.stopWatching = this.web.watchCertificates((ctx) => this.updateSecureContextOptions(WatchedServerCredentials.context(this.web, ctx)));
    super._addWatcher(watcher);
  }

  override _removeWatcher(watcher: SecureContextWatcher): void {
    super._removeWatcher(watcher);
    if (--this.users === 0) {
      this.stopWatching?.();
      this.stopWatching = undefined;
    }
  }

  override _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

/** TLS (and mTLS) from `web`, certificates reloaded when their files change; plaintext without TLS. */
export function grpcServerCredentials(web: WebConfig | undefined): ServerCredentials {
  return web?.tlsEnabled ? new WatchedServerCredentials(web) : ServerCredentials.createInsecure();
}
