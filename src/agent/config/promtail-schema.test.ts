import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePromtailConfig } from './load.js';
import { parseGoDuration } from './go-duration.js';

const HELM = readFileSync(join(import.meta.dirname, '../../../test/fixtures/agent/promtail-helm.yaml'), 'utf8');

describe('promtail.yaml schema', () => {
  it('reads the Helm chart default config unchanged, with Promtail defaults', () => {
    const c = parsePromtailConfig(HELM);
    expect(c.server.http_listen_port).toBe(3101);
    expect(c.positions).toEqual({ filename: '/run/promtail/positions.yaml', sync_period: 10_000, ignore_invalid_yaml: false, readonly: false });
    expect(c.clients[0]).toMatchObject({ url: 'http://loki-gateway/loki/api/v1/push', batchwait: 1000, batchsize: 1048576, timeout: 10_000, backoff_config: { min_period: 500, max_period: 300_000, max_retries: 10 } });
    const job = c.scrape_configs[0];
    expect(job.job_name).toBe('kubernetes-pods');
    expect(job.pipeline_stages).toEqual([{ docker: {} }, { cri: { max_partial_lines: 100, max_partial_line_size: 0, max_partial_line_size_truncate: false } }]);
    expect(job.kubernetes_sd_configs[0].role).toBe('pod');
    expect(job.relabel_configs).toHaveLength(11);
    expect(job.relabel_configs[9].target_label).toBe('__path__');
    expect(c.limits_config.max_streams).toBe(0);
    expect(c.target_config.sync_period).toBe(10_000);
  });

  it('reads a static file config with globs and excludes', () => {
    const c = parsePromtailConfig(`
positions: {filename: /tmp/p.yaml, sync_period: 1m30s}
clients:
  - url: http://localhost:3100/loki/api/v1/push
    tenant_id: team-a
    batchwait: 250ms
    batchsize: 2048
    external_labels: {cluster: c1}
    basic_auth: {username: u, password: p}
    headers: {X-Extra: "1"}
    backoff_config: {min_period: 100ms, max_period: 2s, max_retries: 3}
scrape_configs:
  - job_name: system
    static_configs:
      - targets: [localhost]
        labels: {job: varlogs, __path__: "/var/log/**/*.log", __path_exclude__: "/var/log/secret/*"}
    file_sd_configs:
      - files: [/etc/promtail/targets/*.yaml]
target_config: {sync_period: 2s}
limits_config: {readline_rate: 100, readline_burst: 200, max_streams: 50}
`);
    expect(c.positions.sync_period).toBe(90_000);
    expect(c.clients[0]).toMatchObject({ tenant_id: 'team-a', batchwait: 250, batchsize: 2048, external_labels: { cluster: 'c1' }, headers: { 'X-Extra': '1' }, backoff_config: { min_period: 100, max_period: 2000, max_retries: 3 } });
    expect(c.scrape_configs[0].static_configs[0].labels).toEqual({ job: 'varlogs', __path__: '/var/log/**/*.log', __path_exclude__: '/var/log/secret/*' });
    expect(c.scrape_configs[0].file_sd_configs[0].files).toEqual(['/etc/promtail/targets/*.yaml']);
    expect(c.target_config.sync_period).toBe(2000);
    expect(c.limits_config).toMatchObject({ readline_rate: 100, readline_burst: 200, max_streams: 50 });
  });

  it('refuses unknown keys at their path', () => {
    expect(() => parsePromtailConfig('positions:\n  filename: x\n  sync_periodd: 1s\n')).toThrow('promtail.yaml: positions.sync_periodd: unknown key "sync_periodd"');
    expect(() => parsePromtailConfig('clients:\n- url: http://x/\n  batch_wait: 1s\n')).toThrow('clients[0].batch_wait: unknown key');
    expect(() => parsePromtailConfig('scrape_configs:\n- job_name: a\n  pipeline_stages:\n  - jsonn: {}\n')).toThrow('scrape_configs[0].pipeline_stages[0].jsonn: unknown key');
    expect(() => parsePromtailConfig('scrape_configs:\n- job_name: a\n  pipeline_stages:\n  - match:\n      selector: "{a=\\"b\\"}"\n      stages:\n      - regex: {expression: x, expresion: x}\n')).toThrow(
      'scrape_configs[0].pipeline_stages[0].match.stages[0].regex.expresion: unknown key',
    );
    expect(() => parsePromtailConfig('scrape_configs:\n- job_name: a\n  relabel_configs:\n  - action: foo\n')).toThrow('scrape_configs[0].relabel_configs[0].action');
    expect(() => parsePromtailConfig('scrape_configs:\n- job_name: a\n- job_name: a\n')).toThrow('scrape_configs[1].job_name: found multiple scrape configs');
    expect(() => parsePromtailConfig('clients:\n- url: http://x/\n  batchwait: 1x\n')).toThrow('clients[0].batchwait: time: invalid duration "1x"');
    expect(() => parsePromtailConfig('limits_config:\n  max_streamz: 1\n')).toThrow('limits_config.max_streamz: unknown key');
  });

  it('parses Go durations', () => {
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('250ms')).toBe(250);
    expect(parseGoDuration('1d')).toBe(86_400_000);
    expect(() => parseGoDuration('x')).toThrow();
  });
});
