/**
 * A token bucket per tenant (Tempo's `local` ingestion rate strategy): `rate` units per second, up to `burst`,
 * both read per call so that each tenant's overrides apply. A rate of 0 means unlimited.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; last: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Take `n` units for `tenant`; false (and nothing taken) when not enough are available. */
  allow(tenant: string, n: number, rate: number, burst: number): boolean {
    if (rate <= 0) return true;
    const t = this.now();
    let b = this.buckets.get(tenant);
    if (!b) {
      b = { tokens: burst, last: t };
      this.buckets.set(tenant, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((t - b.last) / 1000) * rate);
    b.last = t;
    if (n > b.tokens) return false;
    b.tokens -= n;
    return true;
  }
}
