import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import * as z from 'zod';
import { ConfigError, expandEnv, validate } from '../../config/index.js';
import {
  DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS,
  DEFAULT_SCRAPE_PROTOCOLS,
  prometheusConfigSchema,
  scrapeConfigSchema,
  type GlobalConfig,
  type PrometheusConfig,
  type RawConfig,
  type ScrapeConfig,
  type ScrapeProtocol,
} from './schema.js';

export interface PromConfigLoadOptions {
  /** Expand `${VAR}` from the environment (Sightline's convention; Prometheus itself does not). Default false. */
  expandEnv?: boolean;
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_SCRAPE_INTERVAL = 60_000;
const DEFAULT_SCRAPE_TIMEOUT = 10_000;

function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    throw new ConfigError(file, pos ? `line ${pos.line} column ${pos.col}` : '', e.message.split('\n')[0]);
  }
  const js = doc.toJS() as unknown;
  if (js !== null && js !== undefined && (typeof js !== 'object' || Array.isArray(js))) throw new ConfigError(file, '', 'the top level must be a mapping');
  return js ?? {};
}

/** Read and validate a prometheus.yml; relative paths resolve against its directory. */
export function loadPrometheusConfig(file: string, opts: PromConfigLoadOptions = {}): PrometheusConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, '', `cannot read file: ${(e as Error).message}`);
  }
  return parsePrometheusConfig(text, file, opts);
}

/** Validate prometheus.yml text; `file` names it in errors and its directory anchors relative paths. */
export function parsePrometheusConfig(text: string, file: string, opts: PromConfigLoadOptions = {}): PrometheusConfig {
  const src = opts.expandEnv ? expandEnv(text, opts.env ?? process.env, file) : text;
  const raw = validate(prometheusConfigSchema, parseYaml(src, file), file);
  return finalize(raw, file, opts);
}

/** As Prometheus: the text formats, or protobuf first when native histograms are scraped (`scrape_native_histograms: true`). */
function defaultProtocols(nativeHistograms: boolean | undefined): ScrapeProtocol[] {
  return nativeHistograms === true ? DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS : DEFAULT_SCRAPE_PROTOCOLS;
}

/** Apply the cross-section defaults and resolve paths; also loads `scrape_config_files`. */
export function finalize(raw: RawConfig, file: string, opts: PromConfigLoadOptions = {}): PrometheusConfig {
  const dir = file === '' ? process.cwd() : dirname(resolve(file));
  const g = raw.global;
  const interval = g.scrape_interval ?? DEFAULT_SCRAPE_INTERVAL;
  let timeout = g.scrape_timeout ?? DEFAULT_SCRAPE_TIMEOUT;
  if (g.scrape_timeout === undefined && timeout > interval) timeout = interval;
  if (timeout > interval) throw new ConfigError(file, 'global.scrape_timeout', 'global scrape timeout greater than scrape interval');
  const global: GlobalConfig = { ...g, scrape_interval: interval, scrape_timeout: timeout, scrape_protocols: g.scrape_protocols ?? defaultProtocols(g.scrape_native_histograms) };

  const rawScrapes = [...raw.scrape_configs];
  const extraFiles = raw.scrape_config_files.map((p) => resolvePath(dir, p));
  const jobs = new Set(rawScrapes.map((s) => s.job_name));
  for (const pattern of extraFiles) {
    for (const f of expandGlob(pattern)) {
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch (e) {
        throw new ConfigError(f, '', `cannot read file: ${(e as Error).message}`);
      }
      if (opts.expandEnv) text = expandEnv(text, opts.env ?? process.env, f);
      const part = validate(z.strictObject({ scrape_configs: z.array(scrapeConfigSchema).default([]) }), parseYaml(text, f), f);
      part.scrape_configs.forEach((s, i) => {
        if (jobs.has(s.job_name)) throw new ConfigError(f, `scrape_configs[${i}].job_name`, `found multiple scrape configs with job name ${JSON.stringify(s.job_name)}`);
        jobs.add(s.job_name);
        rawScrapes.push(s);
      });
    }
  }

  const scrape_configs: ScrapeConfig[] = rawScrapes.map((s, i) => {
    const si = s.scrape_interval ?? global.scrape_interval;
    let st = s.scrape_timeout;
    if (st === undefined) st = global.scrape_timeout > si ? si : global.scrape_timeout;
    if (st > si) throw new ConfigError(file, `scrape_configs[${i}].scrape_timeout`, `scrape timeout greater than scrape interval for scrape config with job name ${JSON.stringify(s.job_name)}`);
    return {
      ...s,
      scrape_interval: si,
      scrape_timeout: st,
      scrape_native_histograms: s.scrape_native_histograms ?? g.scrape_native_histograms ?? false,
      scrape_protocols: s.scrape_protocols ?? g.scrape_protocols ?? defaultProtocols(s.scrape_native_histograms ?? g.scrape_native_histograms),
      body_size_limit: s.body_size_limit ?? g.body_size_limit ?? 0,
      sample_limit: s.sample_limit ?? g.sample_limit ?? 0,
      label_limit: s.label_limit ?? g.label_limit ?? 0,
      label_name_length_limit: s.label_name_length_limit ?? g.label_name_length_limit ?? 0,
      label_value_length_limit: s.label_value_length_limit ?? g.label_value_length_limit ?? 0,
      target_limit: s.target_limit ?? g.target_limit ?? 0,
      keep_dropped_targets: s.keep_dropped_targets ?? g.keep_dropped_targets ?? 0,
    };
  });

  const cfg: PrometheusConfig = { ...raw, global, scrape_configs, scrape_config_files: extraFiles, sourceFile: file === '' ? '' : resolve(file) };
  resolvePaths(cfg, dir);
  return cfg;
}

