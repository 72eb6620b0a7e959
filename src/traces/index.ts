export { startTraces, defaultObjectStore, type TracesStartOptions, type TracesComponent } from './component.js';
export { TraceStore, type TraceQueryable, type TraceStoreOptions, type ScanOptions } from './store/trace-store.js';
export { TraceBlock, writeBlock, type BlockMeta } from './store/trace-block.js';
export type { SpanCondition, ComparisonOp } from './store/span-condition.js';
export { buildTraceView, entriesOf, groupEntries, normalizeTraceId, type SpanEntry, type SpanRow, type TraceView, type AttrValue } from './model/span-row.js';
export * from './traceql/index.js';
export { MetricsGenerator, DEFAULT_BUCKETS, type MetricsGeneratorOptions } from './generator/metrics-generator.js';
export { registerZipkinRoutes } from './api/zipkin-api.js';
export { registerJaegerRoutes } from './api/jaeger-api.js';
