import type { Labels, MetricMetadata } from '../../model/index.js';

/** A metric family's metadata as the target last described it; `version` counts its changes. */
export interface Family {
  meta: MetricMetadata;
  version: number;
}

/**
 * Prometheus's scrape cache of one target: the series it has seen, keyed by their raw text in the exposition, as
 * slots of parallel columns (storage ref, final labels, the iteration last seen, metric family and the family version
 * last sent to storage). A million series over 1,000 targets were a million small objects in the old generation,
 * each walked by every full mark-compact; as columns they are a few arrays per target.
 */
export class ScrapeCache {
  private readonly slots = new Map<string, number>();
  /** Storage ref per slot (0 until appended). */
  refs = new Float64Array(64);
  /** Iteration in which the slot's series was last seen. */
  seen = new Int32Array(64);
  /** Version of `family[slot]` last sent as metadata (-1: none). */
  familyVersion = new Int32Array(64);
  /** Final labels; null when metric relabeling dropped the series. */
  readonly labels: (Labels | null)[] = [];
  readonly family: (Family | undefined)[] = [];
  private readonly free: number[] = [];
  private used = 0;

  get size(): number {
    return this.slots.size;
  }

  /** The slot of `key`, or -1. */
  get(key: string): number {
    const s = this.slots.get(key);
    return s === undefined ? -1 : s;
  }

  /** A new slot for `key` (a string that does not keep a scrape body alive), ref 0, never seen. */
  add(key: string, labels: Labels | null, family: Family | undefined): number {
    let s = this.free.pop();
    if (s === undefined) {
      s = this.used++;
      if (s === this.refs.length) this.grow();
    }
    this.refs[s] = 0;
    this.seen[s] = 0;
    this.familyVersion[s] = -1;
    this.labels[s] = labels;
    this.family[s] = family;
    this.slots.set(key, s);
    return s;
  }

  /** Forget the series not seen in iteration `iter - 1` or later; their slots are reused. */
  sweep(iter: number): void {
    for (const [k, s] of this.slots) {
      if (this.seen[s] < iter - 1) {
        this.slots.delete(k);
        this.labels[s] = null;
        this.family[s] = undefined;
        this.free.push(s);
      }
    }
  }

  private grow(): void {
    const n = this.refs.length * 2;
    const refs = new Float64Array(n);
    refs.set(this.refs);
    this.refs = refs;
    const seen = new Int32Array(n);
    seen.set(this.seen);
    this.seen = seen;
    const fv = new Int32Array(n);
    fv.set(this.familyVersion);
    this.familyVersion = fv;
  }
}
