import { describe, expect, it } from 'vitest';
import { FloatHistogram, STALE_NAN, isStaleNaN } from '../../model/index.js';
import { BitReader, BitWriter } from './bit-stream.js';
import { FloatHistogramChunkAppender, decodeFloatHistogramChunk } from './float-histogram-chunk.js';
import { appendHistogramSample, type HistogramChunkAppenderAny } from './histogram-append-rules.js';
import { HistogramChunkAppender, decodeHistogramChunk } from './histogram-chunk.js';
import { CounterResetHeader, counterResetHeaderOf, spansFromIndexes, type SpanHistogram } from './histogram-chunk-layout.js';
import { fromSpanHistogram, toSpanHistogram } from './histogram-conversion.js';

function hist(t: number, opts: Partial<SpanHistogram> = {}): SpanHistogram {
  return {
    schema: 1,
    zeroThreshold: 2 ** -128,
    zeroCount: 2 + t,
    count: 20 + 6 * t,
    sum: 18.4 * (t + 1),
    positiveSpans: [
      { offset: 0, length: 2 },
      { offset: 1, length: 2 },
    ],
    negativeSpans: [{ offset: 1, length: 2 }],
    positiveBuckets: [1 + t, 3 + t, 2 + 2 * t, 4],
    negativeBuckets: [5 + t, 3],
    ...opts,
  };
}

describe('varbit codes', () => {
  it('round-trips every bucket of putVarbitInt / putVarbitUint, with the bucket edges Prometheus documents', () => {
    const ints = [0, 1, -3, 4, 5, -4, 32, -31, 33, 256, -255, 2048, -2047, 2049, 131072, -131071, 16777216, -16777215, 2 ** 40, -(2 ** 40), 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 55, -(2 ** 55) + 2 ** 32, 2 ** 56, -(2 ** 60)];
    const uints = [0, 7, 8, 63, 64, 511, 4095, 262143, 33554431, 33554432, 2 ** 52];
    const w = new BitWriter(0);
    for (const v of ints) w.varbitInt(v);
    for (const v of uints) w.varbitUint(v);
    const r = new BitReader(w.bytes(), 0);
    expect(ints.map(() => r.varbitInt())).toEqual(ints);
    expect(uints.map(() => r.varbitUint())).toEqual(uints);
  });

  it('writes the bit widths of Prometheus: 1, 5, 9, 13, 17, 24, 32, 64, 72 bits', () => {
    const sizes = [0, 4, 32, 256, 2048, 131072, 16777216, 2 ** 40, 2 ** 56].map((v) => {
      const w = new BitWriter(0);
      w.varbitInt(v);
      return w.bitPos;
    });
    expect(sizes).toEqual([1, 5, 9, 13, 17, 24, 32, 64, 72]);
    const w = new BitWriter(0);
    w.varbitInt(-3);
    // '10' then -3 in 3 bits (101)
    expect(w.bytes()[0] >>> 3).toBe(0b10101);
  });
});

