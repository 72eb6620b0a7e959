import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { compactHeap, startIdleHeapCompaction } from './heap-compaction.js';

/** A burst: ~40 MB of small objects, every other one kept, so the old generation's pages stay half used. */
function burst(): unknown[] {
  const all: Array<{ a: number; b: string }> = [];
  for (let i = 0; i < 400_000; i++) all.push({ a: i, b: `line ${i} of a burst that fills the heap` });
  const kept: unknown[] = [];
  for (let i = 0; i < all.length; i += 16) kept.push(all[i]);
  return kept;
}

describe('heap compaction', () => {
  it('gives back the pages a burst left partly used', () => {
    const kept = burst();
    const before = getHeapStatistics().total_heap_size;
    expect(compactHeap()).toBe(true);
    const after = getHeapStatistics().total_heap_size;
    expect(kept.length).toBe(25_000);
    expect(after).toBeLessThan(before - 8 * 1024 * 1024);
  });

  it('compacts once the process idles after the heap grew, dropping pooled memory first', async () => {
    const events: string[] = [];
    let kept: unknown[] | undefined;
    const c = startIdleHeapCompaction({
      intervalMs: 200,
      maxCpuShare: 0.9,
      growthBytes: 1024 * 1024,
      beforeCompact: () => events.push('release'),
      onCompacted: (before, after) => events.push(after < before ? 'smaller' : 'not smaller'),
    });
    try {
      await new Promise((r) => setTimeout(r, 500));
      expect(events).toEqual([]);
      kept = burst();
      await new Promise((r) => setTimeout(r, 1000));
      expect(events.slice(0, 2)).toEqual(['release', 'smaller']);
      const n = events.length;
      // Nothing grew since: no further compaction.
      await new Promise((r) => setTimeout(r, 600));
      expect(events.length).toBe(n);
    } finally {
      c.stop();
      kept = undefined;
    }
    expect(kept).toBeUndefined();
  });
});
