import { describe, expect, it } from 'vitest';
import { Labels } from '../../model/index.js';
import { ScrapeCache } from './scrape-cache.js';

describe('ScrapeCache', () => {
  it('keeps columns per series across growth, and reuses the slots of swept series without their old state', () => {
    const c = new ScrapeCache();
    const fam = { meta: { type: 'counter' as const, help: '', unit: '' }, version: 0 };
    const slots: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = c.add(`m_total{i="${i}"}`, i % 10 === 0 ? null : Labels.fromObject({ __name__: 'm_total', i: String(i) }), fam);
      c.refs[s] = 1000 + i;
      c.seen[s] = i < 100 ? 1 : 5;
      slots.push(s);
    }
    expect(c.size).toBe(200);
    expect(c.get('m_total{i="150"}')).toBe(slots[150]);
    expect(c.refs[slots[150]]).toBe(1150);
    expect(c.labels[slots[151]]?.get('i')).toBe('151');
    expect(c.labels[slots[10]]).toBeNull();
    expect(c.get('nope')).toBe(-1);

    c.sweep(5); // seen < 4 goes: the first 100
    expect(c.size).toBe(100);
    expect(c.get('m_total{i="5"}')).toBe(-1);
    expect(c.refs[slots[199]]).toBe(1199);
    const reused = c.add('x_total', Labels.fromObject({ __name__: 'x_total' }), undefined);
    expect(slots.slice(0, 100)).toContain(reused);
    expect([c.refs[reused], c.seen[reused], c.familyVersion[reused], c.family[reused]]).toEqual([0, 0, -1, undefined]);
    expect(c.labels[reused]?.get('__name__')).toBe('x_total');
  });
});
