import { HttpError } from '../../server/index.js';
import { fetchWithTls, type ClientTls } from './tls-fetch.js';

/** Where a forwarder sends: an endpoint, extra headers, a timeout and retries (the Collector exporters' settings). */
export interface ForwardEndpoint {
  url: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Retries after the first attempt for 5xx, 429 and network errors (other 4xx are final). */
  maxRetries?: number;
  /** First back-off; doubled per retry. */
  backoffMs?: number;
  /** TLS beyond the system's defaults (a private CA, a client certificate). */
  tls?: ClientTls;
}

/**
 * A request the next hop refused (`upstreamStatus`: a final 4xx; answered to our client as 400) or that failed after
 * its retries (503, so the client retries).
 */
export class ForwardError extends HttpError {
  constructor(
    message: string,
    readonly upstreamStatus?: number,
  ) {
    super(upstreamStatus === undefined ? 503 : 400, upstreamStatus === undefined ? 'unavailable' : 'bad_data', message);
    this.name = 'ForwardError';
  }
}

/** POST `body` with retries and exponential back-off; resolves on a 2xx. */
export async function postWithRetry(ep: ForwardEndpoint, body: Uint8Array, headers: Record<string, string>): Promise<void> {
  const { url, timeoutMs = 30_000, maxRetries = 5, backoffMs = 200 } = ep;
  let last = '';
  for (let attempt = 0; attempt <= maxRetries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
    let res: Response;
    try {
      res = await fetchWithTls(url, { method: 'POST', headers: { ...ep.headers, ...headers }, body, signal: AbortSignal.timeout(timeoutMs) }, ep.tls);
    } catch (e) {
      last = (e as Error).message;
      continue;
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return;
    last = `HTTP ${res.status}: ${text.slice(0, 200)}`;
    if (res.status !== 429 && res.status < 500) throw new ForwardError(`${url} refused the request: ${last}`, res.status);
  }
  throw new ForwardError(`sending to ${url} failed after ${maxRetries + 1} attempts: ${last}`);
}
