import { describe, expect, it } from 'vitest';
import { STALE_NAN, isStaleNaN } from '../../model/index.js';
import { XorChunkAppender, chunkNumSamples, decodeXorChunk } from './xor-chunk.js';

function roundTrip(ts: number[], vs: number[]): { t: Float64Array; v: Float64Array; bytes: number } {
  const a = new XorChunkAppender();
  for (let i = 0; i < ts.length; i++) a.append(ts[i], vs[i]);
  const data = a.seal();
  expect(chunkNumSamples(data)).toBe(ts.length);
  const t = new Float64Array(ts.length);
  const v = new Float64Array(ts.length);
  expect(decodeXorChunk(data, t, v, 0)).toBe(ts.length);
  return { t, v, bytes: data.length };
}

function bits(x: number): string {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x);
  return b.toString('hex');
}

describe('XOR chunk', () => {
  it('round-trips regular 15s samples compactly', () => {
    const ts: number[] = [];
    const vs: number[] = [];
    for (let i = 0; i < 120; i++) {
      ts.push(1_700_000_000_000 + i * 15_000);
      vs.push(1000 + i * 3);
    }
    const r = roundTrip(ts, vs);
    expect(Array.from(r.t)).toEqual(ts);
    expect(Array.from(r.v)).toEqual(vs);
    expect(r.bytes / 120).toBeLessThan(3);
  });

  it('round-trips irregular intervals of every dod bucket, negative times and huge jumps', () => {
    const ts = [-5000, -4999, 0, 10, 20, 8200, 8201, 80_000, 80_001, 700_000, 700_001, 1e12, 1e12 + 1, 2 ** 52, 2 ** 52 + 7];
    // delta-of-delta at each of Prometheus's bucket edges (14, 17, 20 bits, then 64), both signs
    let t = 2 ** 52 + 7;
    let d = 1_000_000;
    for (const dod of [0, -8191, 8192, 8193, -8192, -65535, 65536, 65537, -65536, 524288, -524287, 524289, -524288, 2 ** 40, -(2 ** 40) - 3]) {
      d += dod;
      t += d;
      ts.push(t);
    }
    const vs = ts.map((_, i) => (i % 3 === 0 ? Math.random() * 1e6 : -i * 1.5));
    const r = roundTrip(ts, vs);
    expect(Array.from(r.t)).toEqual(ts);
    expect(Array.from(r.v)).toEqual(vs);
  });

  it('keeps NaN payloads (staleness markers), infinities, -0 and extreme values bit for bit', () => {
    const special = [1, STALE_NAN, NaN, Infinity, -Infinity, -0, 0, Number.MAX_VALUE, Number.MIN_VALUE, -Number.MAX_VALUE, STALE_NAN, 5e-324, 42];
    const ts = special.map((_, i) => 1000 + i * 1000);
    const r = roundTrip(ts, special);
    expect(Array.from(r.v).map(bits)).toEqual(special.map(bits));
    expect(isStaleNaN(r.v[1])).toBe(true);
    expect(isStaleNaN(r.v[2])).toBe(false);
    expect(isStaleNaN(r.v[10])).toBe(true);
  });

  it('round-trips random values and random intervals (property)', () => {
    for (let round = 0; round < 50; round++) {
      const n = 1 + Math.floor(Math.random() * 200);
      const ts: number[] = [];
      const vs: number[] = [];
      let t = Math.floor(Math.random() * 1e12);
      for (let i = 0; i < n; i++) {
        t += Math.floor(Math.random() * (round % 2 ? 1e7 : 30_000));
        ts.push(t);
        const kind = Math.random();
        vs.push(kind < 0.3 ? Math.floor(Math.random() * 100) : kind < 0.6 ? Math.random() : kind < 0.8 ? vs[i - 1] ?? 0 : (Math.random() - 0.5) * 1e300);
      }
      const r = roundTrip(ts, vs);
      expect(Array.from(r.t)).toEqual(ts);
      expect(Array.from(r.v).map(bits)).toEqual(vs.map(bits));
    }
  });

  it('decodes a snapshot of a growing chunk up to the samples it had', () => {
    const a = new XorChunkAppender();
    a.append(1, 1);
    a.append(2, 2);
    const snap = { data: a.bytes(), n: a.numSamples };
    for (let i = 3; i < 100; i++) a.append(i, i);
    const t = new Float64Array(2);
    const v = new Float64Array(2);
    expect(decodeXorChunk(snap.data, t, v, 0, snap.n)).toBe(2);
    expect(Array.from(v)).toEqual([1, 2]);
  });

  it("sizes a series' first chunk from its bytes per sample: two allocations, little slack, whatever the values", () => {
    // The remote-write bench's shape (10 s apart, values counting up) and three others: a counter with jitter, random
    // floats from the ninth sample on (the projection of the first ones is too small: it grows again),
    // and a constant.
    const shapes: [string, (i: number) => number][] = [
      ['counting', (i) => 4242 + i],
      ['jittered counter', (i) => i * 1000 + ((i * 7919) % 13) / 10],
      ['random after eight', (i) => (i < 8 ? 1 : Math.sin(i) * 1e6)],
      ['constant', () => 1],
    ];
    for (const [name, value] of shapes) {
      const a = new XorChunkAppender();
      const buffers = new Set<Uint8Array>([a.buf]);
      const ts: number[] = [];
      const vs: number[] = [];
      for (let i = 0; i < 120; i++) {
        ts.push(1_765_000_000_000 + i * 10_000);
        vs.push(value(i));
        a.append(ts[i], vs[i]);
        buffers.add(a.buf);
      }
      if (name !== 'random after eight') {
        // Doubling from 32 bytes took 4–5 buffers for these (32, 64, 128, 256, 512).
        expect(buffers.size, name).toBeLessThanOrEqual(2);
        expect(a.buf.length, name).toBeLessThanOrEqual(Math.max(96, Math.ceil(a.byteLength * 1.5) + 24));
      }
      const data = a.seal();
      const t = new Float64Array(120);
      const v = new Float64Array(120);
      expect(decodeXorChunk(data, t, v, 0), name).toBe(120);
      expect(Array.from(t), name).toEqual(ts);
      expect(Array.from(v).map(bits), name).toEqual(vs.map(bits));
    }
  });

  it('keeps growing past a full chunk (an out-of-order or re-encoded chunk may hold more samples)', () => {
    const a = new XorChunkAppender();
    for (let i = 0; i < 1000; i++) a.append(i * 1000, Math.cos(i));
    const t = new Float64Array(1000);
    const v = new Float64Array(1000);
    expect(decodeXorChunk(a.seal(), t, v, 0)).toBe(1000);
    expect(v[999]).toBe(Math.cos(999));
  });
});
