/**
 * Why the distributor refused a push, in whole or in part, with Loki's messages. The API maps them to Loki's status
 * codes (400 for invalid entries, 429 for the rate and stream limits); the OTLP receiver to a partial success or
 * RESOURCE_EXHAUSTED.
 */
export abstract class PushRejectedError extends Error {
  /** One message per refused stream or entry (joined by newline in `message`). */
  readonly errors: readonly string[];

  constructor(errors: readonly string[]) {
    super(errors.join('\n'));
    this.errors = errors;
    this.name = new.target.name;
  }
}

/** Entries or streams that failed validation; the valid rest of the push was stored. */
export class InvalidEntriesError extends PushRejectedError {}

/** The tenant's ingestion rate (`ingestion_rate_mb`, `ingestion_burst_size_mb`) was exceeded: nothing was stored. */
export class RateLimitedError extends PushRejectedError {}

/**
 * New streams over the tenant's active stream limit were refused (the rest was stored); `errors` lists the stream
 * limit errors first, then any validation errors of the same push.
 */
export class StreamLimitError extends PushRejectedError {}
