export { startCollector, type CollectorStartOptions } from './component.js';
export { loadCollectorConfig, parseCollectorConfig, type CollectorConfig } from './config/collector-config.js';
export { planCollector, buildCollector, type CollectorPlan, type CollectorService } from './service.js';
export { CollectorMetrics } from './telemetry/collector-metrics.js';
export { FACTORIES } from './registry.js';
