import type { Alert } from '../alert.js';
import type { LabelSet } from '../labels.js';

/** What a notifier knows about the notification it sends. */
export interface NotificationContext {
  groupKey: string;
  receiver: string;
  groupLabels: LabelSet;
  externalUrl: string;
  /** Alerts resolved as of this instant are "resolved" in the payload. */
  now: number;
  signal: AbortSignal;
}

/** A failed send; `retry` says whether trying again may help (5xx, network) or not (4xx). */
export class NotifyError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
    this.name = 'NotifyError';
  }
}

/** One configured integration of a receiver (one entry of `webhook_configs`, `email_configs`, ...). */
export interface Integration {
  /** `webhook`, `email`, `slack`, `pagerduty`, ... (the `integration` label of the metrics). */
  readonly name: string;
  readonly index: number;
  readonly sendResolved: boolean;
  notify(ctx: NotificationContext, alerts: readonly Alert[]): Promise<void>;
}
