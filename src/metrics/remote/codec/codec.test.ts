import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Labels } from '../../../model/index.js';
import { RequestV2, WriteRequestV1, buildV2, encodeV1, encodeV2 } from '../../../../test/helpers/remote-write-protos.js';
import {
  DecodeError,
  compressSnappyBody,
  decodeWriteRequestV1,
  decodeWriteRequestV2,
  decompressSnappyBody,
  encodeWriteRequestV1,
  encodeWriteRequestV2,
  type WriteRequestBatch,
} from './index.js';

function seriesOf(b: WriteRequestBatch) {
  const out = [];
  for (let i = 0; i < b.seriesCount; i++) {
    const samples = [];
    for (let j = b.sampleStart(i); j < b.sampleEnd[i]; j++) samples.push([b.t[j], b.v[j]]);
    const hist = [];
    for (let j = b.histogramStart(i); j < b.histogramEnd[i]; j++) hist.push(b.histogramT[j]);
    out.push({ labels: b.labels[i], samples, hist });
  }
  return out;
}

describe('remote write 1.0 decoder (protobufjs as the oracle)', () => {
  it('decodes series, samples, exemplars, histograms and metadata', () => {
    const body = encodeV1(
      [
        {
          labels: [
            { name: '__name__', value: 'http_requests_total' },
            { name: 'job', value: 'api' },
            { name: 'path', value: '/ü/ñ' },
          ],
          samples: [
            { value: 1.5, timestamp: 1700000000000 },
            { value: -0, timestamp: 1700000015000 },
            { value: Infinity, timestamp: -1000 },
          ],
          exemplars: [{ labels: [{ name: 'trace_id', value: 'abc' }], value: 2, timestamp: 1700000000001 }],
        },
        {
          labels: [{ name: '__name__', value: 'h' }],
          histograms: [{ count_int: 3, sum: 1.5, schema: 3, timestamp: 1700000000123, positive_spans: [{ offset: 0, length: 2 }], positive_deltas: [1, -1] }],
        },
      ],
      [{ type: 1, metric_family_name: 'http_requests_total', help: 'Requests.', unit: '' }],
    );
    const b = decodeWriteRequestV1(body);
    expect(b.version).toBe(1);
    expect(seriesOf(b)).toEqual([
      {
        labels: ['__name__', 'http_requests_total', 'job', 'api', 'path', '/ü/ñ'],
        samples: [
          [1700000000000, 1.5],
          [1700000015000, -0],
          [-1000, Infinity],
        ],
        hist: [],
      },
      { labels: ['__name__', 'h'], samples: [], hist: [1700000000123] },
    ]);
    expect(b.exemplars).toEqual([{ series: 0, labels: ['trace_id', 'abc'], value: 2, ts: 1700000000001 }]);
    expect(b.metadata).toEqual([{ series: -1, family: 'http_requests_total', type: 'counter', help: 'Requests.', unit: '' }]);
  });

  it('keeps wire order and duplicates of labels for validation, and NaN payloads bit-exact', () => {
    const stale = Buffer.from([2, 0, 0, 0, 0, 0, 0xf0, 0x7f]).readDoubleLE(0);
    const body = encodeV1([{ labels: [{ name: 'b', value: '1' }, { name: 'a', value: '2' }, { name: 'a', value: '3' }], samples: [{ value: stale, timestamp: 5 }] }]);
    const b = decodeWriteRequestV1(body);
    expect(b.labels[0]).toEqual(['b', '1', 'a', '2', 'a', '3']);
    const out = Buffer.alloc(8);
    out.writeDoubleLE(b.v[0]);
    expect([...out]).toEqual([2, 0, 0, 0, 0, 0, 0xf0, 0x7f]);
  });

  it('decodes many series with growing buffers', () => {
    const ts = Array.from({ length: 500 }, (_, i) => ({
      labels: [{ name: '__name__', value: `m${i}` }],
      samples: Array.from({ length: 7 }, (_, k) => ({ value: i * 10 + k, timestamp: 1000 * k })),
    }));
    const b = decodeWriteRequestV1(encodeV1(ts), undefined);
    expect(b.seriesCount).toBe(500);
    expect(b.sampleCount).toBe(3500);
    expect(b.v[b.sampleStart(321) + 4]).toBe(3214);
    expect(b.t[b.sampleEnd[499] - 1]).toBe(6000);
  });
});

