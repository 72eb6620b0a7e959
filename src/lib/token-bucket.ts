/**
 * One token bucket per tenant: the "local" ingestion rate strategy of Mimir (samples), Loki (bytes) and Tempo
 * (bytes). A bucket starts full at `burst`, refills at `rate` tokens per second, and a request takes all its
 * tokens at once or nothing. Rate and burst are passed per call, so per-tenant overrides apply immediately.
 */
export class TenantTokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; last: number }>();

  /** `now` in milliseconds (monotonic by default). */
  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Take `n` tokens for `tenant`; false (nothing taken) when the bucket holds fewer. */
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