describe('integer histogram chunk (encoding 2)', () => {
  it('round-trips samples, sets the count and header, and reads hints as Prometheus', () => {
    const app = new HistogramChunkAppender(CounterResetHeader.CounterReset);
    for (let i = 0; i < 50; i++) app.append(1000 + i * 15000 + (i % 3), hist(i));
    const bytes = app.seal();
    expect((bytes[0] << 8) | bytes[1]).toBe(50);
    expect(counterResetHeaderOf(bytes)).toBe(CounterResetHeader.CounterReset);
    const out = decodeHistogramChunk(bytes);
    expect(out).toHaveLength(50);
    for (let i = 0; i < 50; i++) {
      expect(out[i].t).toBe(1000 + i * 15000 + (i % 3));
      expect(out[i].h).toEqual(hist(i));
    }
    expect(out[0].hint).toBe('reset');
    expect(out[1].hint).toBe('not_reset');
    expect(decodeHistogramChunk(bytes, 3)).toHaveLength(3);
  });

  it('encodes the first sample as Prometheus: layout, varbit t/count/zero count, raw sum, bucket deltas', () => {
    const app = new HistogramChunkAppender();
    app.append(5, { ...hist(0), positiveSpans: [{ offset: 0, length: 2 }], negativeSpans: [], positiveBuckets: [1, 3], negativeBuckets: [] });
    const r = new BitReader(app.bytes(), 24);
    expect(r.readBits(8)).toBe(116); // zero threshold 2^-128
    expect(r.varbitInt()).toBe(1); // schema
    expect(r.varbitUint()).toBe(1); // one positive span
    expect([r.varbitUint(), r.varbitInt()]).toEqual([2, 0]);
    expect(r.varbitUint()).toBe(0); // no negative spans
    expect(r.varbitInt()).toBe(5); // t
    expect(r.varbitUint()).toBe(20);
    expect(r.varbitUint()).toBe(2);
    expect(r.readFloat()).toBe(18.4);
    expect([r.varbitInt(), r.varbitInt()]).toEqual([1, 2]); // delta-encoded buckets
  });

  it('keeps staleness markers (no buckets written)', () => {
    const app = new HistogramChunkAppender();
    app.append(1, hist(0));
    app.append(2, hist(1));
    app.append(3, { ...hist(0), sum: STALE_NAN });
    const out = decodeHistogramChunk(app.bytes());
    expect(out.map((s) => s.t)).toEqual([1, 2, 3]);
    expect(isStaleNaN(out[2].h.sum)).toBe(true);
    expect(out[1].h).toEqual(hist(1));
  });

  it('stores custom bucket bounds (schema -53) and an arbitrary zero threshold', () => {
    const cv = [0.005, 0.1, 1, 2.5, 1e6, -1, 0.0001];
    const h: SpanHistogram = { ...hist(0), schema: -53, zeroThreshold: 0.3, customValues: cv, negativeSpans: [], negativeBuckets: [] };
    const app = new HistogramChunkAppender();
    app.append(0, h);
    app.append(10, { ...h, count: 30, positiveBuckets: [2, 4, 3, 5] });
    const out = decodeHistogramChunk(app.bytes());
    expect(out[0].h).toEqual(h);
    expect(out[1].h.customValues).toEqual(cv);
    expect(out[1].h.positiveBuckets).toEqual([2, 4, 3, 5]);
    expect(out[0].h.zeroThreshold).toBe(0.3);
  });
});

describe('float histogram chunk (encoding 3)', () => {
  it('round-trips fractional counts, negative timestamps and staleness', () => {
    const app = new FloatHistogramChunkAppender(CounterResetHeader.GaugeType);
    const mk = (i: number) => ({ ...hist(i), count: 1.5 * i + 0.25, zeroCount: i / 3, positiveBuckets: [0.1 * i, 2.5, i / 7, 1e300], negativeBuckets: [-0, 3.75] });
    for (let i = 0; i < 40; i++) app.append(-5000 + i * 1000, mk(i));
    app.append(40000, { ...hist(0), sum: STALE_NAN });
    const out = decodeFloatHistogramChunk(app.seal());
    expect(out).toHaveLength(41);
    for (let i = 0; i < 40; i++) {
      expect(out[i].t).toBe(-5000 + i * 1000);
      expect(out[i].h).toEqual(mk(i));
      expect(out[i].hint).toBe('gauge');
    }
    expect(isStaleNaN(out[40].h.sum)).toBe(true);
  });
});

