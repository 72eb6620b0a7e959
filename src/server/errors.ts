/**
 * An error that crosses an HTTP API: it carries the status code and a machine-readable type. Each API formats it
 * the way the original system does (Prometheus: `{"status":"error","errorType":...}`, Loki: plain text, ...).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (msg: string) => new HttpError(400, 'bad_data', msg);
export const unauthorized = (msg: string) => new HttpError(401, 'unauthorized', msg);
export const notFound = (msg: string) => new HttpError(404, 'not_found', msg);
export const tooManyRequests = (msg: string) => new HttpError(429, 'too_many_requests', msg);
