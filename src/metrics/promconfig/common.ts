import * as z from 'zod';
import { lazySchema } from '../../config/index.js';
import { durationMs } from '../../config/index.js';

/**
 * Building blocks shared by the sections of prometheus.yml. Prometheus reads its YAML into typed Go fields, so a
 * string field given an unquoted `true` or `8080` still receives the text: `str` does the same.
 */
export const str = lazySchema(() => z.preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), z.string()));

/** A duration such as `15s`; `0` and `0s` are allowed where Prometheus allows them. */
export const duration = lazySchema(() => z.preprocess((v) => (typeof v === 'number' && v === 0 ? '0' : v), durationMs));

export const labelNameRe = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const labelName = lazySchema(() => z.string().regex(labelNameRe, 'not a valid label name'));
export const labelSet = lazySchema(() => z.record(z.string(), str).superRefine((obj, ctx) => {
  for (const k of Object.keys(obj)) if (!labelNameRe.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: `${JSON.stringify(k)} is not a valid label name` });
}));

export const tlsConfig = lazySchema(() => z.strictObject({
  ca: z.string().optional(),
  ca_file: z.string().optional(),
  cert: z.string().optional(),
  cert_file: z.string().optional(),
  key: z.string().optional(),
  key_file: z.string().optional(),
  server_name: z.string().optional(),
  insecure_skip_verify: z.boolean().default(false),
  min_version: z.enum(['TLS10', 'TLS11', 'TLS12', 'TLS13']).optional(),
  max_version: z.enum(['TLS10', 'TLS11', 'TLS12', 'TLS13']).optional(),
}));

export const basicAuth = lazySchema(() => z.strictObject({
  username: str.default(''),
  username_file: z.string().optional(),
  username_ref: z.string().optional(),
  password: str.optional(),
  password_file: z.string().optional(),
  password_ref: z.string().optional(),
}));

export const authorization = lazySchema(() => z.strictObject({
  type: z.string().default('Bearer'),
  credentials: str.optional(),
  credentials_file: z.string().optional(),
  credentials_ref: z.string().optional(),
}));

export const oauth2 = lazySchema(() => z.strictObject({
  client_id: z.string(),
  client_secret: z.string().optional(),
  client_secret_file: z.string().optional(),
  client_secret_ref: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  token_url: z.string(),
  endpoint_params: z.record(z.string(), str).optional(),
  tls_config: tlsConfig.optional(),
  proxy_url: z.string().optional(),
  no_proxy: z.string().optional(),
  proxy_from_environment: z.boolean().optional(),
  proxy_connect_header: z.record(z.string(), z.array(z.string())).optional(),
}));

const httpHeader = lazySchema(() => z.strictObject({
  values: z.array(z.string()).optional(),
  secrets: z.array(z.string()).optional(),
  files: z.array(z.string()).optional(),
}));

/** Prometheus's common `HTTPClientConfig`, inlined into scrape, remote-write/read, Alertmanager and SD configs. */
export const httpClientFields = lazySchema(() => ({
  basic_auth: basicAuth.optional(),
  authorization: authorization.optional(),
  oauth2: oauth2.optional(),
  bearer_token: z.string().optional(),
  bearer_token_file: z.string().optional(),
  tls_config: tlsConfig.prefault({}),
  proxy_url: z.string().optional(),
  no_proxy: z.string().optional(),
  proxy_from_environment: z.boolean().default(false),
  proxy_connect_header: z.record(z.string(), z.array(z.string())).optional(),
  follow_redirects: z.boolean().default(true),
  enable_http2: z.boolean().default(true),
  http_headers: z.record(z.string(), httpHeader).optional(),
}));

export type TlsConfig = z.output<typeof tlsConfig>;
export type BasicAuth = z.output<typeof basicAuth>;
export type Authorization = z.output<typeof authorization>;

/** What a client needs to authenticate: the subset of HTTPClientConfig Sightline's HTTP clients honour. */
export interface HttpClientConfig {
  basic_auth?: BasicAuth;
  authorization?: Authorization;
  bearer_token?: string;
  bearer_token_file?: string;
  tls_config: TlsConfig;
  follow_redirects: boolean;
}

/** Prometheus: "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured" and friends. */
export function checkHttpClient(c: Partial<HttpClientConfig> & { oauth2?: unknown }, ctx: z.RefinementCtx): void {
  const authCount = [c.basic_auth, c.authorization, c.oauth2, c.bearer_token ?? c.bearer_token_file].filter((x) => x !== undefined).length;
  if (c.bearer_token !== undefined && c.bearer_token_file !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['bearer_token'], message: 'at most one of bearer_token & bearer_token_file must be configured' });
  }
  if (authCount > 1) {
    ctx.addIssue({ code: 'custom', path: [], message: 'at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured' });
  }
  if (c.basic_auth && c.basic_auth.password !== undefined && c.basic_auth.password_file !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['basic_auth'], message: 'at most one of basic_auth password & password_file must be configured' });
  }
  if (c.authorization) {
    if (c.authorization.credentials !== undefined && c.authorization.credentials_file !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['authorization'], message: 'at most one of authorization credentials & credentials_file must be configured' });
    }
    if (c.authorization.type.toLowerCase() === 'basic') {
      ctx.addIssue({ code: 'custom', path: ['authorization', 'type'], message: `authorization type cannot be set to "basic", use "basic_auth" instead` });
    }
  }
}