describe('append rules', () => {
  function run(samples: SpanHistogram[], float = false, hint: 'unknown' | 'gauge' = 'unknown') {
    let app: HistogramChunkAppenderAny | undefined;
    const chunks: HistogramChunkAppenderAny[] = [];
    samples.forEach((h, i) => {
      const r = appendHistogramSample(app, i * 10, h, float, hint, false);
      if (r.cut) chunks.push(r.app);
      else chunks[chunks.length - 1] = r.app;
      app = r.app;
    });
    return chunks;
  }

  it('re-codes the chunk when a bucket appears, earlier samples read it as 0', () => {
    const a = hist(0, { positiveSpans: spansFromIndexes([0, 1]), positiveBuckets: [1, 2], negativeSpans: [], negativeBuckets: [] });
    const b = hist(1, { positiveSpans: spansFromIndexes([0, 1, 5]), positiveBuckets: [1, 3, 1], negativeSpans: [], negativeBuckets: [] });
    const chunks = run([a, b]);
    expect(chunks).toHaveLength(1);
    const out = decodeHistogramChunk(chunks[0].bytes());
    expect(out[0].h.positiveSpans).toEqual(spansFromIndexes([0, 1, 5]));
    expect(out[0].h.positiveBuckets).toEqual([1, 2, 0]);
    expect(out[1].h.positiveBuckets).toEqual([1, 3, 1]);
  });

  it('cuts with header CounterReset on a reset, Unknown on a schema change, NotCounterReset after a full chunk', () => {
    const chunks = run([hist(5), hist(6), hist(0), hist(1, { schema: 2 }), hist(2, { schema: 2, positiveBuckets: [0, 3, 2, 4] })]);
    expect(chunks.map((c) => c.header)).toEqual([CounterResetHeader.Unknown, CounterResetHeader.CounterReset, CounterResetHeader.Unknown, CounterResetHeader.CounterReset]);
    expect(chunks.map((c) => c.numSamples)).toEqual([2, 1, 1, 1]);
    const full = appendHistogramSample(chunks[1], 100, hist(1), false, 'unknown', true);
    expect(full.cut).toBe(true);
    expect(full.app.header).toBe(CounterResetHeader.NotCounterReset);
  });

  it('gauge histograms go down without a cut and merge bucket layouts both ways', () => {
    const a = hist(3, { positiveSpans: spansFromIndexes([0, 1]), positiveBuckets: [4, 2], negativeSpans: [], negativeBuckets: [] });
    const b = hist(0, { positiveSpans: spansFromIndexes([1, 2]), positiveBuckets: [1, 1], negativeSpans: [], negativeBuckets: [] });
    const chunks = run([a, b], true, 'gauge');
    expect(chunks).toHaveLength(1);
    expect(chunks[0].header).toBe(CounterResetHeader.GaugeType);
    const out = decodeFloatHistogramChunk(chunks[0].bytes());
    expect(out.map((s) => s.h.positiveBuckets)).toEqual([
      [4, 2, 0],
      [0, 1, 1],
    ]);
  });

  it('a sample after a staleness marker starts a new chunk; encoding changes cut too', () => {
    const chunks = run([hist(0), { ...hist(1), sum: STALE_NAN }, hist(2)]);
    expect(chunks.map((c) => c.numSamples)).toEqual([2, 1]);
    const r = appendHistogramSample(chunks[1], 99, hist(3), true, 'unknown', false);
    expect(r.cut).toBe(true);
    expect(r.app).toBeInstanceOf(FloatHistogramChunkAppender);
  });
});

describe('conversion to and from the query model', () => {
  it('keeps short gaps inside spans and splits at longer ones', () => {
    const fh = new FloatHistogram();
    fh.schema = 0;
    fh.count = 9;
    fh.pOff = -2;
    fh.pos = [0, 1, 0, 2, 0, 0, 0, 3, 0];
    fh.nOff = 0;
    fh.neg = [];
    const sh = toSpanHistogram(fh);
    expect(sh.positiveSpans).toEqual([
      { offset: -1, length: 3 },
      { offset: 3, length: 1 },
    ]);
    const back = fromSpanHistogram(sh, 'not_reset');
    expect(back.pOff).toBe(-1);
    expect(back.pos).toEqual([1, 0, 2, 0, 0, 0, 3]);
    expect(back.hint).toBe('not_reset');
  });
});
