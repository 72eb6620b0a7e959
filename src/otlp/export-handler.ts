import { Counter, type Registry } from 'prom-client';
import { HttpError } from '../server/index.js';
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from './proto/types.js';
import type { Signal } from './proto/codec.js';
import type { OtlpSinks, PushOutcome } from './sinks.js';
import { otlpLogsToLokiStreams } from './translate/logs-to-loki.js';
import { appendOtlpMetrics, countDataPoints } from './translate/metrics-to-prometheus.js';
import { spanCount } from './proto/trace-decoder.js';
import { logRecordCount } from './proto/log-decoder.js';

export type Transport = 'grpc' | 'http';

export type ExportRequest =
  | { signal: 'traces'; req: ExportTraceServiceRequest }
  | { signal: 'metrics'; req: ExportMetricsServiceRequest }
  | { signal: 'logs'; req: ExportLogsServiceRequest };

/** The Collector's receiver self-metrics (`otelcol_receiver_accepted_spans`, ...). */
export class ReceiverMetrics {
  readonly accepted: Record<Signal, Counter>;
  readonly refused: Record<Signal, Counter>;

  constructor(registry: Registry) {
    const c = (name: string, help: string) => new Counter({ name, help, labelNames: ['receiver', 'transport'], registers: [registry] });
    this.accepted = {
      traces: c('otelcol_receiver_accepted_spans', 'Number of spans successfully pushed into the pipeline.'),
      metrics: c('otelcol_receiver_accepted_metric_points', 'Number of metric points successfully pushed into the pipeline.'),
      logs: c('otelcol_receiver_accepted_log_records', 'Number of log records successfully pushed into the pipeline.'),
    };
    this.refused = {
      traces: c('otelcol_receiver_refused_spans', 'Number of spans that could not be pushed into the pipeline.'),
      metrics: c('otelcol_receiver_refused_metric_points', 'Number of metric points that could not be pushed into the pipeline.'),
      logs: c('otelcol_receiver_refused_log_records', 'Number of log records that could not be pushed into the pipeline.'),
    };
  }
}

export function countSpans(req: ExportTraceServiceRequest): number {
  let n = 0;
  for (const rs of req.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) n += spanCount(ss);
  return n;
}

/** Spans, data points or log records in a request: the unit the Collector counts in its self-metrics. */
export function countItems(e: ExportRequest): number {
  if (e.signal === 'traces') return countSpans(e.req);
  if (e.signal === 'metrics') return countDataPoints(e.req);
  let n = 0;
  for (const rl of e.req.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) n += logRecordCount(sl);
  return n;
}

/**
 * Hands one decoded Export request to the store of its signal, counting accepted/refused items. Throws `HttpError`
 * (400/429/503) to refuse the whole request; a partial refusal is returned as the outcome.
 */
export async function dispatchExport(e: ExportRequest, tenant: string, sinks: OtlpSinks, metrics: ReceiverMetrics, transport: Transport): Promise<PushOutcome> {
  const total = countItems(e);
  const labels = { receiver: 'otlp', transport };
  try {
    let out: PushOutcome;
    if (total === 0) out = { rejected: 0, message: '' };
    else if (e.signal === 'traces') {
      if (!sinks.traces) throw new HttpError(503, 'unavailable', 'no trace store is running in this process');
      out = await sinks.traces.pushTraces(tenant, e.req);
    } else if (e.signal === 'metrics') {
      if (!sinks.metrics) throw new HttpError(503, 'unavailable', 'no metrics store is running in this process');
      const app = sinks.metrics.appender();
      const t = appendOtlpMetrics(e.req, app);
      try {
        await app.commit();
      } catch (err) {
        app.rollback();
        throw err;
      }
      out = { rejected: t.rejected, message: t.message };
    } else {
      if (!sinks.logs) throw new HttpError(503, 'unavailable', 'no log store is running in this process');
      const { streams } = otlpLogsToLokiStreams(e.req);
      out = (await sinks.logs.push(tenant, streams)) ?? { rejected: 0, message: '' };
    }
    metrics.accepted[e.signal].inc(labels, Math.max(0, total - out.rejected));
    if (out.rejected > 0) metrics.refused[e.signal].inc(labels, out.rejected);
    return out;
  } catch (err) {
    metrics.refused[e.signal].inc(labels, total);
    throw err;
  }
}
