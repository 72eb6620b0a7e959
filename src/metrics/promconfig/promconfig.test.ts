import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/index.js';
import { REPO_ROOT, tempDir } from '../../../test/helpers/process.js';
import { loadPrometheusConfig, parsePrometheusConfig, promConfigFromHelmValues } from './index.js';

const SEED = join(REPO_ROOT, 'test/fixtures/seed');

describe('prometheus.yml', () => {
  it('loads the seed prometheus.yml unchanged, with regex: true read as the string "true"', () => {
    const c = loadPrometheusConfig(join(SEED, 'prometheus.yml'));
    expect(c.global.scrape_interval).toBe(30_000);
    expect(c.global.scrape_timeout).toBe(10_000);
    expect(c.global.evaluation_interval).toBe(30_000);
    expect(c.rule_files).toEqual([join(SEED, 'alerts.yml')]);
    const job = c.scrape_configs[0];
    expect(job.job_name).toBe('kubernetes-pods');
    expect(job.metrics_path).toBe('/metrics');
    expect(job.scheme).toBe('http');
    expect(job.honor_labels).toBe(false);
    expect(job.honor_timestamps).toBe(true);
    expect(job.scrape_interval).toBe(30_000);
    expect(job.kubernetes_sd_configs[0].role).toBe('pod');
    expect(job.relabel_configs[0]).toEqual({ source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], separator: ';', regex: 'true', modulus: 0, target_label: '', replacement: '$1', action: 'keep' });
    expect(job.relabel_configs[2].replacement).toBe('$1:$2');
    const rw = c.remote_write[0];
    expect(rw.url).toBe('http://mimir.monitoring.svc.cluster.local:8080/api/v1/push');
    expect(rw.remote_timeout).toBe(30_000);
    expect(rw.queue_config).toMatchObject({ capacity: 10000, max_shards: 20, min_shards: 1, max_samples_per_send: 5000, batch_send_deadline: 5000, min_backoff: 30, max_backoff: 5000 });
  });

  it('loads the Prometheus part of the seed Helm values', () => {
    const c = promConfigFromHelmValues(join(SEED, 'values-prometheus.yaml'));
    expect(c.scrape_configs.map((s) => s.job_name)).toEqual(['kubernetes-pods']);
    expect(c.scrape_configs[0].relabel_configs[0].regex).toBe('true');
    expect(c.scrape_configs[0].scrape_interval).toBe(60_000);
    expect(c.remote_write[0].queue_config.max_samples_per_send).toBe(5000);
  });

  it('applies Prometheus defaults', () => {
    const c = parsePrometheusConfig('scrape_configs:\n- job_name: a\n- job_name: b\n  scrape_interval: 5s\n', 'p.yml');
    expect(c.global.scrape_interval).toBe(60_000);
    expect(c.global.evaluation_interval).toBe(60_000);
    expect(c.scrape_configs[0]).toMatchObject({ scrape_interval: 60_000, scrape_timeout: 10_000, metrics_path: '/metrics', scheme: 'http', honor_labels: false, honor_timestamps: true });
    expect(c.scrape_configs[1]).toMatchObject({ scrape_interval: 5000, scrape_timeout: 5000 });
  });

  it('refuses unknown keys and bad values with their YAML path', () => {
    expect(() => parsePrometheusConfig('scrape_configs:\n- job_name: a\n  scrape_intervall: 5s\n', 'p.yml')).toThrow('p.yml: scrape_configs[0].scrape_intervall: unknown key "scrape_intervall"');
    expect(() => parsePrometheusConfig('remote_write:\n- url: http://x/\n  queue_config:\n    max_shard: 3\n', 'p.yml')).toThrow('remote_write[0].queue_config.max_shard: unknown key');
    expect(() => parsePrometheusConfig('scrape_configs:\n- job_name: a\n  relabel_configs:\n  - action: hashmod\n    target_label: x\n', 'p.yml')).toThrow('scrape_configs[0].relabel_configs[0].modulus: relabel configuration for hashmod requires non-zero modulus');
    expect(() => parsePrometheusConfig('scrape_configs:\n- job_name: a\n  relabel_configs:\n  - action: foo\n', 'p.yml')).toThrow('unknown relabel action "foo"');
    expect(() => parsePrometheusConfig('scrape_configs:\n- job_name: a\n  scrape_interval: 5s\n  scrape_timeout: 6s\n', 'p.yml')).toThrow('scrape timeout greater than scrape interval for scrape config with job name "a"');
    expect(() => parsePrometheusConfig('scrape_configs:\n- job_name: a\n- job_name: a\n', 'p.yml')).toThrow('found multiple scrape configs with job name "a"');
    expect(() => parsePrometheusConfig('global:\n  scrape_interval: soon\n', 'p.yml')).toThrow(ConfigError);
    expect(() => parsePrometheusConfig('scrape_configs:\n- job_name: a\n  relabel_configs:\n  - regex: "("\n', 'p.yml')).toThrow(/relabel_configs\[0\]\.regex: error parsing regexp/);
  });

  it('resolves relative paths against the file and reads scrape_config_files', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'conf.d', 'x.yml'), 'scrape_configs:\n- job_name: extra\n  static_configs:\n  - targets: [a:1]\n');
    writeFileSync(
      join(dir, 'prometheus.yml'),
      'rule_files: [rules/*.yml]\nscrape_config_files: [conf.d/*.yml]\nscrape_configs:\n- job_name: a\n  authorization:\n    credentials_file: secret\n  file_sd_configs:\n  - files: [sd/*.json]\n',
    );
    const c = loadPrometheusConfig(join(dir, 'prometheus.yml'));
    expect(c.rule_files).toEqual([join(dir, 'rules/*.yml')]);
    expect(c.scrape_configs[0].authorization?.credentials_file).toBe(join(dir, 'secret'));
    expect(c.scrape_configs[0].file_sd_configs[0].files).toEqual([join(dir, 'sd/*.json')]);
    expect(c.scrape_configs.map((s) => s.job_name)).toEqual(['a', 'extra']);
  });
});
