import type { ConnectorFactory, ExporterFactory, ExtensionFactory, ProcessorFactory, ReceiverFactory } from './components.js';
import { forwardConnectorFactory } from './connectors/forward-connector.js';
import { servicegraphConnectorFactory } from './connectors/servicegraph-connector.js';
import { spanmetricsConnectorFactory } from './connectors/spanmetrics-connector.js';
import { debugExporterFactory } from './exporters/debug-exporter.js';
import { fileExporterFactory } from './exporters/file-exporter.js';
import { lokiExporterFactory } from './exporters/loki-exporter.js';
import { otlpExporterFactory } from './exporters/otlp-grpc-exporter.js';
import { otlphttpExporterFactory } from './exporters/otlphttp-exporter.js';
import { prometheusExporterFactory } from './exporters/prometheus-exporter.js';
import { prometheusRemoteWriteExporterFactory } from './exporters/prometheus-remote-write-exporter.js';
import { sightlineExporterFactory } from './exporters/sightline-exporter.js';
import { basicAuthFactory, bearerTokenAuthFactory } from './extensions/auth-extensions.js';
import { fileStorageFactory } from './extensions/file-storage.js';
import { healthCheckFactory } from './extensions/health-check.js';
import { attributesProcessorFactory } from './processors/attributes-processor.js';
import { batchProcessorFactory } from './processors/batch-processor.js';
import { k8sattributesProcessorFactory } from './processors/k8sattributes-processor.js';
import { memoryLimiterFactory } from './processors/memory-limiter.js';
import { resourceProcessorFactory } from './processors/resource-processor.js';
import { filterProcessorFactory } from './processors/filter-processor.js';
import { groupbyattrsProcessorFactory } from './processors/groupbyattrs-processor.js';
import { probabilisticSamplerFactory } from './processors/probabilistic-sampler.js';
import { resourceDetectionFactory } from './processors/resource-detection.js';
import { tailSamplingFactory } from './processors/tail-sampling.js';
import { transformProcessorFactory } from './processors/transform-processor.js';
import { filelogReceiverFactory } from './receivers/filelog-receiver.js';
import { hostmetricsReceiverFactory } from './receivers/hostmetrics-receiver.js';
import { otlpReceiverFactory } from './receivers/otlp-receiver.js';
import { prometheusReceiverFactory } from './receivers/prometheus-receiver.js';
import { jaegerReceiverFactory, zipkinReceiverFactory } from './receivers/trace-protocol-receivers.js';

const byType = <F extends { type: string }>(list: F[]): ReadonlyMap<string, F> => new Map(list.map((f) => [f.type, f]));

/** Every component type the collector supports, by kind (what an unknown type's error lists). */
export const FACTORIES = {
  receivers: byType<ReceiverFactory>([otlpReceiverFactory, zipkinReceiverFactory, jaegerReceiverFactory, prometheusReceiverFactory, hostmetricsReceiverFactory, filelogReceiverFactory]),
  processors: byType<ProcessorFactory>([batchProcessorFactory, memoryLimiterFactory, k8sattributesProcessorFactory, resourceProcessorFactory, attributesProcessorFactory, filterProcessorFactory, transformProcessorFactory, probabilisticSamplerFactory, resourceDetectionFactory, tailSamplingFactory, groupbyattrsProcessorFactory]),
  exporters: byType<ExporterFactory>([otlpExporterFactory, otlphttpExporterFactory, prometheusRemoteWriteExporterFactory, lokiExporterFactory, debugExporterFactory, sightlineExporterFactory, prometheusExporterFactory, fileExporterFactory]),
  connectors: byType<ConnectorFactory>([forwardConnectorFactory, spanmetricsConnectorFactory, servicegraphConnectorFactory]),
  extensions: byType<ExtensionFactory>([healthCheckFactory, fileStorageFactory, basicAuthFactory, bearerTokenAuthFactory]),
};

export type ComponentKind = keyof typeof FACTORIES;
