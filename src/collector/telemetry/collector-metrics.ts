import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Signal } from '../pipeline/consumer.js';

/** The Collector's item names per signal, as its self-metrics spell them. */
export const ITEM_NAME: Record<Signal, string> = { traces: 'spans', metrics: 'metric_points', logs: 'log_records' };

type PerSignal<T> = Record<Signal, T>;

function perSignal<T>(make: (item: string, signal: Signal) => T): PerSignal<T> {
  return { traces: make(ITEM_NAME.traces, 'traces'), metrics: make(ITEM_NAME.metrics, 'metrics'), logs: make(ITEM_NAME.logs, 'logs') };
}

/**
 * The collector's own metrics with the OpenTelemetry Collector's names (`otelcol_receiver_accepted_spans`,
 * `otelcol_exporter_sent_spans`, `otelcol_exporter_queue_size`, ...), served on `service.telemetry.metrics.address`.
 */
export class CollectorMetrics {
  readonly receiverAccepted: PerSignal<Counter>;
  readonly receiverRefused: PerSignal<Counter>;
  readonly exporterSent: PerSignal<Counter>;
  readonly exporterSendFailed: PerSignal<Counter>;
  readonly exporterEnqueueFailed: PerSignal<Counter>;
  readonly processorRefused: PerSignal<Counter>;
  readonly processorDropped: PerSignal<Counter>;
  readonly queueSize: Gauge;
  readonly queueCapacity: Gauge;
  readonly batchSendSize: Histogram;
  readonly batchSizeTrigger: Counter;
  readonly batchTimeoutTrigger: Counter;

  constructor(readonly registry: Registry = new Registry()) {
    const counter = (name: string, help: string, labelNames: string[]) => new Counter({ name, help, labelNames, registers: [registry] });
    this.receiverAccepted = perSignal((i) => counter(`otelcol_receiver_accepted_${i}`, `Number of ${i} successfully pushed into the pipeline.`, ['receiver', 'transport']));
    this.receiverRefused = perSignal((i) => counter(`otelcol_receiver_refused_${i}`, `Number of ${i} that could not be pushed into the pipeline.`, ['receiver', 'transport']));
    this.exporterSent = perSignal((i) => counter(`otelcol_exporter_sent_${i}`, `Number of ${i} successfully sent to destination.`, ['exporter']));
    this.exporterSendFailed = perSignal((i) => counter(`otelcol_exporter_send_failed_${i}`, `Number of ${i} in failed attempts to send to destination.`, ['exporter']));
    this.exporterEnqueueFailed = perSignal((i) => counter(`otelcol_exporter_enqueue_failed_${i}`, `Number of ${i} failed to be added to the sending queue.`, ['exporter']));
    this.processorRefused = perSignal((i) => counter(`otelcol_processor_refused_${i}`, `Number of ${i} that were rejected by the next component in the pipeline.`, ['processor']));
    this.processorDropped = perSignal((i) => counter(`otelcol_processor_dropped_${i}`, `Number of ${i} that were dropped.`, ['processor']));
    this.queueSize = new Gauge({ name: 'otelcol_exporter_queue_size', help: 'Current size of the retry queue (in batches).', labelNames: ['exporter', 'data_type'], registers: [registry] });
    this.queueCapacity = new Gauge({ name: 'otelcol_exporter_queue_capacity', help: 'Fixed capacity of the retry queue (in batches).', labelNames: ['exporter', 'data_type'], registers: [registry] });
    this.batchSendSize = new Histogram({
      name: 'otelcol_processor_batch_batch_send_size',
      help: 'Number of units in the batch',
      labelNames: ['processor'],
      buckets: [10, 25, 50, 75, 100, 250, 500, 750, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 20000, 30000, 50000, 100000],
      registers: [registry],
    });
    this.batchSizeTrigger = counter('otelcol_processor_batch_batch_size_trigger_send', 'Number of times the batch was sent due to a size trigger', ['processor']);
    this.batchTimeoutTrigger = counter('otelcol_processor_batch_timeout_trigger_send', 'Number of times the batch was sent due to a timeout trigger', ['processor']);
    const start = Date.now();
    new Gauge({ name: 'otelcol_process_uptime', help: 'Uptime of the process', registers: [registry], collect() { this.set((Date.now() - start) / 1000); } });
    new Gauge({ name: 'otelcol_process_memory_rss', help: 'Total physical memory (resident set size)', registers: [registry], collect() { this.set(process.memoryUsage.rss()); } });
    new Gauge({
      name: 'otelcol_process_runtime_heap_alloc_bytes',
      help: 'Bytes of allocated heap objects',
      registers: [registry],
      collect() {
        this.set(process.memoryUsage().heapUsed);
      },
    });
  }
}
