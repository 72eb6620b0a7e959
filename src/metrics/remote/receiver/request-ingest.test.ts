import { describe, expect, it } from 'vitest';
import { DEFAULT_TENANT_LIMITS, SeriesTracker } from '../../limits/index.js';
import { Labels } from '../../../model/index.js';
import { createSelfMetricsRegistry } from '../../../server/index.js';
import { MemoryStorage } from '../../storage-api/index.js';
import { decodeWriteRequestV1, encodeWriteRequestV1 } from '../codec/index.js';
import { receiverMetrics } from './receiver-metrics.js';
import { RequestIngest, type SliceClock } from './request-ingest.js';
import { SeriesInterner } from './series-interner.js';

const NOW = Date.now();

/** A clock whose slice is used up at every `every`-th question. */
function everyNth(every: number): SliceClock & { asked: number } {
  return {
    asked: 0,
    due() {
      return ++this.asked % every === 0;
    },
  };
}

/** A decoded request of `series` series with `perSeries` samples each; series `repeat` appears twice when set. */
function request(series: number, perSeries: number, opts: { futureAt?: number; repeat?: boolean } = {}) {
  const labels: Labels[] = [];
  const sampleEnd: number[] = [];
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < series; i++) {
    labels.push(Labels.fromPairs([['__name__', 'm'], ['i', String(opts.repeat && i === series - 1 ? 0 : i)]]));
    for (let j = 0; j < perSeries; j++) {
      const k = t.length;
      // A repeated series' second run comes later in time, as a sender would send it.
      t.push(k === opts.futureAt ? NOW + 3600_000 : NOW - 60_000 + (opts.repeat && i === series - 1 ? perSeries + j : j));
      v.push(k);
    }
    sampleEnd.push(t.length);
  }
  return decodeWriteRequestV1(encodeWriteRequestV1({ seriesCount: series, labels, sampleEnd, t, v }));
}

function run(batch: ReturnType<typeof request>) {
  return new RequestIngest('t', batch, new SeriesInterner(), 0, DEFAULT_TENANT_LIMITS, NOW, receiverMetrics(createSelfMetricsRegistry()));
}

describe('RequestIngest: validation and appends in resumable steps', () => {
  it('stops validating inside a series when the slice is used up and resumes at the same sample', () => {
    // One series of 1,000 samples, one of them too far in the future: a slice of 100 questions stops mid-series.
    const r = run(request(1, 1000, { futureAt: 555 }));
    const clock = everyNth(100);
    let steps = 0;
    while (!r.finished) {
      r.validateSome(clock);
      steps++;
    }
    expect(steps).toBeGreaterThan(9);
    expect(r.validSamples).toBe(999);
    expect(r.firstError).toContain('too far in the future');
  });

  it('appends every valid sample across slices, and does not stop between series when one repeats', () => {
    for (const repeat of [false, true]) {
      const r = run(request(40, 5, { repeat }));
      while (!r.finished) r.validateSome(everyNth(1000));
      expect(r.repeats).toBe(repeat);
      r.restart();
      const store = new MemoryStorage();
      const app = store.appender();
      const clock = everyNth(3);
      let steps = 0;
      while (!r.finished) {
        r.appendSome(app, store, new SeriesTracker(), clock);
        steps++;
      }
      expect(r.written).toBe(200);
      if (repeat) expect(steps).toBe(1);
      else expect(steps).toBeGreaterThan(10);
    }
  });
});
