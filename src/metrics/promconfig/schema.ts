import * as z from 'zod';
import { lazySchema } from '../../config/index.js';
import { checkHttpClient, duration, httpClientFields, labelNameRe, labelSet, str, tlsConfig } from './common.js';
import { relabelConfigSchema } from './relabel-config.js';

/**
 * prometheus.yml as Prometheus 3 reads it: every section, Prometheus's defaults, unknown keys refused. Durations are
 * milliseconds. Cross-field defaults (a job's interval and timeout from `global`) are filled by `finalize` in
 * load.ts, so every `ScrapeConfig` a consumer sees is complete.
 */

export const SCRAPE_PROTOCOLS = ['PrometheusProto', 'OpenMetricsText0.0.1', 'OpenMetricsText1.0.0', 'PrometheusText0.0.4', 'PrometheusText1.0.0'] as const;
export type ScrapeProtocol = (typeof SCRAPE_PROTOCOLS)[number];
export const DEFAULT_SCRAPE_PROTOCOLS: ScrapeProtocol[] = ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'];
/** The default while native histograms are scraped (`scrape_native_histograms: true`; off by default, as in Prometheus): protobuf first. */
export const DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS: ScrapeProtocol[] = ['PrometheusProto', ...DEFAULT_SCRAPE_PROTOCOLS];

const scrapeProtocols = lazySchema(() => z.array(z.enum(SCRAPE_PROTOCOLS)).superRefine((a, ctx) => {
  if (new Set(a).size !== a.length) ctx.addIssue({ code: 'custom', message: 'duplicated protocol in scrape_protocols' });
  if (a.length === 0) ctx.addIssue({ code: 'custom', message: 'scrape_protocols cannot be empty' });
}));

const bodySizeLimit = lazySchema(() => z.union([z.number().int().nonnegative(), z.string()]).transform((s, ctx) => {
  if (typeof s === 'number') return s;
  const m = /^(\d+(?:\.\d+)?)(B|KB|MB|GB|TB|PB|EB|KiB|MiB|GiB|TiB)?$/i.exec(s.trim());
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `not a valid byte size: ${JSON.stringify(s)}` });
    return z.NEVER;
  }
  const units: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, pb: 1024 ** 5, eb: 1024 ** 6, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };
  return Math.floor(Number(m[1]) * units[(m[2] ?? '').toLowerCase()]);
}));

const limitFields = lazySchema(() => ({
  body_size_limit: bodySizeLimit.optional(),
  sample_limit: z.number().int().nonnegative().optional(),
  label_limit: z.number().int().nonnegative().optional(),
  label_name_length_limit: z.number().int().nonnegative().optional(),
  label_value_length_limit: z.number().int().nonnegative().optional(),
  target_limit: z.number().int().nonnegative().optional(),
  keep_dropped_targets: z.number().int().nonnegative().optional(),
}));

export const globalConfigSchema = lazySchema(() => z.strictObject({
  scrape_interval: duration.optional(),
  scrape_timeout: duration.optional(),
  scrape_protocols: scrapeProtocols.optional(),
  evaluation_interval: duration.default(60_000),
  rule_query_offset: duration.default(0),
  external_labels: labelSet.default({}),
  query_log_file: z.string().optional(),
  scrape_failure_log_file: z.string().optional(),
  metric_name_validation_scheme: z.enum(['utf8', 'legacy']).optional(),
  metric_name_escaping_scheme: z.enum(['allow-utf-8', 'underscores', 'dots', 'values']).optional(),
  always_scrape_classic_histograms: z.boolean().optional(),
  convert_classic_histograms_to_nhcb: z.boolean().optional(),
  scrape_native_histograms: z.boolean().optional(),
  ...limitFields,
}));

// ---- service discovery ----

export const staticConfigSchema = lazySchema(() => z.strictObject({
  targets: z.array(str).default([]),
  labels: labelSet.default({}),
}));

const FILE_SD_RE = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;
export const fileSdConfigSchema = lazySchema(() => z.strictObject({
  files: z.array(z.string()).min(1, 'file service discovery config must contain at least one path name').superRefine((files, ctx) => {
    files.forEach((f, i) => {
      if (!FILE_SD_RE.test(f)) ctx.addIssue({ code: 'custom', path: [i], message: `path name ${JSON.stringify(f)} is not valid for file discovery` });
    });
  }),
  refresh_interval: duration.default(300_000),
}));

