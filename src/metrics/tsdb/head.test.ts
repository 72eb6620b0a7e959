import { describe, expect, it } from 'vitest';
import { Labels } from '../../model/index.js';
import { Head } from './head.js';
import { decodeXorChunk } from './xor-chunk.js';

/** Every sample of the series' chunks overlapping [mint, maxt], decoded in chunk order. */
function samples(head: Head, ref: number, mint = -Infinity, maxt = Infinity): number[][] {
  const out: number[][] = [];
  for (const c of head.get(ref)!.chunksIn(mint, maxt)) {
    const t = new Float64Array(c.n);
    const v = new Float64Array(c.n);
    const n = decodeXorChunk(c.data, t, v, 0, c.n);
    for (let i = 0; i < n; i++) out.push([t[i], v[i]]);
  }
  return out;
}

describe('head series chunks', () => {
  it('closes a float chunk every 120 samples and reads the closed ones back by time range', () => {
    const head = new Head(7200_000);
    const { series: s } = head.getOrCreate(Labels.fromObject({ __name__: 'x', i: '1' }));
    const want: number[][] = [];
    for (let i = 0; i < 300; i++) {
      head.appendSample(s, 1000 + i * 10_000, i * 1.5);
      want.push([1000 + i * 10_000, i * 1.5]);
    }
    expect(s.numChunks).toBe(3);
    expect(samples(head, s.ref)).toEqual(want);
    // Only the second chunk overlaps samples 150..160.
    const mid = s.chunksIn(1000 + 150 * 10_000, 1000 + 160 * 10_000);
    expect(mid.map((c) => [c.minT, c.maxT, c.n])).toEqual([[1000 + 120 * 10_000, 1000 + 239 * 10_000, 120]]);
    // A reader's chunks stay as they were when the series changes later.
    const before = s.chunksIn(-Infinity, Infinity);
    head.truncate(1000 + 130 * 10_000);
    expect(s.numChunks).toBe(2);
    expect(samples(head, s.ref)).toEqual(want.slice(120));
    expect(before.reduce((n, c) => n + c.n, 0)).toBe(300);
    expect(before[0].minT).toBe(1000);
    for (let i = 300; i < 400; i++) head.appendSample(s, 1000 + i * 10_000, i * 1.5);
    expect(s.numChunks).toBe(3);
    expect(samples(head, s.ref).length).toBe(280);
  });

  it('deleting a range rewrites closed chunks and keeps the later ones in order', () => {
    const head = new Head(7200_000);
    const { series: s } = head.getOrCreate(Labels.fromObject({ __name__: 'x', i: '2' }));
    for (let i = 0; i < 250; i++) head.appendSample(s, i * 1000, i);
    expect(head.deleteRange(s, 10_000, 19_000)).toBe(true);
    for (let i = 250; i < 400; i++) head.appendSample(s, i * 1000, i);
    const got = samples(head, s.ref);
    expect(got.length).toBe(390);
    expect(got.map((x) => x[1])).toEqual([...Array(400).keys()].filter((i) => i < 10 || i > 19));
  });
});
