/** Query-side errors with the HTTP status Loki answers them with. */
export class LogqlLimitError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'LogqlLimitError';
  }
}

export const seriesLimitError = (n: number) => new LogqlLimitError(400, `maximum of series (${n}) reached for a single query`);
export const timeoutError = () =>
  new LogqlLimitError(504, 'request timed out, decrease the duration of the request or add more label matchers (prefer exact match over regex match) to reduce the amount of data processed');
