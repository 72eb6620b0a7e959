import { describe, expect, it } from 'vitest';
import { TimeSlicer } from './time-slice.js';

describe('TimeSlicer', () => {
  it('is not due within its slice and due once the slice is used up', () => {
    const s = new TimeSlicer(5, 1);
    expect(s.due()).toBe(false);
    const t0 = performance.now();
    while (performance.now() - t0 < 6);
    expect(s.due()).toBe(true);
  });

  it('reads the clock only every `every` calls', () => {
    const s = new TimeSlicer(0, 4);
    expect([s.due(), s.due(), s.due(), s.due()]).toEqual([false, false, false, true]);
  });

  it('lets timers and I/O callbacks run when it yields, then starts a new slice', async () => {
    const s = new TimeSlicer(5, 1);
    let fired = false;
    setTimeout(() => (fired = true), 0);
    const t0 = performance.now();
    while (performance.now() - t0 < 6);
    expect(s.due()).toBe(true);
    await s.yieldNow();
    await s.yieldNow();
    expect(fired).toBe(true);
    expect(s.due()).toBe(false);
  });
});
