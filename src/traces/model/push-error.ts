/**
 * Why spans were refused on the write path, as Tempo counts them in `tempo_discarded_spans_total{reason}` and
 * prefixes its messages (`RATE_LIMITED: ...`, `TRACE_TOO_LARGE: ...`, `LIVE_TRACES_EXCEEDED: ...`).
 */
export type DiscardReason = 'invalid_trace_id' | 'invalid_span_id' | 'rate_limited' | 'trace_too_large' | 'live_traces_exceeded' | 'unavailable';

/**
 * The whole push was refused. A domain error: the distributor and ingester raise it, and only the API turns it
 * into an HTTP status (see `api/push-errors.ts`).
 */
export class TracePushError extends Error {
  constructor(
    readonly reason: DiscardReason,
    message: string,
  ) {
    super(message);
    this.name = 'TracePushError';
  }
}
