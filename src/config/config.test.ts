import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ConfigError, expandEnv, formatDuration, parseByteSize, parseDuration, parseYamlConfig, sightlineConfigSchema } from './index.js';

describe('durations and sizes', () => {
  it('parses Prometheus durations', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('15d')).toBe(15 * 86_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('0')).toBe(0);
    expect(() => parseDuration('5')).toThrow(/not a valid duration/);
    expect(() => parseDuration('1m1h')).toThrow();
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(parseByteSize('512MB')).toBe(512 * 1024 * 1024);
  });
});

describe('config files', () => {
  it('rejects unknown keys naming their path', () => {
    const text = 'metrics:\n  tsdb:\n    retention_tme: 1d\n';
    expect(() => parseYamlConfig(sightlineConfigSchema, text, 'x.yaml')).toThrow(ConfigError);
    expect(() => parseYamlConfig(sightlineConfigSchema, text, 'x.yaml')).toThrow('x.yaml: metrics.tsdb.retention_tme: unknown key "retention_tme"');
  });

  it('rejects bad values naming their path and reason', () => {
    const text = 'metrics:\n  tsdb:\n    retention_time: soon\n';
    expect(() => parseYamlConfig(sightlineConfigSchema, text, 'x.yaml')).toThrow(/metrics\.tsdb\.retention_time: not a valid duration/);
  });

  it('fills defaults', () => {
    const c = parseYamlConfig(sightlineConfigSchema, '', 'x.yaml');
    expect(c.metrics.listen_address).toBe('127.0.0.1:9090');
    expect(c.metrics.tsdb.retention_time).toBe(15 * 86_400_000);
    expect(c.metrics.query.max_samples).toBe(50_000_000);
  });

  it('expands ${VAR} but leaves regex references alone', () => {
    const env = { SECRET: 's3cr3t' };
    expect(expandEnv('password: ${SECRET}\nreplacement: ${1}:$2', env, 'f')).toBe('password: s3cr3t\nreplacement: ${1}:$2');
    expect(expandEnv('x: ${MISSING:-dflt} $${SECRET}', env, 'f')).toBe('x: dflt ${SECRET}');
    expect(() => expandEnv('x: ${MISSING}', env, 'f')).toThrow(/MISSING is not set/);
    const s = z.strictObject({ password: z.string() });
    expect(parseYamlConfig(s, 'password: ${SECRET}', 'f', { expandEnv: true, env })).toEqual({ password: 's3cr3t' });
  });
});
