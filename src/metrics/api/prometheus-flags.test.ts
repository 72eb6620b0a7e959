import { describe, expect, it } from 'vitest';
import { sightlineConfigSchema } from '../../config/index.js';
import { prometheusFlags } from './prometheus-flags.js';

describe('prometheusFlags', () => {
  it('names the metrics configuration after Prometheus flags, durations in Prometheus notation', () => {
    const cfg = sightlineConfigSchema.parse({ metrics: { query: { timeout: '90s' }, tsdb: { retention_time: '30d' } } }).metrics;
    const f = prometheusFlags(cfg, '/data');
    expect(f['query.timeout']).toBe('1m30s');
    expect(f['query.lookback-delta']).toBe('5m');
    expect(f['storage.tsdb.retention.time']).toBe('4w2d'); // model.Duration.String() uses weeks too
    expect(f['storage.tsdb.max-block-duration']).toBe('3d');
    expect(f['storage.tsdb.path']).toBe('/data');
    expect(f['web.listen-address']).toBe('127.0.0.1:9090');
  });
});
