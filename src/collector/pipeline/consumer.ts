import type { ExportRequest, Signal } from '../../otlp/index.js';
import { HttpError } from '../../server/index.js';

export type { ExportRequest, Signal };

/** Who sent the data a pipeline carries (the receiver's client): k8sattributes associates pods by `address`. */
export interface ClientContext {
  address?: string;
  metadata?: Record<string, string | string[] | undefined>;
}

/**
 * The next step of a pipeline (a processor, a fan-out, an exporter). `consume` resolves once the data is accepted
 * downstream (queued, persisted or sent); it rejects with `retryableError` (the client should retry: 503) or
 * `permanentError` (the data is bad: 400).
 */
export interface Consumer {
  consume(data: ExportRequest, client: ClientContext): Promise<void>;
  /** True when the consumer changes the data it is given (fan-out clones for all but one such consumer). */
  readonly mutates?: boolean;
}

/** Something with a lifecycle inside the collector (receivers, processors, exporters, extensions). */
export interface Lifecycle {
  start?(): Promise<void>;
  shutdown?(): Promise<void>;
}

/** Data refused for good (the Collector's `consumererror.NewPermanent`): receivers answer 400 / INVALID_ARGUMENT. */
export function permanentError(message: string): HttpError {
  return new HttpError(400, 'bad_data', message);
}

/** Data refused for now (memory limit, full queue, backend down): receivers answer 503 / UNAVAILABLE. */
export function retryableError(message: string): HttpError {
  return new HttpError(503, 'unavailable', message);
}

export function isPermanent(e: unknown): boolean {
  return e instanceof HttpError && e.status >= 400 && e.status < 500 && e.status !== 429;
}
