export { startMetrics, type MetricsComponent } from './component.js';
export type { ScrapeJobSink, StaticScrapeJob } from './extra-scrape-jobs.js';
export * from '../model/index.js';
export * from './storage-api/index.js';
export { ScrapeManager } from './scrape/index.js';
export { buildPrometheusConfig, type PrometheusConfig } from './promconfig/index.js';
// Used by the log agent (src/agent): Promtail's scrape configs are Prometheus's discovery and relabeling.
export { compileRelabels, relabel, processBuilder, type CompiledRelabel } from './relabel/index.js';
export { relabelConfigSchema, fileSdConfigSchema, kubernetesSdConfigSchema, type RelabelConfig, type FileSdConfig, type KubernetesSdConfig } from './promconfig/index.js';
export { DiscoveryManager, type DiscoveryHooks, type DiscoveryManagerOptions, type TargetGroup } from './discovery/index.js';
