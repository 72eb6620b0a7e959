import type { LogStreamPush, LogsPushTarget } from '../translate/logs-to-loki.js';
import { postWithRetry, type ForwardEndpoint } from './post-with-retry.js';

/**
 * Forwards translated OTLP logs to a Loki push endpoint (the Collector's `loki` exporter path): JSON
 * `{"streams":[{"stream":{...},"values":[[ns, line, {structured metadata}]]}]}` with the tenant in `X-Scope-OrgID`.
 * `url` is the full endpoint, e.g. `http://loki:3100/loki/api/v1/push`.
 */
export class LokiPushForwarder implements LogsPushTarget {
  constructor(private readonly ep: ForwardEndpoint) {}

  async push(tenant: string, streams: LogStreamPush[]): Promise<void> {
    const body = {
      streams: streams.map((s) => ({
        stream: s.labels.toObject(),
        values: s.entries.map((e) =>
          e.structuredMetadata.length > 0 ? [String(e.timestampNs), e.line, Object.fromEntries(e.structuredMetadata)] : [String(e.timestampNs), e.line],
        ),
      })),
    };
    await postWithRetry(this.ep, Buffer.from(JSON.stringify(body)), { 'content-type': 'application/json', 'x-scope-orgid': tenant });
  }
}
