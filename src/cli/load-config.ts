import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError, expandEnv, sightlineConfigSchema, validate, type SightlineConfig } from '../config/index.js';
import { FLAG_OVERRIDES, type CliOptions } from './args.js';

const NUMERIC_FLAGS = new Set(['query.max-samples', 'query.max-concurrency', 'web.get-concurrency']);

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (typeof cur[p] !== 'object' || cur[p] === null) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

/** The effective configuration: the config file (env-expanded), then command-line flags on top. */
export function loadSightlineConfig(opts: CliOptions, env: NodeJS.ProcessEnv = process.env): SightlineConfig {
  let raw: Record<string, unknown> = {};
  const file = opts.configFile ?? '<flags>';
  if (opts.configFile) {
    let text: string;
    try {
      text = readFileSync(opts.configFile, 'utf8');
    } catch (e) {
      throw new ConfigError(opts.configFile, '', `cannot read file: ${(e as Error).message}`);
    }
    const doc = parseDocument(expandEnv(text, env, opts.configFile), { uniqueKeys: true });
    if (doc.errors.length > 0) {
      const pos = doc.errors[0].linePos?.[0];
      throw new ConfigError(opts.configFile, pos ? `line ${pos.line} column ${pos.col}` : '', doc.errors[0].message.split('\n')[0]);
    }
    const js = doc.toJS() as unknown;
    if (js !== null && js !== undefined) {
      if (typeof js !== 'object' || Array.isArray(js)) throw new ConfigError(opts.configFile, '', 'the top level must be a mapping');
      raw = js as Record<string, unknown>;
    }
  }
  for (const [flag, value] of Object.entries(opts.overrides)) {
    setPath(raw, FLAG_OVERRIDES[flag], NUMERIC_FLAGS.has(flag) ? Number(value) : value);
  }
  if (opts.prometheusConfig) setPath(raw, 'metrics.prometheus_config_file', opts.prometheusConfig);
  if (opts.enableAdminApi) setPath(raw, 'metrics.enable_admin_api', true);
  if (opts.promtailConfig) setPath(raw, 'agent.promtail_config_file', opts.promtailConfig);
  if (opts.otelcolConfig) setPath(raw, 'collector.config_file', opts.otelcolConfig);
  if (opts.alertmanagerConfig) setPath(raw, 'alertmanager.config_file', opts.alertmanagerConfig);
  return validate(sightlineConfigSchema, raw, file);
}
