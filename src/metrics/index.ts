export { startMetrics, type MetricsComponent } from './component.js';
export * from '../model/index.js';
export * from './storage-api/index.js';
export { ScrapeManager } from './scrape/index.js';
export { buildPrometheusConfig, type PrometheusConfig } from './promconfig/index.js';
