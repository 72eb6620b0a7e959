import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BloomFilter } from './bloom-filter.js';

describe('BloomFilter', () => {
  it('contains every added ID, has about the configured false-positive rate, and survives encoding', () => {
    const ids = Array.from({ length: 5000 }, () => randomBytes(16));
    const f = BloomFilter.forItems(ids.length, 0.01);
    for (const id of ids) f.add(id);
    const g = BloomFilter.decode(f.encode());
    for (const id of ids) expect(g.mayContain(id)).toBe(true);
    let fp = 0;
    for (let i = 0; i < 20000; i++) if (g.mayContain(randomBytes(16))) fp++;
    expect(fp / 20000).toBeLessThan(0.03);
  });
});