function resolvePath(dir: string, p: string): string {
  return p === '' || isAbsolute(p) ? p : join(dir, p);
}

const FILE_KEYS = new Set(['ca_file', 'cert_file', 'key_file', 'password_file', 'username_file', 'credentials_file', 'bearer_token_file', 'client_secret_file', 'kubeconfig_file', 'query_log_file', 'scrape_failure_log_file']);

/** Make every file reference absolute, as Prometheus's `SetDirectory` does. */
function resolvePaths(cfg: PrometheusConfig, dir: string): void {
  cfg.rule_files = cfg.rule_files.map((p) => resolvePath(dir, p));
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'string' && FILE_KEYS.has(k)) o[k] = resolvePath(dir, v);
      else if (k === 'files' && Array.isArray(v)) o[k] = v.map((p) => (typeof p === 'string' ? resolvePath(dir, p) : p));
      else if (k === 'http_headers' && v && typeof v === 'object') {
        for (const h of Object.values(v as Record<string, { files?: string[] }>)) if (h.files) h.files = h.files.map((p) => resolvePath(dir, p));
      } else if (typeof v === 'object') walk(v);
    }
  };
  walk(cfg.global);
  walk(cfg.scrape_configs);
  walk(cfg.remote_write);
  walk(cfg.remote_read);
  walk(cfg.alerting);
  if (cfg.tracing) walk(cfg.tracing);
}

/** Expand a glob in the last path element (`dir/*.json`), as Go's filepath.Glob does for file_sd. Sorted. */
export function expandGlob(pattern: string): string[] {
  const name = basename(pattern);
  if (!/[*?[]/.test(name)) return [pattern];
  const dir = dirname(pattern);
  const re = globToRegExp(name);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.filter((e) => re.test(e)).sort().map((e) => join(dir, e));
}

export function globToRegExp(glob: string): RegExp {
  let src = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') src += '[^/]*';
    else if (c === '?') src += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) {
        src += '\\[';
        continue;
      }
      let cls = glob.slice(i + 1, end);
      if (cls.startsWith('^')) cls = '!' + cls.slice(1);
      src += cls.startsWith('!') ? `[^${cls.slice(1)}]` : `[${cls}]`;
      i = end;
    } else src += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${src}$`);
}

/** Build a `PrometheusConfig` from an object already in prometheus.yml shape (for programmatic use and tests). */
export function buildPrometheusConfig(obj: unknown, file = ''): PrometheusConfig {
  return finalize(validate(prometheusConfigSchema, obj, file || '<config>'), file);
}

function snakeCase(k: string): string {
  return k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [snakeCase(k), k === 'headers' || k === 'labels' ? x : snakeKeys(x)]));
}

/**
 * The Prometheus configuration held in the prometheus-community Helm chart's values (`values-prometheus.yaml`):
 * `server.global`, `server.remoteWrite`, `server.remoteRead`, `extraScrapeConfigs` (a YAML string or list,
 * at the top level or under `server`), `serverFiles."prometheus.yml"`. Keys in remote write/read may be
 * camelCase (`queueConfig`), as the seed writes them; they are mapped to prometheus.yml's snake_case.
 * Chart-only settings (persistence, resources, ...) are ignored here.
 */
export function promConfigFromHelmValues(file: string): PrometheusConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, '', `cannot read file: ${(e as Error).message}`);
  }
  const values = parseYaml(text, file) as Record<string, unknown>;
  const server = (values.server ?? {}) as Record<string, unknown>;
  const serverFiles = (values.serverFiles ?? {}) as Record<string, unknown>;
  const base = (serverFiles['prometheus.yml'] ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...base };
  if (server.global !== undefined) out.global = snakeKeys(server.global);
  if (server.remoteWrite !== undefined) out.remote_write = snakeKeys(server.remoteWrite);
  if (server.remoteRead !== undefined) out.remote_read = snakeKeys(server.remoteRead);
  const extraRaw = values.extraScrapeConfigs ?? server.extraScrapeConfigs;
  const scrapes = [...((base.scrape_configs as unknown[]) ?? [])];
  if (typeof extraRaw === 'string') {
    const parsed = parseDocument(extraRaw, { uniqueKeys: true });
    if (parsed.errors.length > 0) throw new ConfigError(file, 'extraScrapeConfigs', parsed.errors[0].message.split('\n')[0]);
    const list = parsed.toJS() as unknown;
    if (list !== null && !Array.isArray(list)) throw new ConfigError(file, 'extraScrapeConfigs', 'must be a YAML list of scrape configs');
    scrapes.push(...((list as unknown[]) ?? []));
  } else if (Array.isArray(extraRaw)) scrapes.push(...extraRaw);
  out.scrape_configs = scrapes;
  const raw = validate(prometheusConfigSchema, out, file);
  return finalize(raw, file);
}