export const KUBERNETES_ROLES = ['pod', 'node', 'service', 'endpoints', 'endpointslice', 'ingress'] as const;
export const kubernetesSdConfigSchema = lazySchema(() => z
  .strictObject({
    role: z.enum(KUBERNETES_ROLES),
    api_server: z.string().optional(),
    kubeconfig_file: z.string().optional(),
    namespaces: z
      .strictObject({
        own_namespace: z.boolean().default(false),
        names: z.array(z.string()).default([]),
      })
      .optional(),
    selectors: z.array(z.strictObject({ role: z.enum(KUBERNETES_ROLES), label: z.string().optional(), field: z.string().optional() })).default([]),
    attach_metadata: z.strictObject({ node: z.boolean().default(false), namespace: z.boolean().default(false) }).optional(),
    ...httpClientFields,
  })
  .superRefine((c, ctx) => {
    if (c.api_server !== undefined && c.kubeconfig_file !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['kubeconfig_file'], message: "cannot use 'kubeconfig_file' and 'api_server' simultaneously" });
    }
    checkHttpClient(c, ctx);
  }));

/** Discovery mechanisms Prometheus has and Sightline accepts in a config but does not run (logged at start). */
export const UNSUPPORTED_SD = [
  'azure_sd_configs',
  'consul_sd_configs',
  'digitalocean_sd_configs',
  'docker_sd_configs',
  'dockerswarm_sd_configs',
  'dns_sd_configs',
  'ec2_sd_configs',
  'eureka_sd_configs',
  'gce_sd_configs',
  'hetzner_sd_configs',
  'http_sd_configs',
  'ionos_sd_configs',
  'kuma_sd_configs',
  'lightsail_sd_configs',
  'linode_sd_configs',
  'marathon_sd_configs',
  'nerve_sd_configs',
  'nomad_sd_configs',
  'openstack_sd_configs',
  'ovhcloud_sd_configs',
  'puppetdb_sd_configs',
  'scaleway_sd_configs',
  'serverset_sd_configs',
  'triton_sd_configs',
  'uyuni_sd_configs',
  'vultr_sd_configs',
  'stackit_sd_configs',
] as const;

const sdFields = lazySchema(() => ({
  static_configs: z.array(staticConfigSchema).default([]),
  file_sd_configs: z.array(fileSdConfigSchema).default([]),
  kubernetes_sd_configs: z.array(kubernetesSdConfigSchema).default([]),
  ...Object.fromEntries(UNSUPPORTED_SD.map((k) => [k, z.array(z.record(z.string(), z.unknown())).optional()])),
} as {
  static_configs: z.ZodDefault<z.ZodArray<typeof staticConfigSchema>>;
  file_sd_configs: z.ZodDefault<z.ZodArray<typeof fileSdConfigSchema>>;
  kubernetes_sd_configs: z.ZodDefault<z.ZodArray<typeof kubernetesSdConfigSchema>>;
} & Record<(typeof UNSUPPORTED_SD)[number], z.ZodOptional<z.ZodArray<z.ZodRecord<z.ZodString, z.ZodUnknown>>>>));

// ---- scrape ----

export const scrapeConfigSchema = lazySchema(() => z
  .strictObject({
    job_name: str.refine((s) => s !== '', 'job_name is empty'),
    honor_labels: z.boolean().default(false),
    honor_timestamps: z.boolean().default(true),
    track_timestamps_staleness: z.boolean().default(false),
    scrape_interval: duration.optional(),
    scrape_timeout: duration.optional(),
    scrape_protocols: scrapeProtocols.optional(),
    fallback_scrape_protocol: z.enum(SCRAPE_PROTOCOLS).optional(),
    scrape_classic_histograms: z.boolean().optional(),
    always_scrape_classic_histograms: z.boolean().optional(),
    convert_classic_histograms_to_nhcb: z.boolean().optional(),
    scrape_native_histograms: z.boolean().optional(),
    native_histogram_bucket_limit: z.number().int().nonnegative().optional(),
    native_histogram_min_bucket_factor: z.number().nonnegative().optional(),
    metric_name_validation_scheme: z.enum(['utf8', 'legacy']).optional(),
    metric_name_escaping_scheme: z.enum(['allow-utf-8', 'underscores', 'dots', 'values']).optional(),
    metrics_path: z.string().default('/metrics'),
    scheme: z.enum(['http', 'https']).default('http'),
    enable_compression: z.boolean().default(true),
    params: z.record(z.string(), z.array(str)).default({}),
    relabel_configs: z.array(relabelConfigSchema).default([]),
    metric_relabel_configs: z.array(relabelConfigSchema).default([]),
    ...limitFields,
    ...httpClientFields,
    ...sdFields,
  })
  .superRefine((c, ctx) => {
    checkHttpClient(c, ctx);
    if (c.scrape_interval !== undefined && c.scrape_timeout !== undefined && c.scrape_timeout > c.scrape_interval) {
      ctx.addIssue({ code: 'custom', path: ['scrape_timeout'], message: `scrape timeout greater than scrape interval for scrape config with job name ${JSON.stringify(c.job_name)}` });
    }
  }));

// ---- remote write / read ----

