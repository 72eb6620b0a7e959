import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError, validate } from '../../config/index.js';
import { promtailConfigSchema, type PromtailConfig } from './promtail-schema.js';

type Obj = Record<string, unknown>;

/** The chart's `config.snippets.common` relabelings (namespace, job, pod, container, `__path__`). */
const COMMON_RELABEL: Obj[] = [
  { action: 'replace', source_labels: ['__meta_kubernetes_pod_node_name'], target_label: 'node_name' },
  { action: 'replace', source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
  { action: 'replace', replacement: '$1', separator: '/', source_labels: ['namespace', 'app'], target_label: 'job' },
  { action: 'replace', source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
  { action: 'replace', source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
  { action: 'replace', replacement: '/var/log/pods/*$1/*.log', separator: '/', source_labels: ['__meta_kubernetes_pod_uid', '__meta_kubernetes_pod_container_name'], target_label: '__path__' },
  {
    action: 'replace',
    replacement: '/var/log/pods/*$1/*.log',
    regex: 'true/(.*)',
    separator: '/',
    source_labels: ['__meta_kubernetes_pod_annotationpresent_kubernetes_io_config_hash', '__meta_kubernetes_pod_annotation_kubernetes_io_config_hash', '__meta_kubernetes_pod_container_name'],
    target_label: '__path__',
  },
];

/** The chart's `kubernetes-pods` job relabelings before the common ones (app, instance, component). */
const POD_RELABEL: Obj[] = [
  { source_labels: ['__meta_kubernetes_pod_controller_name'], regex: '([0-9a-z-.]+?)(-[0-9a-f]{8,10})?', action: 'replace', target_label: '__tmp_controller_name' },
  {
    source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name', '__meta_kubernetes_pod_label_app', '__tmp_controller_name', '__meta_kubernetes_pod_name'],
    regex: '^;*([^;]+)(;.*)?$',
    action: 'replace',
    target_label: 'app',
  },
  { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance', '__meta_kubernetes_pod_label_instance'], regex: '^;*([^;]+)(;.*)?$', action: 'replace', target_label: 'instance' },
  { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_component', '__meta_kubernetes_pod_label_component'], regex: '^;*([^;]+)(;.*)?$', action: 'replace', target_label: 'component' },
];

function asList(v: unknown): Obj[] {
  if (v === undefined || v === null || v === '') return [];
  if (typeof v === 'string') return (parse(v) as Obj[] | null) ?? [];
  return v as Obj[];
}

/**
 * The promtail.yaml the grafana/promtail Helm chart renders from its values (`values-promtail.yaml`): `config.clients`
 * (or the older `config.lokiAddress`), `config.serverPort`, `config.positions`, `config.snippets.pipelineStages`,
 * `extraRelabelConfigs`, `addScrapeJobLabel`, `extraScrapeConfigs`, `extraLimitsConfig`; or `config.file` given
 * whole. Chart-only settings (resources, daemonset, serviceMonitor) are ignored.
 */
export function promtailConfigFromHelmValues(values: Obj, file = 'values.yaml'): PromtailConfig {
  const config = (values.config ?? {}) as Obj;
  const snippets = (config.snippets ?? {}) as Obj;
  if (typeof config.file === 'string' && /^\s*[a-z_]+:/m.test(config.file) && !config.file.includes('{{')) {
    return validate(promtailConfigSchema, parse(config.file), `${file}: config.file`);
  }
  const clients = (config.clients as Obj[] | undefined) ?? (typeof config.lokiAddress === 'string' ? [{ url: config.lokiAddress }] : [{ url: 'http://loki-gateway/loki/api/v1/push' }]);
  const relabel = [...POD_RELABEL];
  if (snippets.addScrapeJobLabel === true) relabel.push({ replacement: 'kubernetes-pods', target_label: 'scrape_job' });
  relabel.push(...(snippets.common !== undefined ? asList(snippets.common) : COMMON_RELABEL), ...asList(snippets.extraRelabelConfigs));
  const raw: Obj = {
    server: {
      log_level: (config.logLevel as string | undefined) ?? 'info',
      log_format: (config.logFormat as string | undefined) ?? 'logfmt',
      http_listen_port: (config.serverPort as number | undefined) ?? 3101,
    },
    clients,
    positions: (config.positions as Obj | undefined) ?? { filename: '/run/promtail/positions.yaml' },
    scrape_configs: [
      {
        job_name: 'kubernetes-pods',
        pipeline_stages: (snippets.pipelineStages as Obj[] | undefined) ?? [{ cri: {} }],
        kubernetes_sd_configs: [{ role: 'pod' }],
        relabel_configs: relabel,
      },
      ...asList(snippets.extraScrapeConfigs),
    ],
    limits_config: typeof snippets.extraLimitsConfig === 'string' ? (parse(snippets.extraLimitsConfig) as Obj | null) : (snippets.extraLimitsConfig ?? null),
  };
  return validate(promtailConfigSchema, raw, file);
}

export function loadPromtailHelmValues(file: string): PromtailConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, '', `cannot read file: ${(e as Error).message}`);
  }
  return promtailConfigFromHelmValues((parse(text) as Obj | null) ?? {}, file);
}
