/** A TraceQL query in a worker ran past `traces.query.timeout` (the API answers 504). */
export class TraceqlTimeoutError extends Error {
  constructor() {
    super('query timed out');
    this.name = 'TraceqlTimeoutError';
  }
}

/** A TraceQL query was canceled: its client went away (499). */
export class TraceqlCanceledError extends Error {
  constructor() {
    super('context canceled');
    this.name = 'TraceqlCanceledError';
  }
}

/** A query the engine cannot hold (its worker passed its heap limit): the API answers 400. */
export class TraceqlLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceqlLimitError';
  }
}

/** The error of a query stopped by an abort signal: `reason` 'timeout' for its deadline, anything else for a gone client. */
export const traceqlAbortError = (reason: unknown): Error => (reason === 'timeout' ? new TraceqlTimeoutError() : new TraceqlCanceledError());