describe('remote write 2.0 decoder', () => {
  it('resolves the symbol table into labels, samples, metadata and histograms', () => {
    const body = buildV2([
      { labels: { __name__: 'up', job: 'node' }, samples: [{ value: 1, timestamp: 10 }, { value: 0, timestamp: 20 }], type: 2, help: 'Up.' },
      { labels: { __name__: 'lat', job: 'node' }, histograms: [{ count_float: 2, sum: 3, timestamp: 30 }, { count_int: 1, timestamp: 40 }] },
    ]);
    const b = decodeWriteRequestV2(body);
    expect(b.version).toBe(2);
    expect(seriesOf(b)).toEqual([
      { labels: ['__name__', 'up', 'job', 'node'], samples: [[10, 1], [20, 0]], hist: [] },
      { labels: ['__name__', 'lat', 'job', 'node'], samples: [], hist: [30, 40] },
    ]);
    expect(b.metadata).toEqual([{ series: 0, family: 'up', type: 'gauge', help: 'Up.', unit: '' }]);
  });

  it('refuses symbol references out of range and odd label refs', () => {
    expect(() => decodeWriteRequestV2(encodeV2({ symbols: ['', 'a'], timeseries: [{ labels_refs: [1, 7] }] }))).toThrow(/symbol reference 7 out of range/);
    expect(() => decodeWriteRequestV2(encodeV2({ symbols: ['', 'a'], timeseries: [{ labels_refs: [1] }] }))).toThrow(/odd number/);
  });
});

describe('invalid UTF-8 in label strings', () => {
  it('marks the series (1.0 and 2.0) so the receiver can refuse it', () => {
    const v1 = encodeV1([
      { labels: [{ name: '__name__', value: 'ok' }], samples: [] },
      { labels: [{ name: '__name__', value: 'm' }, { name: 'a', value: 'QQ' }], samples: [] },
    ]);
    v1[v1.indexOf('QQ')] = 0xc3; // a lone UTF-8 lead byte
    expect([...decodeWriteRequestV1(v1).invalidUtf8]).toEqual([1]);
    const v2 = buildV2([{ labels: { __name__: 'ok' } }, { labels: { __name__: 'm', a: 'QQ' } }]);
    v2[v2.indexOf('QQ')] = 0xff;
    expect([...decodeWriteRequestV2(v2).invalidUtf8]).toEqual([1]);
    // A real U+FFFD in a valid string is not an error.
    expect(decodeWriteRequestV1(encodeV1([{ labels: [{ name: 'a', value: '\uFFFD' }], samples: [] }])).invalidUtf8.size).toBe(0);
  });
});

describe('remote write 1.0 encoder', () => {
  it('writes what protobufjs reads back, including negative timestamps', () => {
    const labels = [Labels.fromObject({ __name__: 'a', job: 'x', zone: 'ü' }), Labels.fromObject({ __name__: 'b' })];
    const t = new Float64Array([1, 2, -5, 1700000000000]);
    const v = new Float64Array([0.5, NaN, 3, -1e300]);
    const buf = encodeWriteRequestV1({
      seriesCount: 2,
      labels,
      sampleEnd: [3, 4],
      t,
      v,
      metadata: [{ family: 'a', type: 'counter', help: 'A.', unit: 's' }],
    });
    const obj = WriteRequestV1.toObject(WriteRequestV1.decode(buf), { longs: Number, defaults: true }) as {
      timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }[];
      metadata: unknown[];
    };
    expect(obj.timeseries[0].labels).toEqual([
      { name: '__name__', value: 'a' },
      { name: 'job', value: 'x' },
      { name: 'zone', value: 'ü' },
    ]);
    expect(obj.timeseries[0].samples.map((s) => s.timestamp)).toEqual([1, 2, -5]);
    expect(obj.timeseries[0].samples[1].value).toBeNaN();
    expect(obj.timeseries[1].samples).toEqual([{ value: -1e300, timestamp: 1700000000000 }]);
    expect(obj.metadata).toEqual([{ type: 1, metric_family_name: 'a', help: 'A.', unit: 's' }]);
    // And our decoder agrees with our encoder.
    const back = decodeWriteRequestV1(buf);
    expect(back.t.subarray(0, 4)).toEqual(t);
  });
});

