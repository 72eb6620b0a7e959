import type { LogStreamPush, LogsPushTarget } from '../../otlp/index.js';
import { HttpError } from '../../server/index.js';
import type { Distributor } from './distributor.js';
import type { PushRequest } from './push-request.js';

/**
 * OTLP logs (already translated to Loki streams by the OTLP receiver) enter the same distributor as a Loki push:
 * the same validation, tenant limits and write-ahead log. Entries Loki refuses individually (too old, too long, ...)
 * while the rest of the request is stored become an OTLP partial success, one rejected record per error line.
 */
export function otlpLogsTarget(distributor: Distributor): LogsPushTarget {
  return {
    async push(tenant: string, streams: LogStreamPush[]) {
      const req: PushRequest = {
        streams: streams.map((s) => ({
          labels: s.labels.toString(),
          ts: s.entries.map((e) => e.timestampNs),
          lines: s.entries.map((e) => e.line),
          metadata: s.entries.some((e) => e.structuredMetadata.length > 0) ? s.entries.map((e) => (e.structuredMetadata.length > 0 ? e.structuredMetadata : undefined)) : undefined,
        })),
      };
      try {
        distributor.push(tenant, req);
      } catch (e) {
        if (e instanceof HttpError && e.status === 400) {
          const lines = e.message.split('\n').filter((l) => l !== '');
          return { rejected: lines.length, message: e.message };
        }
        throw e;
      }
    },
  };
}
