import { describe, expect, it } from 'vitest';
import { TimeSlicer, YieldLane, abortableSlices } from './time-slice.js';

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

  /**
   * Five loops burn 2 ms slices while a timer re-arms itself; the log records which ran between two timer ticks.
   * Through one lane, at most one slice runs between ticks; on bare setImmediate every waiting loop runs back to back.
   */
  async function slicesBetweenTicks(lane: YieldLane | null): Promise<number> {
    const log: string[] = [];
    let stop = false;
    const tick = () => {
      log.push('T');
      if (!stop) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    const loop = async (id: number) => {
      const s = new TimeSlicer(2, 1, lane);
      for (let slice = 0; slice < 8; slice++) {
        log.push(`L${id}`);
        while (!s.due());
        await s.yieldNow();
      }
    };
    await Promise.all([0, 1, 2, 3, 4].map(loop));
    stop = true;
    await new Promise((r) => setTimeout(r, 5));
    let worst = 0;
    let run = 0;
    for (const e of log.slice(log.indexOf('T'))) {
      run = e === 'T' ? 0 : run + 1;
      worst = Math.max(worst, run);
    }
    return worst;
  }

  it('lets loops sharing a lane resume one per event-loop turn, so timers and I/O wait at most one slice', async () => {
    expect(await slicesBetweenTicks(new YieldLane())).toBeLessThanOrEqual(1);
    expect(await slicesBetweenTicks(null)).toBeGreaterThanOrEqual(4);
  });
});

describe('abortableSlices', () => {
  it('yields once its slice is used up and throws the abort error once the signal aborted', async () => {
    const ac = new AbortController();
    const step = abortableSlices(ac.signal, (r) => new Error(`stopped: ${String(r)}`), new TimeSlicer(0, 1, null));
    let fired = false;
    setTimeout(() => (fired = true), 0);
    const t0 = performance.now();
    while (performance.now() - t0 < 2);
    await step();
    await step();
    expect(fired).toBe(true);
    ac.abort('timeout');
    await expect(step()).rejects.toThrow('stopped: timeout');
  });
});
