/**
 * A token bucket per tenant (Mimir's "local" ingestion rate strategy): `rate` tokens per second up to `burst`.
 * A request takes all its items at once or nothing.
 */
export class IngestionRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; last: number }>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Take `n` tokens for `tenant`; false (nothing taken) when the bucket has fewer. */
  allow(tenant: string, n: number, rate: number, burst: number): boolean {
    const now = this.now();
    let b = this.buckets.get(tenant);
    if (!b) {
      b = { tokens: burst, last: now };
      this.buckets.set(tenant, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.last) / 1000) * rate);
    b.last = now;
    if (n > b.tokens) return false;
    b.tokens -= n;
    return true;
  }
}
