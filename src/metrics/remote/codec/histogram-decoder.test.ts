import { describe, expect, it } from 'vitest';
import { encodeV1 } from '../../../../test/helpers/remote-write-protos.js';
import { decodeWriteRequestV1 } from './index.js';

describe('remote-write native histograms', () => {
  it('decodes integer, float and custom-bucket histograms into the query model (protobufjs-encoded)', () => {
    const body = encodeV1([
      {
        labels: [{ name: '__name__', value: 'h' }],
        histograms: [
          {
            count_int: 12,
            sum: 3.5,
            schema: 2,
            zero_threshold: 0.001,
            zero_count_int: 2,
            positive_spans: [
              { offset: -2, length: 2 },
              { offset: 3, length: 1 },
            ],
            positive_deltas: [1, 2, -1],
            negative_spans: [{ offset: 1, length: 1 }],
            negative_deltas: [3],
            reset_hint: 3,
            timestamp: 1700000000123,
          },
          { count_float: 2.5, sum: -1, schema: 0, zero_count_float: 0.5, positive_spans: [{ offset: 0, length: 2 }], positive_counts: [1.25, 0.75], timestamp: 1700000015000 },
          { count_int: 4, sum: 2, schema: -53, positive_spans: [{ offset: 1, length: 2 }], positive_deltas: [1, 2], custom_values: [0.1, 0.5, 1], timestamp: 1700000030000 },
        ],
      },
    ]);
    const b = decodeWriteRequestV1(body);
    expect(Array.from(b.histogramT.subarray(0, 3))).toEqual([1700000000123, 1700000015000, 1700000030000]);
    const [a, f, c] = b.histograms;
    expect({ count: a.count, sum: a.sum, schema: a.schema, zt: a.zeroThreshold, zc: a.zeroCount, pOff: a.pOff, pos: a.pos, nOff: a.nOff, neg: a.neg, hint: a.hint }).toEqual({
      count: 12,
      sum: 3.5,
      schema: 2,
      zt: 0.001,
      zc: 2,
      pOff: -2,
      pos: [1, 3, 0, 0, 0, 2],
      nOff: 1,
      neg: [3],
      hint: 'gauge',
    });
    expect({ count: f.count, zc: f.zeroCount, pOff: f.pOff, pos: f.pos, hint: f.hint }).toEqual({ count: 2.5, zc: 0.5, pOff: 0, pos: [1.25, 0.75], hint: 'unknown' });
    expect({ schema: c.schema, pOff: c.pOff, pos: c.pos, cv: c.customValues }).toEqual({ schema: -53, pOff: 0, pos: [0, 1, 3], cv: [0.1, 0.5, 1] });
  });
});
