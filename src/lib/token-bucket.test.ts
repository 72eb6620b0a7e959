import { describe, expect, it } from 'vitest';
import { TenantTokenBuckets } from './token-bucket.js';

describe('TenantTokenBuckets', () => {
  it('token bucket: burst, refill at the rate, all-or-nothing per request, per tenant', () => {
    let now = 0;
    const rl = new TenantTokenBuckets(() => now);
    expect(rl.allow('a', 8, 2, 10)).toBe(true);
    expect(rl.allow('a', 3, 2, 10)).toBe(false); // 2 left
    expect(rl.allow('b', 10, 2, 10)).toBe(true);
    now = 1000; // +2 tokens
    expect(rl.allow('a', 4, 2, 10)).toBe(true);
    expect(rl.allow('a', 11, 2, 10)).toBe(false);
    now = 100_000;
    expect(rl.allow('a', 10, 2, 10)).toBe(true); // capped at burst
    expect(rl.allow('a', 1, 2, 10)).toBe(false);
  });

});
