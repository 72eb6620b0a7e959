import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addInterval, chunkWithout, covers, encodeTombstones, readTombstones } from './tombstones.js';
import { XorChunkAppender, decodeXorChunk } from './xor-chunk.js';

describe('tombstones', () => {
  it('merges overlapping and adjacent intervals, keeps disjoint ones sorted', () => {
    let iv = addInterval([], 10, 20);
    iv = addInterval(iv, 40, 50);
    expect(iv).toEqual([10, 20, 40, 50]);
    expect(addInterval(iv, 0, 5)).toEqual([0, 5, 10, 20, 40, 50]);
    expect(addInterval(iv, 21, 39)).toEqual([10, 50]);
    expect(addInterval(iv, 15, 45)).toEqual([10, 50]);
    expect(addInterval(iv, 60, 70)).toEqual([10, 20, 40, 50, 60, 70]);
    expect(covers(iv, 41, 50)).toBe(true);
    expect(covers(iv, 15, 45)).toBe(false);
  });

  it('round-trips the tombstones file and rejects a corrupt one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sightline-tomb-'));
    const path = join(dir, 'tombstones');
    const stones = new Map([
      [32, [-5, 7, 100, 200]],
      [16, [-(2 ** 52), 2 ** 52]],
    ]);
    const b = encodeTombstones(stones);
    writeFileSync(path, b);
    expect(readTombstones(path)).toEqual(new Map([...stones].sort((a, c) => a[0] - c[0])));
    expect(readTombstones(join(dir, 'missing')).size).toBe(0);
    b[6] ^= 1;
    writeFileSync(path, b);
    expect(() => readTombstones(path)).toThrow(/checksum/);
  });

  it('re-encodes a chunk without its deleted samples', () => {
    const a = new XorChunkAppender();
    for (let t = 0; t < 10; t++) a.append(t * 1000, t);
    const c = { data: a.seal(), minT: 0, maxT: 9000, n: 10 };
    expect(chunkWithout(c, [20_000, 30_000])).toBe(c);
    expect(chunkWithout(c, [-1, 9000])).toBeNull();
    const k = chunkWithout(c, [2000, 4000, 9000, 9000])!;
    expect([k.minT, k.maxT, k.n]).toEqual([0, 8000, 6]);
    const t = new Float64Array(6);
    const v = new Float64Array(6);
    decodeXorChunk(k.data, t, v, 0);
    expect(Array.from(v)).toEqual([0, 1, 5, 6, 7, 8]);
  });
});
