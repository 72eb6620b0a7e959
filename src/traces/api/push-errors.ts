import { HttpError } from '../../server/index.js';
import type { ExportTraceServiceRequest, PushOutcome, TracesConsumer } from '../../otlp/index.js';
import { TracePushError, type DiscardReason } from '../model/index.js';

/** HTTP status and error type of a refused push, as Tempo's distributor answers (gRPC codes mapped by the receivers). */
const STATUS: Record<DiscardReason, { status: number; type: string }> = {
  invalid_trace_id: { status: 400, type: 'bad_data' },
  invalid_span_id: { status: 400, type: 'bad_data' },
  trace_too_large: { status: 400, type: 'trace_too_large' },
  rate_limited: { status: 429, type: 'rate_limited' },
  live_traces_exceeded: { status: 429, type: 'live_traces_exceeded' },
  unavailable: { status: 503, type: 'unavailable' },
};

/** The `HttpError` a refused push becomes at the API; other errors pass unchanged. */
export function pushErrorToHttp(e: unknown): unknown {
  if (!(e instanceof TracePushError)) return e;
  const s = STATUS[e.reason];
  return new HttpError(s.status, s.type, e.message);
}

/**
 * The distributor as the receivers see it (OTLP sink, Zipkin and Jaeger routes): the same pushes, with refusals
 * raised as `HttpError` carrying Tempo's status codes.
 */
export function httpTracesConsumer(distributor: TracesConsumer): TracesConsumer {
  return {
    pushTraces: (tenant: string, req: ExportTraceServiceRequest): Promise<PushOutcome> =>
      distributor.pushTraces(tenant, req).catch((e: unknown) => {
        throw pushErrorToHttp(e);
      }),
  };
}
