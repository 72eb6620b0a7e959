export { startMetrics, type MetricsComponent } from './component.js';
export * from '../model/index.js';
export * from './storage-api/index.js';
