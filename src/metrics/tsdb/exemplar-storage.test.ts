import { describe, expect, it } from 'vitest';
import { Labels } from '../../model/index.js';
import { ExemplarStorage } from './exemplar-storage.js';

const trace = (i: number) => Labels.fromObject({ trace_id: `t${i}` });

describe('ExemplarStorage', () => {
  it('holds no columns until the first exemplar, then grows with the exemplars up to its capacity', () => {
    const s = new ExemplarStorage(100_000);
    expect(s.allocated).toBe(0);
    s.add(1, trace(0), 0, 0);
    expect(s.allocated).toBe(1024);
    for (let i = 1; i < 3000; i++) s.add(1 + (i % 7), trace(i), i, i);
    expect(s.allocated).toBe(4096);
    expect([...s.entries()].map((e) => e.ts)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });

  it('keeps the newest `capacity` exemplars, oldest first, once grown to its capacity and wrapped', () => {
    const s = new ExemplarStorage(1500);
    for (let i = 0; i < 2000; i++) s.add(i % 10, trace(i), i * 2, i);
    expect(s.allocated).toBe(1500);
    expect(s.size).toBe(1500);
    const kept = [...s.entries()];
    expect(kept.map((e) => e.ts)).toEqual(Array.from({ length: 1500 }, (_, k) => 500 + k));
    expect(kept[0]).toMatchObject({ ref: 0, value: 1000 });
    expect(kept[0].labels.get('trace_id')).toBe('t500');
    // The newest exemplar of series 9 is at ts 1999: an older one is out of order, the same one a duplicate.
    expect(() => s.validate(9, { labels: trace(0), value: 0, ts: 1998 })).toThrow('out of order exemplar');
    expect(s.validate(9, { labels: trace(1999), value: 3998, ts: 1999 })).toBe(false);
    expect([...s.select(new Set([3]), 1900, 2000).get(3)!].map((e) => e.ts)).toEqual([1903, 1913, 1923, 1933, 1943, 1953, 1963, 1973, 1983, 1993]);
  });

  it('stores nothing with capacity 0', () => {
    const s = new ExemplarStorage(0);
    s.add(1, trace(0), 1, 1);
    expect(s.allocated).toBe(0);
    expect([...s.entries()]).toEqual([]);
  });
});