describe('remote write 2.0 encoder', () => {
  it('writes a symbol table and packed refs that protobufjs and our decoder read back', () => {
    const labels = [Labels.fromObject({ __name__: 'a', job: 'x' }), Labels.fromObject({ __name__: 'b', job: 'x' })];
    const buf = encodeWriteRequestV2({ seriesCount: 2, labels, sampleEnd: [2, 3], t: [1, -2, 1700000000000], v: [1.5, 2, 3] });
    const obj = RequestV2.toObject(RequestV2.decode(buf), { longs: Number }) as { symbols: string[]; timeseries: { labels_refs: number[]; samples: { value: number; timestamp: number }[] }[] };
    expect(obj.symbols).toEqual(['', '__name__', 'a', 'job', 'x', 'b']);
    expect(obj.timeseries.map((t) => t.labels_refs)).toEqual([[1, 2, 3, 4], [1, 5, 3, 4]]);
    expect(obj.timeseries[0].samples).toEqual([{ value: 1.5, timestamp: 1 }, { value: 2, timestamp: -2 }]);
    const back = decodeWriteRequestV2(buf);
    expect(back.labels[1]).toEqual(['__name__', 'b', 'job', 'x']);
    expect(Array.from(back.t.subarray(0, 3))).toEqual([1, -2, 1700000000000]);
  });
});

describe('snappy bodies', () => {
  it('round-trips and refuses corrupt or oversized input with a snappy error', () => {
    const raw = encodeV1([{ labels: [{ name: '__name__', value: 'x' }], samples: [{ value: 1, timestamp: 1 }] }]);
    expect(decompressSnappyBody(compressSnappyBody(raw))).toEqual(raw);
    expect(() => decompressSnappyBody(Buffer.from('definitely not snappy'))).toThrow(DecodeError);
    expect(() => decompressSnappyBody(raw)).toThrow(/snappy/);
    expect(() => decompressSnappyBody(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), 1000)).toThrow(/exceeds the limit/);
  });
});

describe('decoder fuzzing', () => {
  const valid = encodeV1(
    Array.from({ length: 20 }, (_, i) => ({
      labels: [
        { name: '__name__', value: `metric_${i}` },
        { name: 'instance', value: `host-${i}` },
      ],
      samples: [{ value: i, timestamp: 1000 + i }],
      exemplars: i % 5 === 0 ? [{ labels: [{ name: 'trace_id', value: 'x' }], value: 1, timestamp: 2 }] : [],
    })),
    [{ type: 2, metric_family_name: 'metric_0', help: 'h', unit: '' }],
  );
  const validV2 = buildV2(Array.from({ length: 20 }, (_, i) => ({ labels: { __name__: `m${i}`, a: String(i) }, samples: [{ value: i, timestamp: i }], help: 'x', type: 1 })));

  const clean = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
  };

  it('never crashes or hangs on truncated, mutated or random bodies (only DecodeError)', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (const body of [valid, validV2]) {
      for (let cut = 0; cut < body.length; cut += 3) {
        clean(() => decodeWriteRequestV1(body.subarray(0, cut)));
        clean(() => decodeWriteRequestV2(body.subarray(0, cut)));
      }
      for (let k = 0; k < 1500; k++) {
        const m = Buffer.from(body);
        const flips = 1 + rnd(4);
        for (let f = 0; f < flips; f++) m[rnd(m.length)] = rnd(256);
        clean(() => decodeWriteRequestV1(m));
        clean(() => decodeWriteRequestV2(m));
      }
    }
    for (let k = 0; k < 1000; k++) {
      const r = randomBytes(1 + rnd(300));
      clean(() => decodeWriteRequestV1(r));
      clean(() => decodeWriteRequestV2(r));
      clean(() => decompressSnappyBody(r));
    }
    // A truncated body is refused, not half-accepted silently.
    expect(() => decodeWriteRequestV1(valid.subarray(0, valid.length - 3))).toThrow(DecodeError);
  });
});
