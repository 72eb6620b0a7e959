import type { LogStreamPush, LogsPushTarget } from '../../otlp/index.js';
import { pushRequestFromOtlp } from '../adapters/index.js';
import { InvalidEntriesError, type Distributor } from '../distributor/index.js';
import { toHttpError } from './errors.js';

/**
 * OTLP logs (already translated to Loki streams by the OTLP receiver) enter the same distributor as a Loki push:
 * the same validation, tenant limits and write-ahead log. Entries Loki refuses individually (too old, too long, ...)
 * while the rest of the request is stored become an OTLP partial success, one rejected record per error line; the
 * rate and stream limits refuse the request as a 429 (RESOURCE_EXHAUSTED).
 */
export function otlpLogsTarget(distributor: Distributor): LogsPushTarget {
  return {
    async push(tenant: string, streams: LogStreamPush[]) {
      try {
        await distributor.push(tenant, pushRequestFromOtlp(streams));
      } catch (e) {
        if (e instanceof InvalidEntriesError) return { rejected: e.errors.length, message: e.message };
        throw toHttpError(e) ?? e;
      }
    },
  };
}
