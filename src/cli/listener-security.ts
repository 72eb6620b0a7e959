import { dirname, resolve } from 'node:path';
import { ConfigError, loadYamlConfig, splitHostPort, webConfigSchema, type SightlineConfig, type WebConfigFile, LISTENER_SECTIONS } from '../config/index.js';
import { compileAnchored, RegexSyntaxError } from '../lib/regex/index.js';
import { WebConfig, type CorsOrigin } from '../server/index.js';

/** A listener section's security settings (`listenerSecurityFields`) and whether it is switched off. */
interface ListenerSectionSettings {
  web_config_file?: string;
  web_config?: WebConfigFile;
  insecure_no_auth?: boolean;
  enabled?: boolean;
}

function sectionAt(config: SightlineConfig, path: string): ListenerSectionSettings {
  let cur: unknown = config;
  for (const k of path.split('.')) cur = (cur as Record<string, unknown> | undefined)?.[k];
  return (cur ?? {}) as ListenerSectionSettings;
}

function webConfigOf(file: WebConfigFile, baseDir: string, where: string, path: string): WebConfig {
  try {
    return new WebConfig(file, baseDir);
  } catch (e) {
    throw new ConfigError(where, path, `cannot load TLS material: ${(e as Error).message}`);
  }
}

/** The web configuration file `file`, validated (unknown keys and bad values refused with their path). */
function loadWebConfigFile(file: string): WebConfig {
  return webConfigOf(loadYamlConfig(webConfigSchema, file), dirname(file), file, 'tls_server_config');
}

/** The process's web configurations: the global one and every listener whose section names its own. */
export interface WebConfigs {
  global: WebConfig | undefined;
  /** Listeners with their own web configuration (undefined: an empty inline block, served plain). */
  perListener: Map<string, WebConfig | undefined>;
}

/**
 * The global web configuration (`server.web_config_file`) and each listener section's own (`web_config_file`, or
 * `web_config` inline), which replaces the global one for that listener. A file named twice is loaded once.
 */
export function loadWebConfigs(config: SightlineConfig): WebConfigs {
  const files = new Map<string, WebConfig>();
  const fromFile = (f: string) => {
    const key = resolve(f);
    let w = files.get(key);
    if (!w) files.set(key, (w = loadWebConfigFile(f)));
    return w;
  };
  const global = config.server.web_config_file ? fromFile(config.server.web_config_file) : undefined;
  const perListener = new Map<string, WebConfig | undefined>();
  for (const [listener, path] of Object.entries(LISTENER_SECTIONS)) {
    const s = sectionAt(config, path);
    if (s.web_config_file !== undefined && s.web_config !== undefined) {
      throw new ConfigError('<config>', `${path}.web_config`, 'set either web_config_file or web_config, not both');
    }
    if (s.web_config_file !== undefined) perListener.set(listener, fromFile(s.web_config_file));
    else if (s.web_config !== undefined) {
      const empty = Object.keys(s.web_config).length === 0;
      perListener.set(listener, empty ? undefined : webConfigOf(s.web_config, process.cwd(), '<config>', `${path}.web_config.tls_server_config`));
    }
  }
  return { global, perListener };
}

/** The web configuration in force on `listener`: its own, else the global one. */
export function webConfigOfListener(web: WebConfigs, listener: string): WebConfig | undefined {
  return web.perListener.has(listener) ? web.perListener.get(listener) : web.global;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

/** Listeners that check `server.tenant_tokens` (`src/server/tenant-auth.ts`); the UI signs users in itself. */
const TOKEN_CHECKED = new Set(['metrics', 'mimir', 'logs', 'traces', 'zipkin', 'jaeger', 'otlp', 'alertmanager']);

/**
 * Secure by default: a listener bound beyond loopback must authenticate its clients. The web UI signs users in
 * itself; every other listener needs `basic_auth_users` in the web configuration in force on it (its own or the
 * global one) or tenant tokens, or an explicit `insecure_no_auth: true` (on its section, or `server.` for all).
 * Throws a `ConfigError` naming the first exposed listener and both ways out; warns for each one accepted.
 */
export function checkExposedListeners(config: SightlineConfig, sections: readonly string[], web: WebConfigs, warn: (msg: string, path: string) => void): void {
  const tokens = config.server.tenant_tokens.length > 0;
  for (const [listener, sectionPath] of Object.entries(LISTENER_SECTIONS)) {
    if (listener === 'ui' || !sections.includes(sectionPath.split('.')[0])) continue;
    const s = sectionAt(config, sectionPath);
    if (s.enabled === false) continue;
    if (webConfigOfListener(web, listener)?.authEnabled || (tokens && TOKEN_CHECKED.has(listener))) continue;
    for (const [key, addr] of Object.entries(s)) {
      if (!/listen_address$/.test(key) || typeof addr !== 'string') continue;
      const path = `${sectionPath}.${key}`;
      if (LOOPBACK.test(splitHostPort(addr).host)) continue;
      const accepted = s.insecure_no_auth ?? config.server.insecure_no_auth;
      if (accepted) {
        const by = s.insecure_no_auth !== undefined ? `${sectionPath}.insecure_no_auth` : 'server.insecure_no_auth';
        warn(`${path} (${addr}) is reachable beyond this machine without authentication (${by})`, path);
        continue;
      }
      throw new ConfigError(
        '<config>',
        path,
        `${addr} is reachable beyond this machine without authentication; set basic_auth_users in a web configuration (server.web_config_file / --web.config.file for every listener, or ${sectionPath}.web_config_file / ${sectionPath}.web_config for this one), or ${sectionPath}.insecure_no_auth: true to accept the risk for this listener`,
      );
    }
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
