import { describe, expect, it } from 'vitest';
import { Labels } from '../../model/index.js';
import { Head } from './head.js';
import { XorChunkAppender, decodeXorChunk } from './xor-chunk.js';

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

  it('keeps no appender object per series: every open chunk is parked in the number columns, interleaved appends round-trip', () => {
    const head = new Head(7200_000);
    const series = Array.from({ length: 50 }, (_, i) => head.getOrCreate(Labels.fromObject({ __name__: 'x', i: String(i) })).series);
    const stale = new Float64Array(new Uint32Array([0x00000002, 0x7ff00000]).buffer)[0];
    // Per series a value shape of its own (constant, counter, noisy, sign flips, the staleness marker's NaN bits),
    // appended one sample per series in turn: each append resumes another series' parked chunk.
    const value = (i: number, k: number) => [7, k, Math.sin(k * (i + 1)) * 1e6, k % 2 === 0 ? -k / 3 : k * 1e-9, k % 5 === 4 ? stale : k][i % 5];
    const times = (i: number, k: number) => 1000 + k * 15_000 + (i % 3 === 0 ? (k * 37) % 500 : 0);
    for (let k = 0; k < 260; k++) for (let i = 0; i < series.length; i++) head.appendSample(series[i], times(i, k), value(i, k));
    for (const s of series) expect(Object.values(s).some((f) => f instanceof XorChunkAppender)).toBe(false);
    for (let i = 0; i < series.length; i++) {
      const s = series[i];
      expect(s.numChunks).toBe(3);
      const got = samples(head, s.ref);
      expect(got.length).toBe(260);
      const bits = new Float64Array(2);
      const words = new Uint32Array(bits.buffer);
      for (let k = 0; k < 260; k++) {
        expect(got[k][0]).toBe(times(i, k));
        bits[0] = got[k][1];
        bits[1] = value(i, k);
        expect([words[0], words[1]]).toEqual([words[2], words[3]]);
      }
    }
    // The open chunk (samples 240..259) of one series, partly deleted, then appended to again.
    expect(head.deleteRange(series[1], times(1, 250), times(1, 252))).toBe(true);
    head.appendSample(series[1], times(1, 260), 260);
    expect(samples(head, series[1].ref, times(1, 240)).map((x) => x[1])).toEqual([240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 253, 254, 255, 256, 257, 258, 259, 260]);
  });

  it('keeps a label value of one series as that series ref, a list from the second series on, and drops it with the series', () => {
    const head = new Head(7200_000);
    const mk = (i: number, job: string) => head.getOrCreate(Labels.fromObject({ __name__: 'x', job, series: String(i) })).series;
    const a = mk(1, 'a');
    const b = mk(2, 'b');
    const entries = (head as unknown as { index: Map<string, { values: Map<string, unknown> }> }).index;
    // One series per value: the map holds its ref, no postings object.
    expect(entries.get('series')!.values.get('1')).toBe(a.ref);
    expect(entries.get('job')!.values.get('b')).toBe(b.ref);
    expect([...head.postings('series', '2')]).toEqual([b.ref]);
    const c = mk(3, 'a');
    expect(typeof entries.get('job')!.values.get('a')).toBe('object');
    expect([...head.postings('job', 'a')]).toEqual([a.ref, c.ref]);
    expect(c.labels.get('job')).toBe('a');
    expect(head.labelValuesFor('series')).toEqual(['1', '2', '3']);
    expect(head.postingsStats().seriesCountByLabelValuePair.find((p) => p.name === 'job=a')?.value).toBe(2);
    expect(head.postingsStats().seriesCountByLabelValuePair.find((p) => p.name === 'series=2')?.value).toBe(1);
    // b has samples only before the truncation point: it goes, and its one-series values with it.
    head.appendSample(a, 10_000_000, 1);
    head.appendSample(b, 1_000, 1);
    head.appendSample(c, 10_000_000, 1);
    head.truncate(5_000_000);
    expect(head.get(b.ref)).toBeUndefined();
    expect(head.postings('series', '2')).toHaveLength(0);
    expect(head.labelValuesFor('job')).toEqual(['a']);
    expect(head.labelValuesFor('series')).toEqual(['1', '3']);
    expect([...head.postings('series', '3')]).toEqual([c.ref]);
    // A new series with a value of a removed one starts over with its own ref.
    const d = mk(2, 'b');
    expect([...head.postings('series', '2')]).toEqual([d.ref]);
    expect([...head.allPostings()]).toEqual([a.ref, c.ref, d.ref]);
  });
});

