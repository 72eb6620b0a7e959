import { describe, expect, it } from 'vitest';
import { Labels } from '../model/index.js';
import { IngestionRateLimiter } from './rate-limiter.js';
import { SeriesTracker } from './series-tracker.js';
import { Overrides, tenantLimitsSchema } from './tenant-limits.js';
import { validateSeriesLabels } from './validation.js';

describe('tenant limits', () => {
  it('token bucket: burst, refill at the rate, all-or-nothing per request, per tenant', () => {
    let now = 0;
    const rl = new IngestionRateLimiter(() => now);
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

  it('series tracker counts distinct series per tenant and forgets idle ones', () => {
    const t = new SeriesTracker(1000);
    const a = Labels.fromObject({ __name__: 'a' });
    const b = Labels.fromObject({ __name__: 'b' });
    expect(t.admit('x', a, 1, 0)).toBe(true);
    expect(t.admit('x', a, 1, 10)).toBe(true);
    expect(t.admit('x', b, 1, 10)).toBe(false);
    expect(t.admit('y', b, 1, 10)).toBe(true);
    t.purge(2000);
    expect(t.count('x')).toBe(0);
    expect(t.admit('x', b, 1, 2000)).toBe(true);
  });

  it('overrides merge over defaults per tenant', () => {
    const o = new Overrides(tenantLimitsSchema.parse({ ingestion_rate: 5 }), { t1: { ingestion_rate: 7 } });
    expect(o.forTenant('t1').ingestion_rate).toBe(7);
    expect(o.forTenant('t2').ingestion_rate).toBe(5);
    expect(o.forTenant('t1').max_label_names_per_series).toBe(30);
  });

  it('validation drops empty label values and returns sorted Labels', () => {
    const l = validateSeriesLabels(['__name__', 'm', 'a', '', 'b', '1'], tenantLimitsSchema.parse({}));
    expect(l).toBeInstanceOf(Labels);
    expect((l as Labels).flat).toEqual(['__name__', 'm', 'b', '1']);
  });
});
