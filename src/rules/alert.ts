import type { Labels } from '../model/index.js';

export type AlertState = 'inactive' | 'pending' | 'firing';

/** One alert of an alerting rule (Prometheus's `rules.Alert`). Times are ms; 0 is Go's zero time. */
export class Alert {
  state: AlertState = 'pending';
  firedAt = 0;
  resolvedAt = 0;
  lastSentAt = 0;
  validUntil = 0;
  keepFiringSince = 0;

  constructor(
    public labels: Labels,
    public annotations: Labels,
    public value: number,
    public activeAt: number,
  ) {}

  /** Prometheus's `needsSending`: firing or resolved alerts, again after the resend delay, at once when resolved since the last send. */
  needsSending(ts: number, resendDelay: number): boolean {
    if (this.state === 'pending') return false;
    if (this.resolvedAt > this.lastSentAt) return true;
    return this.lastSentAt + resendDelay < ts;
  }
}
