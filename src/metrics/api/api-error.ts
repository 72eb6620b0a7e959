/** Prometheus's API error types and the status code each one gets (web/api/v1 `getDefaultErrorCode`). */
export type ApiErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal' | 'unavailable' | 'not_found' | 'not_acceptable';

const STATUS: Record<ApiErrorType, number> = {
  bad_data: 400,
  execution: 422,
  canceled: 499,
  timeout: 503,
  internal: 500,
  unavailable: 500, // Prometheus has no case for it: the default 500
  not_found: 404,
  not_acceptable: 406,
};

/** An error rendered as `{"status":"error","errorType":...,"error":...}`. */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly type: ApiErrorType,
    message: string,
    status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status ?? STATUS[type];
  }
}

/** Prometheus's `invalidParamError`: `invalid parameter "name": reason`, bad_data. */
export function invalidParam(name: string, reason: string): ApiError {
  return new ApiError('bad_data', `invalid parameter ${JSON.stringify(name)}: ${reason}`);
}

export const badData = (msg: string) => new ApiError('bad_data', msg);
