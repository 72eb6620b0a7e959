import { ConfigError, expandEnv, loadYamlConfig, parseYamlConfig } from '../../config/index.js';
import { promtailConfigSchema, type PromtailConfig } from './promtail-schema.js';

export interface PromtailLoadOptions {
  /** Promtail's `-config.expand-env`: `${VAR}` and `${VAR:-default}` from the environment. */
  expandEnv?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Read promtail.yaml unchanged; a bad file is a ConfigError naming its YAML path. */
export function loadPromtailConfig(file: string, opts: PromtailLoadOptions = {}): PromtailConfig {
  return loadYamlConfig(promtailConfigSchema, file, { expandEnv: opts.expandEnv, env: opts.env });
}

export function parsePromtailConfig(yaml: string, file = 'promtail.yaml', opts: PromtailLoadOptions = {}): PromtailConfig {
  if (opts.expandEnv) yaml = expandEnv(yaml, opts.env ?? process.env, file);
  return parseYamlConfig(promtailConfigSchema, yaml, file);
}

export { ConfigError };
