export { MetricsGenerator, DEFAULT_BUCKETS, type MetricsGeneratorOptions } from './metrics-generator.js';
