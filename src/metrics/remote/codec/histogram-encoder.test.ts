import { describe, expect, it } from 'vitest';
import { RequestV2, WriteRequestV1 } from '../../../../test/helpers/remote-write-protos.js';
import { FloatHistogram, Labels } from '../../../model/index.js';
import { decodeWriteRequestV1, decodeWriteRequestV2, encodeWriteRequestV1, encodeWriteRequestV2, type EncodeHistogram, type EncodeInput } from './index.js';

function fh(o: Partial<FloatHistogram>): FloatHistogram {
  return Object.assign(new FloatHistogram(), o);
}

const hists: EncodeHistogram[] = [
  // Integer, schema 1: a gap of three empty buckets splits the positive buckets into two spans; a gauge hint.
  { t: 1700000000123, float: false, h: fh({ schema: 1, zeroThreshold: 2 ** -128, zeroCount: 2, count: 19, sum: 3.25, pOff: -1, pos: [3, 5, 0, 0, 0, 1], nOff: 0, neg: [8], hint: 'gauge' }) },
  // Integer with every count 0 (the oneofs still say "integer").
  { t: -5, float: false, h: fh({ schema: 0, count: 0, sum: 0 }) },
  // Float, schema 0, a reset hint.
  { t: 1700000015000, float: true, h: fh({ schema: 0, zeroThreshold: 0.001, zeroCount: 0.5, count: 2.5, sum: -1, pOff: 0, pos: [1.25, 0.75], hint: 'reset' }) },
  // Custom buckets (schema -53), bounds in custom_values.
  { t: 1700000030000, float: false, h: fh({ schema: -53, count: 4, sum: 2, pOff: 0, pos: [0, 1, 3], customValues: [0.1, 0.5, 1] }) },
];

const input: EncodeInput = {
  seriesCount: 2,
  labels: [Labels.fromObject({ __name__: 'h', job: 'x' }), Labels.fromObject({ __name__: 'f', job: 'x' })],
  sampleEnd: [0, 1],
  t: [1700000000000],
  v: [7],
  histEnd: [2, 4],
  histograms: hists,
};

type PbHist = Record<string, unknown> & { positive_spans?: unknown[]; timestamp: number };

describe('remote-write histogram encoder', () => {
  it('writes 1.0 Histogram messages that protobufjs reads as Prometheus defines them', () => {
    const obj = WriteRequestV1.toObject(WriteRequestV1.decode(encodeWriteRequestV1(input)), { longs: Number, oneofs: true }) as {
      timeseries: { histograms?: PbHist[]; samples?: unknown[] }[];
    };
    const [a, zero] = obj.timeseries[0].histograms!;
    expect(a).toMatchObject({
      count: 'count_int',
      count_int: 19,
      sum: 3.25,
      schema: 1,
      zero_threshold: 2 ** -128,
      zero_count: 'zero_count_int',
      zero_count_int: 2,
      positive_spans: [
        { offset: -1, length: 2 },
        { offset: 3, length: 1 },
      ],
      positive_deltas: [3, 2, -4],
      negative_spans: [{ length: 1 }], // offset 0: the proto3 default, absent on the wire
      negative_deltas: [8],
      reset_hint: 3,
      timestamp: 1700000000123,
    });
    expect(zero).toMatchObject({ count: 'count_int', zero_count: 'zero_count_int', timestamp: -5 });
    const [f, c] = obj.timeseries[1].histograms!;
    expect(f).toMatchObject({ count: 'count_float', count_float: 2.5, zero_count: 'zero_count_float', zero_count_float: 0.5, positive_counts: [1.25, 0.75], reset_hint: 1 });
    expect(c).toMatchObject({ schema: -53, positive_spans: [{ offset: 1, length: 2 }], positive_deltas: [1, 2], custom_values: [0.1, 0.5, 1] });
    expect(obj.timeseries[1].samples).toEqual([{ value: 7, timestamp: 1700000000000 }]);
  });

  it('round-trips through our decoders (1.0 and 2.0) to the same histograms', () => {
    for (const [encode, decode] of [
      [encodeWriteRequestV1, decodeWriteRequestV1],
      [encodeWriteRequestV2, decodeWriteRequestV2],
    ] as const) {
      const b = decode(encode(input));
      expect(Array.from(b.histogramEnd.subarray(0, 2))).toEqual([2, 4]);
      expect(Array.from(b.histogramT.subarray(0, 4))).toEqual(hists.map((x) => x.t));
      b.histograms.slice(0, 4).forEach((got, i) => {
        const want = hists[i].h.copy().compact();
        if (want.schema === -53) want.pOff = 0;
        expect({ ...got, pos: got.pos }, `histogram ${i}`).toEqual({ ...want, pos: hists[i].h.schema === -53 ? hists[i].h.pos : want.pos });
      });
    }
    const v2 = RequestV2.toObject(RequestV2.decode(encodeWriteRequestV2(input)), { longs: Number, oneofs: true }) as { timeseries: { histograms: PbHist[] }[] };
    expect(v2.timeseries[1].histograms[0]).toMatchObject({ count_float: 2.5, positive_counts: [1.25, 0.75] });
  });
});
