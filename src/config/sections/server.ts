import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { byteSize } from '../zod-helpers.js';

/** The scopes a tenant token may carry (`src/server/tenant-auth.ts` checks them per route). */
export const TENANT_SCOPES = [
  'metrics:read',
  'metrics:write',
  'logs:read',
  'logs:write',
  'traces:read',
  'traces:write',
  'rules:read',
  'rules:write',
  'alerts:read',
  'alerts:write',
  'admin',
] as const;

/** A tenant ID as Mimir, Loki and Tempo accept it in `X-Scope-OrgID`. */
export const TENANT_ID_RE = /^[a-zA-Z0-9!\-_.*'()]{1,150}$/;

export const serverSection = lazySchema(() => z.strictObject({
  log_level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  log_format: z.enum(['json', 'logfmt']).default('json'),
  /**
   * Process-wide memory limit (resident set): above `memory_limit - memory_spike_limit` writes are refused with 503
   * and Retry-After, above `memory_limit` queries too. Default: 80% of the cgroup's or machine's memory, at most
   * V8's heap limit. `0` turns the guard off.
   */
  memory_limit: byteSize.optional(),
  /** Headroom below `memory_limit` (default 20% of it), as the Collector's `spike_limit_mib`. */
  memory_spike_limit: byteSize.optional(),
  /**
   * A web configuration file (Prometheus's `--web.config.file`: TLS, client certificates, basic auth users with
   * bcrypt hashes) applied to every listener of the process.
   */
  web_config_file: z.string().optional(),
  /**
   * Start even though a listener binds a non-loopback address without authentication. Off by default: such a
   * start is refused, naming the listener.
   */
  insecure_no_auth: z.boolean().default(false),
  /**
   * What a component that cannot start does to the others in `--target all`. Off (the default): the web UI fails
   * alone (its error logged, `sightline_component_up{component="ui"}` 0, its port not listening) while the
   * pillars keep ingesting and answering. On: the whole process exits, as before. The stores themselves (WALs, data
   * directory lock) always stop the start: a pillar without its data must not answer.
   */
  fail_fast: z.boolean().default(false),
  /**
   * Origins allowed cross-origin access to the APIs (Prometheus's `--web.cors.origin`: an anchored RE2 regex, `.*`
   * answered with `*`). Default: none. Ingest endpoints never allow a cross-origin caller.
   */
  cors_origin: z.string().optional(),
  /**
   * Tenant-bound credentials for the metrics, Mimir, Loki, Tempo, OTLP and Alertmanager listeners: each token
   * (stored as its SHA-256, `sightline tokens create` prints one) carries tenants and scopes. With any configured,
   * every request needs a token (`Authorization: Bearer`, or as the basic auth password), its tenant comes from the
   * token and `X-Scope-OrgID` may only narrow to one of the token's tenants.
   */
  tenant_tokens: z
    .array(
      z.strictObject({
        name: z.string().optional(),
        token_sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the hex SHA-256 of the token'),
        tenants: z.array(z.string().regex(TENANT_ID_RE, 'invalid tenant ID')).min(1),
        scopes: z.array(z.enum(TENANT_SCOPES)).min(1),
      }),
    )
    .default([]),
}));

