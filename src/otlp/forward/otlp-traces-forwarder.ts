import { encodeTracesRequest } from '../proto/codec.js';
import type { ExportTraceServiceRequest } from '../proto/types.js';
import type { PushOutcome, TracesConsumer } from '../sinks.js';
import { postWithRetry, type ForwardEndpoint } from './post-with-retry.js';

/**
 * Forwards OTLP traces as OTLP/HTTP protobuf (the Collector's `otlphttp` exporter) to a Tempo distributor, with the
 * tenant in `X-Scope-OrgID`. `url` is the full endpoint, e.g. `http://tempo:4318/v1/traces`.
 */
export class OtlpTracesForwarder implements TracesConsumer {
  constructor(private readonly ep: ForwardEndpoint) {}

  async pushTraces(tenant: string, req: ExportTraceServiceRequest): Promise<PushOutcome> {
    await postWithRetry(this.ep, encodeTracesRequest(req), { 'content-type': 'application/x-protobuf', 'x-scope-orgid': tenant });
    return { rejected: 0, message: '' };
  }
}
