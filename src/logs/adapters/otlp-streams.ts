import type { LogStreamPush } from '../../otlp/index.js';
import type { PushRequest } from '../model/index.js';

/** OTLP logs, already translated to Loki streams by the OTLP receiver, as a push request (decode only). */
export function pushRequestFromOtlp(streams: readonly LogStreamPush[]): PushRequest {
  return {
    streams: streams.map((s) => ({
      labels: s.labels.toString(),
      ts: s.entries.map((e) => e.timestampNs),
      lines: s.entries.map((e) => e.line),
      metadata: s.entries.some((e) => e.structuredMetadata.length > 0) ? s.entries.map((e) => (e.structuredMetadata.length > 0 ? e.structuredMetadata : undefined)) : undefined,
    })),
  };
}
