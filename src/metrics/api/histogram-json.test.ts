import { describe, expect, it } from 'vitest';
import { FloatHistogram, Labels } from '../../model/index.js';
import { Engine } from '../promql/index.js';
import { MemoryStorage } from '../storage-api/index.js';
import { queryDataJson } from './query-result-json.js';

function hist(count: number): FloatHistogram {
  const h = new FloatHistogram();
  h.schema = 0;
  h.zeroThreshold = 0.001;
  h.zeroCount = 1;
  h.pOff = 1;
  h.pos = [count - 2, 1];
  h.neg = [0];
  h.count = count;
  h.sum = count * 1.5;
  return h;
}

describe('query result JSON with native histograms', () => {
  it('renders "histogram" for vectors and "histograms" next to "values" for matrices', async () => {
    const storage = new MemoryStorage();
    const app = storage.appender();
    const l = Labels.fromPairs([['__name__', 'h']]);
    app.appendHistogram!(0, l, 0, hist(4));
    app.appendHistogram!(0, l, 60_000, hist(6));
    app.append(0, Labels.fromPairs([['__name__', 'f']]), 0, 2);
    await app.commit();
    const engine = new Engine(storage);

    const inst = JSON.parse([...queryDataJson((await engine.instantQuery('h', 60_000)).value, undefined)].join(''));
    expect(inst.result[0].histogram).toEqual([
      60,
      {
        count: '6',
        sum: '9',
        buckets: [
          [3, '-0.001', '0.001', '1'],
          [0, '1', '2', '4'],
          [0, '2', '4', '1'],
        ],
      },
    ]);

    const range = JSON.parse([...queryDataJson((await engine.rangeQuery('{__name__=~"h|f"}', 0, 60_000, 60_000)).value, undefined)].join(''));
    const byName = Object.fromEntries(range.result.map((s: { metric: { __name__: string } }) => [s.metric.__name__, s]));
    expect(byName.h.values).toBeUndefined();
    expect(byName.h.histograms.map((p: [number, { count: string }]) => [p[0], p[1].count])).toEqual([
      [0, '4'],
      [60, '6'],
    ]);
    expect(byName.f.values).toEqual([
      [0, '2'],
      [60, '2'],
    ]);
  });
});
