export { startOtlp } from './component.js';
export { registerOtlpSinks, unregisterOtlpSink, otlpSinks, type OtlpSinks, type PushOutcome, type TracesConsumer } from './sinks.js';
export { countSpans, type ExportRequest } from './export-handler.js';
export * from './proto/codec.js';
export type * from './proto/types.js';
export { SPAN_KIND, STATUS_CODE } from './proto/types.js';
export { appendOtlpMetrics, type MetricsTranslation } from './translate/metrics-to-prometheus.js';
export { prometheusLabelName, prometheusMetricName } from './translate/prometheus-names.js';
export { DEFAULT_INDEX_LABELS, otlpLogsToLokiStreams, type LogEntryPush, type LogStreamPush, type LogsPushTarget } from './translate/logs-to-loki.js';
