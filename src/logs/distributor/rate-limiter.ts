/** A per-tenant token bucket in bytes (Loki's local ingestion rate strategy): `rate` bytes/s, up to `burst`. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; last: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Take `bytes` if available; returns false (taking nothing) when the request would exceed the limit. */
  allow(tenant: string, bytes: number, rate: number, burst: number): boolean {
    const t = this.now();
    let b = this.buckets.get(tenant);
    if (!b) this.buckets.set(tenant, (b = { tokens: burst, last: t }));
    b.tokens = Math.min(burst, b.tokens + ((t - b.last) / 1000) * rate);
    b.last = t;
    if (bytes > b.tokens) return false;
    b.tokens -= bytes;
    return true;
  }
}
