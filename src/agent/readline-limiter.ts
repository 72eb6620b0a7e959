/**
 * `limits_config.readline_rate` / `readline_burst`: a token bucket over the lines read by every reader. With
 * `readline_rate_drop` lines beyond the rate are dropped; otherwise readers wait for tokens.
 */
export class ReadlineLimiter {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  /** Take a token if there is one (drop mode). */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Take a token, going into debt if needed (wait mode; readers then wait `debtMs`). */
  take(): void {
    this.refill();
    this.tokens -= 1;
  }

  /** Milliseconds until the bucket is out of debt. */
  debtMs(): number {
    this.refill();
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.rate) * 1000);
  }
}
