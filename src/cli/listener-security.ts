import { dirname } from 'node:path';
import { ConfigError, loadYamlConfig, splitHostPort, webConfigSchema, type SightlineConfig } from '../config/index.js';
import { compileAnchored, RegexSyntaxError } from '../lib/regex/index.js';
import { WebConfig, type CorsOrigin } from '../server/index.js';

/** The web configuration of `server.web_config_file`, validated (unknown keys and bad values refused with their path). */
export function loadWebConfig(config: SightlineConfig): WebConfig | undefined {
  const file = config.server.web_config_file;
  if (!file) return undefined;
  const parsed = loadYamlConfig(webConfigSchema, file);
  try {
    return new WebConfig(parsed, dirname(file));
  } catch (e) {
    throw new ConfigError(file, 'tls_server_config', `cannot load TLS material: ${(e as Error).message}`);
  }
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

/** Every `*listen_address` of the configuration with its YAML path. */
function listenAddresses(obj: unknown, path: string[] = []): Array<[string, string]> {
  if (typeof obj !== 'object' || obj === null) return [];
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(obj)) {
    if (/listen_address$/.test(k) && typeof v === 'string') out.push([[...path, k].join('.'), v]);
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) out.push(...listenAddresses(v, [...path, k]));
  }
  return out;
}

/**
 * Secure by default: a listener bound beyond loopback must authenticate its clients. The web UI signs users in
 * itself; every other listener needs `basic_auth_users` in the web configuration, or an explicit
 * `server.insecure_no_auth: true`. Throws a `ConfigError` naming the first exposed listener and both ways out.
 */
export function checkExposedListeners(config: SightlineConfig, sections: readonly string[], web: WebConfig | undefined, warn: (msg: string, path: string) => void): void {
  if (web?.authEnabled || config.server.tenant_tokens.length > 0) return;
  for (const [path, addr] of listenAddresses(config)) {
    const section = path.split('.')[0];
    if (section === 'ui' || !sections.includes(section)) continue;
    const { host } = splitHostPort(addr);
    if (LOOPBACK.test(host)) continue;
    if (config.server.insecure_no_auth) {
      warn(`${addr} is reachable beyond this machine without authentication (server.insecure_no_auth)`, path);
      continue;
    }
    throw new ConfigError(
      '<config>',
      path,
      `${addr} is reachable beyond this machine without authentication; set basic_auth_users in a web configuration file (server.web_config_file / --web.config.file), or server.insecure_no_auth: true to accept the risk`,
    );
  }
}

/** `server.cors_origin` compiled (anchored, RE2); a bad pattern is a `ConfigError` before anything listens. */
export function corsOriginOf(config: SightlineConfig): CorsOrigin | undefined {
  const p = config.server.cors_origin;
  if (p === undefined) return undefined;
  try {
    return compileAnchored(p);
  } catch (e) {
    if (e instanceof RegexSyntaxError) throw new ConfigError('<config>', 'server.cors_origin', e.message);
    throw e;
  }
}
