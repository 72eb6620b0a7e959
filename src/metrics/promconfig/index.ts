export {
  buildPrometheusConfig,
  expandGlob,
  globToRegExp,
  loadPrometheusConfig,
  parsePrometheusConfig,
  promConfigFromHelmValues,
  type PromConfigLoadOptions,
} from './load.js';
export {
  DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS,
  DEFAULT_SCRAPE_PROTOCOLS,
  fileSdConfigSchema,
  kubernetesSdConfigSchema,
  KUBERNETES_ROLES,
  SCRAPE_PROTOCOLS,
  UNSUPPORTED_SD,
  prometheusConfigSchema,
  type AlertingConfig,
  type AlertmanagerConfig,
  type FileSdConfig,
  type GlobalConfig,
  type KubernetesSdConfig,
  type PrometheusConfig,
  type QueueConfig,
  type RemoteReadConfig,
  type RemoteWriteConfig,
  type ScrapeConfig,
  type ScrapeProtocol,
  type StaticConfig,
} from './schema.js';
export { DEFAULT_RELABEL, RELABEL_ACTIONS, relabelConfigSchema, type RelabelAction, type RelabelConfig } from './relabel-config.js';
export type { Authorization, BasicAuth, HttpClientConfig, TlsConfig } from './common.js';
export { tlsConfig as tlsConfigSchema } from './common.js';
