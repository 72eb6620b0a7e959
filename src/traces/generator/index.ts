export { MetricsGenerator, DEFAULT_BUCKETS, type MetricsGeneratorOptions } from './metrics-generator.js';
export { ServiceGraphStore, type ConnectionType, type GraphEdge, type ServiceGraphStoreOptions } from './service-graph-store.js';
