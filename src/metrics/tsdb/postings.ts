import type { TimeSlicer } from '../../lib/time-slice.js';
import type { Matcher } from '../../model/index.js';

/**
 * Postings: sorted lists of series ids (head series refs, or a block's series numbers) as Uint32Arrays, and the
 * set operations that select series by label matchers, as Prometheus's `index.Postings` / `PostingsForMatchers`.
 */

export const EMPTY_POSTINGS = new Uint32Array(0);

/**
 * A growable sorted postings list (ids are appended in increasing order). A list of one id keeps it in a field and
 * has no array: most label values of a high-cardinality label (an instance, a series id) belong to one series, and
 * a typed array per value cost ~150 bytes more per series.
 */
export class PostingsList {
  private ids: Uint32Array | null = null;
  /** The only id while `ids` is null and `n` is 1. */
  private one = 0;
  n = 0;

  add(id: number): void {
    let ids = this.ids;
    if (ids === null) {
      if (this.n === 0) {
        this.one = id;
        this.n = 1;
        return;
      }
      if (this.one === id) return;
      ids = this.ids = new Uint32Array(4);
      ids[0] = this.one;
    }
    if (this.n > 0 && ids[this.n - 1] >= id) {
      this.insertSorted(ids, id);
      return;
    }
    if (this.n === ids.length) ids = this.grow(ids);
    ids[this.n++] = id;
  }

  private insertSorted(ids: Uint32Array, id: number): void {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    if (ids[lo] === id) return;
    // Into a new array (as `removeWhere`), so that views taken before (a paused sliced read) stay as they were.
    const next = new Uint32Array(this.n === ids.length ? ids.length * 2 : ids.length);
    next.set(ids.subarray(0, lo));
    next[lo] = id;
    next.set(ids.subarray(lo, this.n), lo + 1);
    this.ids = next;
    this.n++;
  }

  private grow(ids: Uint32Array): Uint32Array {
    const next = new Uint32Array(ids.length * 2);
    next.set(ids);
    return (this.ids = next);
  }

  /** Remove every id for which `dead` is true; replaces the array so earlier views stay intact. */
  removeWhere(dead: (id: number) => boolean): void {
    const ids = this.ids;
    if (ids === null) {
      if (this.n === 1 && dead(this.one)) this.n = 0;
      return;
    }
    const next = new Uint32Array(Math.max(2, this.n));
    let m = 0;
    for (let i = 0; i < this.n; i++) if (!dead(ids[i])) next[m++] = ids[i];
    this.ids = next;
    this.n = m;
  }

  /** A view of the current contents (stable: the array is replaced, never rewritten below `n`). */
  view(): Uint32Array {
    if (this.ids === null) return this.n === 0 ? EMPTY_POSTINGS : Uint32Array.of(this.one);
    return this.ids.subarray(0, this.n);
  }
}

export function intersect(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(Math.min(a.length, b.length));
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x === y) {
      out[k++] = x;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out.subarray(0, k);
}

/** a minus b */
export function subtract(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (b.length === 0) return a;
  const out = new Uint32Array(a.length);
  let j = 0;
  let k = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    while (j < b.length && b[j] < x) j++;
    if (j < b.length && b[j] === x) continue;
    out[k++] = x;
  }
  return out.subarray(0, k);
}

/** Union of sorted lists (duplicates removed). */
export function union(lists: Uint32Array[]): Uint32Array {
  if (lists.length === 0) return EMPTY_POSTINGS;
  if (lists.length === 1) return lists[0];
  let total = 0;
  for (const l of lists) total += l.length;
  const out = new Uint32Array(total);
  let off = 0;
  for (const l of lists) {
    out.set(l, off);
    off += l.length;
  }
  out.sort();
  let k = 0;
  for (let i = 0; i < out.length; i++) if (k === 0 || out[k - 1] !== out[i]) out[k++] = out[i];
  return out.subarray(0, k);
}

/** What matcher selection needs from an index (the head's or a block's). */
export interface PostingsIndex {
  /** Sorted values of a label name ([] when the name is unknown). */
  labelValuesFor(name: string): readonly string[];
  postings(name: string, value: string): Uint32Array;
  allPostings(): Uint32Array;
}

/**
 * Series ids matching all matchers, as Prometheus's `PostingsForMatchers`: a matcher that does not match the empty
 * string selects the union of the postings of the values it matches (an `=` matcher reads one list); a matcher that
 * matches the empty string also selects series without the label, so it is applied by subtracting the series whose
 * value it does not match. When every matcher matches the empty string, selection starts from all series.
 */
export function postingsForMatchers(ix: PostingsIndex, matchers: readonly Matcher[]): Uint32Array {
  const work = postingsWork(ix, matchers);
  let step = work.next();
  while (!step.done) step = work.next();
  return step.value;
}

/**
 * `postingsForMatchers` taking turns with other requests: a regex over a label of 100k values is a few hundred
 * milliseconds of matching. Views of postings lists stay valid across a yield (lists are replaced, never rewritten).
 */
export async function postingsForMatchersSliced(ix: PostingsIndex, matchers: readonly Matcher[], slicer: TimeSlicer): Promise<Uint32Array> {
  const work = postingsWork(ix, matchers);
  let step = work.next();
  while (!step.done) {
    if (slicer.due()) await slicer.yieldNow();
    step = work.next();
  }
  return step.value;
}

/** The selection, pausing (a bare `yield`) after every label value a regex or negative matcher looks at. */
function* postingsWork(ix: PostingsIndex, matchers: readonly Matcher[]): Generator<void, Uint32Array, void> {
  const positives: Uint32Array[] = [];
  const negatives: Uint32Array[] = [];
  for (const m of matchers) {
    if (m.matchesEmpty()) {
      // Subtract series that have the label with a value the matcher rejects.
      if (m.type === '=' || m.type === '!~' || m.type === '=~' || m.type === '!=') {
        if (m.type === '!=' && m.value !== '') {
          negatives.push(ix.postings(m.name, m.value));
          continue;
        }
        const rejected: Uint32Array[] = [];
        for (const v of ix.labelValuesFor(m.name)) {
          if (!m.matches(v)) rejected.push(ix.postings(m.name, v));
          yield;
        }
        if (rejected.length > 0) negatives.push(union(rejected));
      }
    } else if (m.type === '=') {
      positives.push(ix.postings(m.name, m.value));
    } else {
      const accepted: Uint32Array[] = [];
      for (const v of ix.labelValuesFor(m.name)) {
        if (m.matches(v)) accepted.push(ix.postings(m.name, v));
        yield;
      }
      positives.push(union(accepted));
    }
  }
  let result: Uint32Array;
  if (positives.length === 0) result = ix.allPostings();
  else {
    positives.sort((a, b) => a.length - b.length);
    result = positives[0];
    for (let i = 1; i < positives.length && result.length > 0; i++) result = intersect(result, positives[i]);
  }
  for (const n of negatives) {
    if (result.length === 0) break;
    result = subtract(result, n);
  }
  return result;
}
