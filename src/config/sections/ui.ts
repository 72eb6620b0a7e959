import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { durationMs, listenAddress } from '../zod-helpers.js';
import { listenerSecurityFields } from './web-config.js';

/**
 * PostgreSQL connection, in the shape of the seed's Grafana `postgresql.external` block (`host`, `port`, `database`,
 * `username` or `user`, `password`).
 */
const postgresqlBlock = lazySchema(() => z.strictObject({
  enabled: z.boolean().default(true),
  host: z.string().min(1),
  port: z.number().int().positive().max(65535).default(5432),
  database: z.string().min(1).default('grafana'),
  user: z.string().optional(),
  username: z.string().optional(),
  password: z.string().default(''),
  /** `disable` (default) or `require` (TLS, certificate not verified) or `verify-full`. */
  ssl_mode: z.enum(['disable', 'require', 'verify-full']).default('disable'),
  max_connections: z.number().int().positive().default(10),
}));

/** The web UI (Grafana's role): listener, sign-in, sessions, its database and datasource provisioning. */
export const uiSection = lazySchema(() => z.strictObject({
  listen_address: listenAddress.default('127.0.0.1:3000'),
  ...listenerSecurityFields,
  /**
   * Development mode: allows the well-known `admin`/`admin` password when no admin password is configured and
   * non-secure cookies. Never use it on a shared machine.
   */
  development_mode: z.boolean().default(false),
  admin_user: z.string().min(1).default('admin'),
  /** Also `GF_SECURITY_ADMIN_PASSWORD` or `SIGHTLINE_ADMIN_PASSWORD` in the environment (config wins). */
  admin_password: z.string().optional(),
  /**
   * Key that encrypts `secureJsonData` at rest. Also `GF_SECURITY_SECRET_KEY` / `SIGHTLINE_SECRET_KEY`; when none is
   * given one is generated once into `<data dir>/ui/secret.key` (mode 0600).
   */
  secret_key: z.string().min(16).optional(),
  cookie_name: z.string().regex(/^[A-Za-z0-9_-]+$/).default('sightline_session'),
  /** Sessions cookies carry `Secure` (browsers accept it on http://localhost and 127.0.0.1). */
  cookie_secure: z.boolean().default(true),
  session_lifetime: durationMs.default(7 * 24 * 3600_000),
  /** A session unused for this long ends. */
  session_idle_timeout: durationMs.default(24 * 3600_000),
  login: z
    .strictObject({
      /** Consecutive failures (per user and per client address) before login is blocked. */
      max_attempts: z.number().int().positive().default(5),
      /** First block; doubles with every further failure, up to `max_lockout`. */
      lockout: durationMs.default(60_000),
      max_lockout: durationMs.default(3600_000),
    })
    .prefault({}),
  database: z
    .strictObject({
      /** SQLite file; default `<data dir>/ui/sightline.db`. */
      path: z.string().optional(),
    })
    .prefault({}),
  /** When set (and `enabled`), state lives in PostgreSQL instead of SQLite. */
  postgresql: postgresqlBlock.optional(),
  /**
   * Grafana provisioning folder: `<path>/datasources/*.yaml` (or YAML files directly in `<path>`) with
   * `apiVersion: 1` and `datasources[]`, as Grafana reads them.
   */
  provisioning_path: z.string().optional(),
  /**
   * Provision datasources for Sightline's own components (Prometheus 9090, Loki 3100, Tempo 3200) when no
   * provisioning folder is given: the single-process default.
   */
  provision_self: z.boolean().default(true),
  /** URLs of this process's own APIs; by default from `metrics`, `logs`, `traces` and `alertmanager` `listen_address`. */
  self_urls: z
    .strictObject({
      prometheus: z.string().optional(),
      loki: z.string().optional(),
      tempo: z.string().optional(),
      alertmanager: z.string().optional(),
    })
    .prefault({}),
  /** The built web app (Vite output); default: `dist/web` of the installation. */
  static_dir: z.string().optional(),
  /** Upstream timeout of the datasource proxy unless a datasource sets `jsonData.timeout` (seconds). */
  proxy_timeout: durationMs.default(30_000),
  /**
   * Reverse proxies (IP addresses or CIDR ranges) whose `X-Forwarded-For` names the client; from any other peer
   * the header is ignored, so login rate limiting keys on the real address. Default: none.
   */
  trusted_proxies: z.array(z.string().min(1)).default([]),
  datasource_proxy: z
    .strictObject({
      /**
       * Hosts (names, IP addresses or CIDR ranges) a datasource may reach although they are link-local or cloud
       * metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::/32), refused otherwise.
       */
      allowed_hosts: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
}));

export type UiConfig = z.output<typeof uiSection>;
