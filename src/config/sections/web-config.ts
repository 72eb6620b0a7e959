import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';

/**
 * The web configuration file of the Prometheus ecosystem (exporter-toolkit's `web-config.yml`, `--web.config.file`),
 * applied to every HTTP and gRPC listener of the process: TLS (with client certificates), HTTP headers, and basic
 * auth users with bcrypt hashes.
 */
export const CLIENT_AUTH_TYPES = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;

export const webConfigSchema = lazySchema(() => z.strictObject({
  tls_server_config: z
    .strictObject({
      cert_file: z.string(),
      key_file: z.string(),
      client_ca_file: z.string().optional(),
      client_auth_type: z.enum(CLIENT_AUTH_TYPES).default('NoClientCert'),
      min_version: z.enum(['TLS10', 'TLS11', 'TLS12', 'TLS13']).default('TLS12'),
      max_version: z.enum(['TLS10', 'TLS11', 'TLS12', 'TLS13']).optional(),
      /** Go cipher suite names are accepted and mapped to OpenSSL's where they exist. */
      cipher_suites: z.array(z.string()).optional(),
      prefer_server_cipher_suites: z.boolean().optional(),
      curve_preferences: z.array(z.string()).optional(),
    })
    .refine((t) => t.client_auth_type === 'NoClientCert' || t.client_auth_type === 'RequestClientCert' || t.client_auth_type === 'RequireAnyClientCert' || t.client_ca_file !== undefined, {
      message: 'client_ca_file is required to verify client certificates',
      path: ['client_ca_file'],
    })
    .optional(),
  http_server_config: z
    .strictObject({
      http2: z.boolean().default(true),
      headers: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  /** user name → bcrypt hash of the password. */
  basic_auth_users: z
    .record(
      z.string(),
      z.string().regex(/^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$/, 'not a bcrypt hash'),
    )
    .optional(),
}));

export type WebConfigFile = z.output<typeof webConfigSchema>;

/** Listener name (`createHttpServer`'s `name`, `webConfigFor`) → the configuration section holding its settings. */
export const LISTENER_SECTIONS: Readonly<Record<string, string>> = {
  metrics: 'metrics',
  mimir: 'mimir',
  logs: 'logs',
  traces: 'traces',
  zipkin: 'traces.zipkin',
  jaeger: 'traces.jaeger',
  otlp: 'otlp',
  alertmanager: 'alertmanager',
  ui: 'ui',
};

/**
 * The per-listener security settings every listener section (`metrics`, `mimir`, `logs`, `traces`,
 * `traces.zipkin`, `traces.jaeger`, `otlp`, `alertmanager`, `ui`) accepts, overriding `server.*` for that
 * component: its own web configuration, as a file or inline (either one replaces the global file as a whole;
 * an empty inline block `{}` serves that listener plain), and its own `insecure_no_auth`.
 */
export const listenerSecurityFields = lazySchema(() => ({
  /** A web configuration file for this component's listeners only (replaces `server.web_config_file`). */
  web_config_file: z.string().optional(),
  /** The same web configuration inline; relative paths in it are resolved against the working directory. */
  web_config: webConfigSchema.optional(),
  /** Accept this component's listeners bound beyond loopback without authentication (overrides `server.insecure_no_auth`). */
  insecure_no_auth: z.boolean().optional(),
}));
