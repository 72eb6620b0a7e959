import type { ExportRequest } from '../export-handler.js';
import { Types, messageToOtlpJson, decodeLogsRequest, decodeMetricsRequest, decodeTracesRequest, encodeLogsRequest, encodeMetricsRequest, encodeTracesRequest, type Signal } from './codec.js';

/** The gRPC method of each signal's Export service. */
export function exportServicePath(signal: Signal): string {
  if (signal === 'traces') return '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
  if (signal === 'metrics') return '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
  return '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
}

/** The protobuf Export request of a signal (reusing the bytes unread spans, log records and metrics arrived with). */
export function encodeExportRequest(e: ExportRequest): Uint8Array {
  if (e.signal === 'traces') return encodeTracesRequest(e.req);
  if (e.signal === 'metrics') return encodeMetricsRequest(e.req);
  return encodeLogsRequest(e.req);
}

export function decodeExportRequest(signal: Signal, buf: Uint8Array): ExportRequest {
  if (signal === 'traces') return { signal, req: decodeTracesRequest(buf) };
  if (signal === 'metrics') return { signal, req: decodeMetricsRequest(buf) };
  return { signal, req: decodeLogsRequest(buf) };
}

/** The Export request of a signal as OTLP/JSON (`{"resourceSpans":[...]}`, hex IDs), as the Collector's JSON marshalers write it. */
export function exportRequestToJson(e: ExportRequest): Record<string, unknown> {
  const type = e.signal === 'traces' ? Types.ExportTraceServiceRequest : e.signal === 'metrics' ? Types.ExportMetricsServiceRequest : Types.ExportLogsServiceRequest;
  return messageToOtlpJson(type, encodeExportRequest(e));
}
