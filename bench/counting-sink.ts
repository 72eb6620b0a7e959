import type { Exemplar, FloatHistogram, Labels, MetricMetadata } from '../src/model/index.js';
import type { Appendable, Appender, SeriesRef } from '../src/metrics/storage-api/index.js';

/** Stand-in Appendable for the bench: resolves refs by labels on first sight (as a head does), counts samples. */
export class CountingSink implements Appendable {
  samples = 0;
  commits = 0;
  private readonly refs = new Map<string, number>();
  appender(): Appender {
    let pending = 0;
    const resolve = (ref: SeriesRef, labels: Labels): SeriesRef => {
      if (ref > 0) return ref;
      const k = labels.key();
      let r = this.refs.get(k);
      if (r === undefined) {
        r = this.refs.size + 1;
        this.refs.set(k, r);
      }
      return r;
    };
    return {
      append: (ref, labels, _t, _v) => {
        pending++;
        return resolve(ref, labels);
      },
      appendHistogram: (ref: SeriesRef, labels: Labels, _t: number, _h: FloatHistogram) => {
        pending++;
        return resolve(ref, labels);
      },
      appendExemplar: (ref: SeriesRef, labels: Labels, _e: Exemplar) => resolve(ref, labels),
      updateMetadata: (ref: SeriesRef, labels: Labels, _m: MetricMetadata) => resolve(ref, labels),
      commit: async () => {
        this.samples += pending;
        this.commits++;
        pending = 0;
      },
      rollback: () => {
        pending = 0;
      },
    };
  }
}
