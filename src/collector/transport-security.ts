import { readFileSync } from 'node:fs';
import { ServerCredentials } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import * as z from 'zod';
import { WebConfig } from '../server/index.js';
import type { AuthExtension, BuildEnv } from './components.js';

const TLS_VERSIONS = { '1.0': 'TLS10', '1.1': 'TLS11', '1.2': 'TLS12', '1.3': 'TLS13' } as const;
const tlsVersion = z.enum(['1.0', '1.1', '1.2', '1.3']);

/** A receiver's `tls` (the Collector's configtls.ServerConfig). */
export const serverTlsSchema = z.strictObject({
  cert_file: z.string(),
  key_file: z.string(),
  client_ca_file: z.string().optional(),
  ca_file: z.string().optional(),
  min_version: tlsVersion.default('1.2'),
  max_version: tlsVersion.optional(),
  reload_interval: z.string().optional(),
  include_system_ca_certs_pool: z.boolean().optional(),
});
export type ServerTls = z.output<typeof serverTlsSchema>;

/** A component's `auth` (configauth): the id of an authenticator extension. */
export const authSchema = z.strictObject({ authenticator: z.string() });
export type AuthSetting = z.output<typeof authSchema>;

/**
 * A receiver's TLS as a web configuration (Sightline's certificate loading and reloading, `src/server/web-config.ts`):
 * `client_ca_file` makes client certificates required and verified, as in the Collector.
 */
export function receiverWebConfig(tls: ServerTls | undefined): WebConfig | undefined {
  if (!tls) return undefined;
  return new WebConfig({
    tls_server_config: {
      cert_file: tls.cert_file,
      key_file: tls.key_file,
      client_ca_file: tls.client_ca_file,
      client_auth_type: tls.client_ca_file ? 'RequireAndVerifyClientCert' : 'NoClientCert',
      min_version: TLS_VERSIONS[tls.min_version],
      max_version: tls.max_version ? TLS_VERSIONS[tls.max_version] : undefined,
    },
  });
}

/** gRPC server credentials for a receiver's `tls` (plaintext without one). */
export function receiverGrpcCredentials(web: WebConfig | undefined): ServerCredentials {
  const tls = web?.tlsMaterial();
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.ca ?? null, [{ private_key: tls.key, cert_chain: tls.cert }], tls.verifyClient);
}

/** The authenticator extension an `auth` names (the plan checked it exists and is enabled). */
export function resolveAuthenticator(env: BuildEnv, auth: AuthSetting | undefined): AuthExtension | undefined {
  if (!auth) return undefined;
  const a = env.authenticator?.(auth.authenticator);
  if (!a) throw new Error(`authenticator ${JSON.stringify(auth.authenticator)} is not available`);
  return a;
}

/** Refuse unauthenticated HTTP requests with 401 before any route runs. */
export function requireAuth(app: FastifyInstance, auth: AuthExtension | undefined): void {
  if (!auth) return;
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'OPTIONS') return; // CORS preflights carry no credentials
    if (!(await auth.authenticate(req.headers))) await reply.code(401).header('www-authenticate', 'Basic realm="otelcol"').type('text/plain').send('Unauthorized\n');
  });
}

/** An exporter's `tls` (configtls.ClientConfig) as Node TLS options; undefined when nothing beyond the defaults is set. */
export function clientTlsOptions(tls: { ca_file?: string; cert_file?: string; key_file?: string; insecure_skip_verify: boolean; server_name_override?: string }):
  | { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean; servername?: string }
  | undefined {
  if (!tls.ca_file && !tls.cert_file && !tls.key_file && !tls.insecure_skip_verify && !tls.server_name_override) return undefined;
  if ((tls.cert_file === undefined) !== (tls.key_file === undefined)) throw new Error('tls: cert_file and key_file must be set together');
  return {
    ca: tls.ca_file ? readFileSync(tls.ca_file) : undefined,
    cert: tls.cert_file ? readFileSync(tls.cert_file) : undefined,
    key: tls.key_file ? readFileSync(tls.key_file) : undefined,
    rejectUnauthorized: !tls.insecure_skip_verify,
    servername: tls.server_name_override,
  };
}

/** The headers an exporter's `auth` adds to each request (none without one). */
export function exporterAuthHeaders(env: BuildEnv, auth: AuthSetting | undefined): () => Record<string, string> {
  const a = resolveAuthenticator(env, auth);
  return a ? () => a.clientHeaders() : () => ({});
}
