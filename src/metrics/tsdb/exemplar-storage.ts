import type { Exemplar, Labels } from '../../model/index.js';
import { AppendError } from '../storage-api/interface.js';

/** Prometheus's limit on an exemplar's label set: 128 UTF-8 runes of names and values together. */
export const EXEMPLAR_MAX_LABEL_RUNES = 128;

/** The columns' first allocation; they double from there up to the capacity. */
const FIRST_COLUMNS = 1024;

/**
 * A bounded circular buffer of exemplars for all series (Prometheus's `CircularExemplarStorage`): the newest
 * `capacity` exemplars are kept, columnar apart from each exemplar's own labels. The columns grow with the exemplars
 * stored, up to `capacity`: a TSDB that gets none (most remote-write senders and scrape targets send none) holds no
 * labels array of the default 100,000 slots (800 kB of heap per TSDB, every Mimir tenant's included; the typed
 * columns' 2 MB were zero pages, resident only once written). Until the ring is full it has not wrapped (`next` =
 * `size`), so growing is a copy.
 */
export class ExemplarStorage {
  private refs = new Uint32Array(0);
  private ts = new Float64Array(0);
  private values = new Float64Array(0);
  private readonly labels: (Labels | undefined)[] = [];
  private next = 0;
  size = 0;
  appended = 0;
  /** Index of the newest exemplar per series ref. */
  private readonly newest = new Map<number, number>();

  constructor(readonly capacity = 100_000) {}

  /** The length of the columns (for tests): grows with the exemplars stored, never past `capacity`. */
  get allocated(): number {
    return this.refs.length;
  }

  private grow(): void {
    const n = Math.min(this.capacity, Math.max(FIRST_COLUMNS, this.refs.length * 2));
    const refs = new Uint32Array(n);
    const ts = new Float64Array(n);
    const values = new Float64Array(n);
    refs.set(this.refs);
    ts.set(this.ts);
    values.set(this.values);
    this.refs = refs;
    this.ts = ts;
    this.values = values;
  }

  /** Throws AppendError for an exemplar Prometheus refuses; returns false for a duplicate (silently ignored). */
  validate(ref: number, e: Exemplar): boolean {
    let runes = 0;
    e.labels.forEach((n, v) => (runes += [...n].length + [...v].length));
    if (runes > EXEMPLAR_MAX_LABEL_RUNES) throw new AppendError('invalid_labels', 'exemplar label set is too long');
    const i = this.newest.get(ref);
    if (i === undefined || this.capacity === 0) return true;
    const lastT = this.ts[i];
    if (e.ts === lastT || (Number.isNaN(e.ts) && Number.isNaN(lastT))) {
      if (this.values[i] === e.value && this.labels[i]?.equals(e.labels)) return false;
    }
    if (e.ts < lastT) throw new AppendError('out_of_order', 'out of order exemplar');
    return true;
  }

  add(ref: number, labels: Labels, value: number, ts: number): void {
    if (this.capacity === 0) return;
    const i = this.next;
    if (i === this.refs.length) this.grow();
    if (this.size === this.capacity) {
      const old = this.refs[i];
      if (this.newest.get(old) === i) this.newest.delete(old);
    } else this.size++;
    this.refs[i] = ref;
    this.ts[i] = ts;
    this.values[i] = value;
    this.labels[i] = labels;
    this.newest.set(ref, i);
    this.next = (i + 1) % this.capacity;
    this.appended++;
  }

  /** Every stored exemplar, oldest first. */
  *entries(): IterableIterator<{ ref: number; labels: Labels; value: number; ts: number }> {
    const first = this.size === this.capacity ? this.next : 0;
    for (let k = 0; k < this.size; k++) {
      const i = (first + k) % this.capacity;
      yield { ref: this.refs[i], labels: this.labels[i]!, value: this.values[i], ts: this.ts[i] };
    }
  }

  /** Exemplars of the given refs with start <= ts <= end, grouped by ref, oldest first. */
  select(refs: Set<number>, start: number, end: number): Map<number, Exemplar[]> {
    const out = new Map<number, Exemplar[]>();
    const first = this.size === this.capacity ? this.next : 0;
    for (let k = 0; k < this.size; k++) {
      const i = (first + k) % this.capacity;
      const ref = this.refs[i];
      if (!refs.has(ref)) continue;
      const t = this.ts[i];
      if (t < start || t > end) continue;
      let list = out.get(ref);
      if (!list) out.set(ref, (list = []));
      list.push({ labels: this.labels[i]!, value: this.values[i], ts: t });
    }
    return out;
  }
}
