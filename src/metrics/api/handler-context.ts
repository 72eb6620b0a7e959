import type { PrometheusApiDeps } from './deps.js';
import type { ConcurrencyGate } from '../../lib/worker-pool/index.js';
import type { Params } from './params.js';

/** What a handler gets for one request. */
export interface HandlerContext {
  params: Params;
  /** Path parameters (`name` of `label/:name/values`). */
  path: Record<string, string>;
  deps: PrometheusApiDeps;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  now: () => number;
  gate: ConcurrencyGate;
  queryTimeoutMs: number;
}

/**
 * A successful answer: `data` is the JSON text of the response's `data` field, or a sequence of chunks of it
 * (large query results); null means 204 No Content.
 */
export interface ApiResult {
  data: string | Iterable<string> | null;
  warnings?: string[];
  infos?: string[];
}

export type Handler = (ctx: HandlerContext) => Promise<ApiResult>;

export const TRUNCATED_WARNING = 'results truncated due to limit';
