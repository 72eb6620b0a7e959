/** A failed send: `permanent` errors are dropped (and counted); others are retried with back-off. */
export class ExportError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    /** The backend's `Retry-After` / RetryInfo delay, when it gave one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ExportError';
  }
}

/** The Collector's otlphttp rule: 429, 502, 503 and 504 are retryable; every other non-2xx is permanent. */
export function httpStatusError(url: string, status: number, body: string, retryAfter: string | null): ExportError {
  const retryable = status === 429 || status === 502 || status === 503 || status === 504;
  let after: number | undefined;
  if (retryAfter) {
    const secs = Number(retryAfter);
    after = Number.isFinite(secs) ? secs * 1000 : Math.max(0, Date.parse(retryAfter) - Date.now()) || undefined;
  }
  return new ExportError(`${url} answered HTTP ${status}: ${body.slice(0, 200)}`, !retryable, after);
}
