import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../server/index.js';
import { PushDecodeError, PushTooLargeError, UnsupportedContentEncodingError } from '../adapters/index.js';
import { InvalidEntriesError, RateLimitedError, StreamLimitError } from '../distributor/index.js';
import { LogqlEvalError, LogqlParseError, QueryCanceledError, QueryTimeoutError, TemplateError } from '../logql/index.js';

/**
 * The HTTP status and type Loki answers a domain error of the logs pillar with, keeping its message: undecodable
 * bodies, invalid entries and bad queries 400, a body too large once decompressed 413, an unsupported
 * Content-Encoding 415, the ingestion rate and stream
 * limits 429, a canceled query 499, a query timeout 504. Undefined for errors that are not the pillar's.
 */
export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (!(err instanceof Error)) return undefined;
  if (err instanceof PushDecodeError || err instanceof InvalidEntriesError) return new HttpError(400, 'bad_data', err.message);
  if (err instanceof UnsupportedContentEncodingError) return new HttpError(415, 'bad_data', err.message);
  if (err instanceof PushTooLargeError) return new HttpError(413, 'bad_data', err.message);
  if (err instanceof RateLimitedError) return new HttpError(429, 'rate_limited', err.message);
  if (err instanceof StreamLimitError) return new HttpError(429, 'stream_limit', err.message);
  if (err instanceof LogqlParseError || err instanceof TemplateError || err instanceof LogqlEvalError) return new HttpError(400, 'bad_data', err.message);
  if (err instanceof QueryTimeoutError) return new HttpError(504, 'timeout', err.message);
  // A client that went away (nobody reads the answer): Loki's 499 for a canceled context.
  if (err instanceof QueryCanceledError) return new HttpError(499, 'canceled', err.message);
  return undefined;
}

/** Loki renders errors as plain text with the status code. */
export function lokiErrorHandler(err: unknown, _req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const mapped = toHttpError(err);
  let status = 500;
  let msg = (err as Error).message ?? String(err);
  if (mapped) status = mapped.status;
  else if (typeof (err as { statusCode?: number }).statusCode === 'number') status = (err as { statusCode: number }).statusCode;
  if (status >= 500) reply.log.error({ err }, 'logs API error');
  if (status === 413) msg = `request body too large: ${msg}`;
  return reply.code(status).type('text/plain; charset=utf-8').send(msg.endsWith('\n') ? msg : `${msg}\n`);
}