export const queueConfigSchema = lazySchema(() => z.strictObject({
  capacity: z.number().int().positive().default(10_000),
  max_shards: z.number().int().positive().default(50),
  min_shards: z.number().int().positive().default(1),
  max_samples_per_send: z.number().int().positive().default(2000),
  batch_send_deadline: duration.default(5000),
  min_backoff: duration.default(30),
  max_backoff: duration.default(5000),
  retry_on_http_429: z.boolean().default(true),
  sample_age_limit: duration.default(0),
}));

export const metadataConfigSchema = lazySchema(() => z.strictObject({
  send: z.boolean().default(true),
  send_interval: duration.default(60_000),
  max_samples_per_send: z.number().int().nonnegative().default(2000),
}));

const urlString = lazySchema(() => z.string().refine((s) => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an http(s) URL'));

const RESERVED_HEADERS = ['authorization', 'host', 'content-encoding', 'content-length', 'content-type', 'user-agent', 'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'www-authenticate', 'accept-encoding', 'x-prometheus-remote-write-version', 'x-prometheus-remote-read-version', 'x-prometheus-scrape-timeout-seconds', 'te', 'trailer', 'transfer-encoding', 'upgrade'];
const headers = lazySchema(() => z.record(z.string(), str).superRefine((h, ctx) => {
  for (const k of Object.keys(h)) {
    if (RESERVED_HEADERS.includes(k.toLowerCase())) ctx.addIssue({ code: 'custom', path: [k], message: `${k} is a reserved header. It must not be changed` });
  }
}));

export const remoteWriteConfigSchema = lazySchema(() => z
  .strictObject({
    url: urlString,
    name: z.string().optional(),
    remote_timeout: duration.default(30_000),
    headers: headers.default({}),
    write_relabel_configs: z.array(relabelConfigSchema).default([]),
    send_exemplars: z.boolean().default(false),
    send_native_histograms: z.boolean().default(false),
    round_robin_dns: z.boolean().default(false),
    protobuf_message: z.enum(['prometheus.WriteRequest', 'io.prometheus.write.v2.Request']).default('prometheus.WriteRequest'),
    queue_config: queueConfigSchema.prefault({}),
    metadata_config: metadataConfigSchema.prefault({}),
    sigv4: z.record(z.string(), z.unknown()).optional(),
    azuread: z.record(z.string(), z.unknown()).optional(),
    google_iam: z.record(z.string(), z.unknown()).optional(),
    ...httpClientFields,
  })
  .superRefine((c, ctx) => checkHttpClient(c, ctx)));

export const remoteReadConfigSchema = lazySchema(() => z
  .strictObject({
    url: urlString,
    name: z.string().optional(),
    remote_timeout: duration.default(60_000),
    headers: headers.default({}),
    read_recent: z.boolean().default(false),
    required_matchers: labelSet.default({}),
    filter_external_labels: z.boolean().default(true),
    ...httpClientFields,
  })
  .superRefine((c, ctx) => checkHttpClient(c, ctx)));

// ---- alerting ----

export const alertmanagerConfigSchema = lazySchema(() => z
  .strictObject({
    api_version: z.enum(['v1', 'v2']).default('v2'),
    path_prefix: z.string().default('/'),
    scheme: z.enum(['http', 'https']).default('http'),
    timeout: duration.default(10_000),
    relabel_configs: z.array(relabelConfigSchema).default([]),
    alert_relabel_configs: z.array(relabelConfigSchema).default([]),
    sigv4: z.record(z.string(), z.unknown()).optional(),
    ...httpClientFields,
    ...sdFields,
  })
  .superRefine((c, ctx) => {
    if (c.api_version === 'v1') ctx.addIssue({ code: 'custom', path: ['api_version'], message: 'v1 is deprecated and no longer supported; use v2' });
    checkHttpClient(c, ctx);
  }));

export const alertingConfigSchema = lazySchema(() => z.strictObject({
  alert_relabel_configs: z.array(relabelConfigSchema).default([]),
  alertmanagers: z.array(alertmanagerConfigSchema).default([]),
}));

// ---- the rest ----

export const storageConfigSchema = lazySchema(() => z.strictObject({
  tsdb: z.strictObject({ out_of_order_time_window: duration.default(0) }).optional(),
  exemplars: z.strictObject({ max_exemplars: z.number().int().default(100_000) }).optional(),
}));

export const tracingConfigSchema = lazySchema(() => z.strictObject({
  client_type: z.enum(['grpc', 'http']).default('grpc'),
  endpoint: z.string().optional(),
  sampling_fraction: z.number().min(0).max(1).optional(),
  insecure: z.boolean().default(false),
  tls_config: tlsConfig.optional(),
  headers: z.record(z.string(), str).optional(),
  compression: z.enum(['gzip']).optional(),
  timeout: duration.optional(),
}));

export const otlpConfigSchema = lazySchema(() => z.strictObject({
  promote_resource_attributes: z.array(z.string()).default([]),
  ignore_resource_attributes: z.array(z.string()).optional(),
  promote_all_resource_attributes: z.boolean().optional(),
  translation_strategy: z.enum(['UnderscoreEscapingWithSuffixes', 'UnderscoreEscapingWithoutSuffixes', 'NoUTF8EscapingWithSuffixes', 'NoTranslation']).optional(),
  keep_identifying_resource_attributes: z.boolean().optional(),
  convert_histograms_to_nhcb: z.boolean().optional(),
  promote_scope_metadata: z.boolean().optional(),
}));

export const prometheusConfigSchema = lazySchema(() => z
  .strictObject({
    global: globalConfigSchema.prefault({}),
    runtime: z.strictObject({ gogc: z.number().int().optional() }).optional(),
    rule_files: z.array(z.string()).default([]),
    scrape_config_files: z.array(z.string()).default([]),
    scrape_configs: z.array(scrapeConfigSchema).default([]),
    alerting: alertingConfigSchema.prefault({}),
    remote_write: z.array(remoteWriteConfigSchema).default([]),
    remote_read: z.array(remoteReadConfigSchema).default([]),
    storage: storageConfigSchema.prefault({}),
    tracing: tracingConfigSchema.optional(),
    otlp: otlpConfigSchema.optional(),
  })
  .superRefine((c, ctx) => {
    const g = c.global;
    if (g.scrape_interval !== undefined && g.scrape_timeout !== undefined && g.scrape_timeout > g.scrape_interval) {
      ctx.addIssue({ code: 'custom', path: ['global', 'scrape_timeout'], message: 'global scrape timeout greater than scrape interval' });
    }
    const seen = new Set<string>();
    c.scrape_configs.forEach((s, i) => {
      if (seen.has(s.job_name)) ctx.addIssue({ code: 'custom', path: ['scrape_configs', i, 'job_name'], message: `found multiple scrape configs with job name ${JSON.stringify(s.job_name)}` });
      seen.add(s.job_name);
    });
    const names = new Set<string>();
    c.remote_write.forEach((r, i) => {
      if (r.name !== undefined) {
        if (names.has(r.name)) ctx.addIssue({ code: 'custom', path: ['remote_write', i, 'name'], message: `found multiple remote write configs with job name ${JSON.stringify(r.name)}` });
        names.add(r.name);
      }
    });
    for (const k of Object.keys(g.external_labels)) {
      if (!labelNameRe.test(k)) ctx.addIssue({ code: 'custom', path: ['global', 'external_labels', k], message: `${JSON.stringify(k)} is not a valid label name` });
    }
  }));

type RawPrometheusConfig = z.output<typeof prometheusConfigSchema>;
type RawScrapeConfig = z.output<typeof scrapeConfigSchema>;

/** A scrape config with the job-level values resolved from `global` (what the scrape manager runs). */
export type ScrapeConfig = Omit<RawScrapeConfig, 'scrape_interval' | 'scrape_timeout' | 'scrape_protocols' | keyof typeof limitFields> & {
  scrape_interval: number;
  scrape_timeout: number;
  scrape_protocols: ScrapeProtocol[];
  body_size_limit: number;
  sample_limit: number;
  label_limit: number;
  label_name_length_limit: number;
  label_value_length_limit: number;
  target_limit: number;
  keep_dropped_targets: number;
};

export type GlobalConfig = Omit<RawPrometheusConfig['global'], 'scrape_interval' | 'scrape_timeout' | 'scrape_protocols'> & {
  scrape_interval: number;
  scrape_timeout: number;
  scrape_protocols: ScrapeProtocol[];
};

/** The parsed, defaulted prometheus.yml; paths are absolute (resolved against the file's directory). */
export type PrometheusConfig = Omit<RawPrometheusConfig, 'global' | 'scrape_configs'> & {
  global: GlobalConfig;
  scrape_configs: ScrapeConfig[];
  /** The file it was loaded from ('' when built in memory). */
  sourceFile: string;
};

export type RawConfig = RawPrometheusConfig;
export type StaticConfig = z.output<typeof staticConfigSchema>;
export type FileSdConfig = z.output<typeof fileSdConfigSchema>;
export type KubernetesSdConfig = z.output<typeof kubernetesSdConfigSchema>;
export type RemoteWriteConfig = z.output<typeof remoteWriteConfigSchema>;
export type RemoteReadConfig = z.output<typeof remoteReadConfigSchema>;
export type QueueConfig = z.output<typeof queueConfigSchema>;
export type AlertingConfig = z.output<typeof alertingConfigSchema>;
export type AlertmanagerConfig = z.output<typeof alertmanagerConfigSchema>;
