import { describe, expect, it } from 'vitest';
import { Labels } from '../../model/index.js';
import { ByteReader, ByteWriter } from './byte-codec.js';
import { decodeRecord, encodeSamples, encodeSeries } from './wal-records.js';

describe('metrics WAL records', () => {
  it('round-trips samples with large refs, negative and huge deltas, and NaN payloads', () => {
    const refs = new Uint32Array([5, 4_000_000_000, 0, 2 ** 31, 2 ** 31 - 1, 127, 128]);
    const ts = new Float64Array([1_700_000_000_000, 1_600_000_000_000, 1_800_000_000_000, 0, -5, 2 ** 52, 1_700_000_000_001]);
    const stale = new Float64Array(new Uint32Array([2, 0x7ff00000]).buffer)[0]; // Prometheus's stale-marker NaN
    const vs = new Float64Array([1.5, -0, Infinity, -Infinity, stale, 1e308, 42]);
    const w = new ByteWriter(4); // grows while writing
    encodeSamples(w, refs, ts, vs, 0, refs.length);
    let got: { refs: number[]; ts: number[]; bits: number[] } | undefined;
    decodeRecord(w.view(), {
      samples(r, t, v, n) {
        const bits = new Uint32Array(new Float64Array(v.subarray(0, n)).buffer);
        got = { refs: Array.from(r.subarray(0, n)), ts: Array.from(t.subarray(0, n)), bits: Array.from(bits) };
      },
    });
    expect(got?.refs).toEqual(Array.from(refs));
    expect(got?.ts).toEqual(Array.from(ts));
    expect(got?.bits).toEqual(Array.from(new Uint32Array(vs.buffer)));
  });

  it('round-trips series with ASCII, non-ASCII, empty-of-ASCII and long label values', () => {
    const long = 'x'.repeat(127) + 'é' + 'y'.repeat(300);
    const series = [
      { ref: 1, labels: Labels.fromObject({ __name__: 'up', job: 'api' }) },
      { ref: 2 ** 33, labels: Labels.fromObject({ __name__: 'température', ville: 'Zürich 東京 🚀' }) },
      { ref: 3, labels: Labels.fromObject({ __name__: 'm', a: 'z'.repeat(127), b: 'z'.repeat(128), c: long }) },
    ];
    const w = new ByteWriter(1);
    encodeSeries(w, series);
    const got: { ref: number; labels: Record<string, string> }[] = [];
    decodeRecord(w.view(), { series: (ref, labels) => got.push({ ref, labels: labels.toObject() }) });
    expect(got).toEqual(series.map((s) => ({ ref: s.ref, labels: s.labels.toObject() })));
  });

  it('writes unsigned varints as the reader reads them, across the 2^31 boundary', () => {
    const values = [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1];
    const w = new ByteWriter(2);
    for (const v of values) w.uvarint(v);
    const r = new ByteReader(w.view());
    expect(values.map(() => r.uvarint())).toEqual(values);
    expect(r.done).toBe(true);
  });
});
