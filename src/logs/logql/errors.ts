/** A query Loki refuses while evaluating it (the API answers 400 with the message). */
export class LogqlEvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The query selected more series than the tenant's `max_query_series` (400 in Loki). */
export class SeriesLimitError extends LogqlEvalError {}

/** The query ran longer than the tenant's `query_timeout` (504 in Loki). */
export class QueryTimeoutError extends Error {
  constructor() {
    super('request timed out, decrease the duration of the request or add more label matchers (prefer exact match over regex match) to reduce the amount of data processed');
    this.name = 'QueryTimeoutError';
  }
}

/** The query was canceled: its client went away (Loki answers 499). */
export class QueryCanceledError extends Error {
  constructor() {
    super('context canceled');
    this.name = 'QueryCanceledError';
  }
}

export const seriesLimitError = (n: number) => new SeriesLimitError(`maximum of series (${n}) reached for a single query`);
export const timeoutError = () => new QueryTimeoutError();

/** The error of a query stopped by an abort signal: `reason` 'timeout' for its deadline, anything else for a gone client. */
export const abortError = (reason: unknown): Error => (reason === 'timeout' ? timeoutError() : new QueryCanceledError());
