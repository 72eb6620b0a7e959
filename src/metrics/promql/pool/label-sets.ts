import { labelsFromWire, type Labels } from '../../../model/index.js';

/**
 * Label sets a query worker keeps between queries. A select's series cross to the worker as ids; a label set
 * crosses once per worker (the TSDB head's series keep one `Labels` object for their life, so the main thread knows
 * them by identity), not once per query — a query over 50k series made 50k label arrays and 400k strings in the
 * worker, every time. The main thread numbers the label sets in the order it posts answers to that worker
 * (`WorkerPoolSpec.encodeReply`), the worker learns them in the same order (`ServeTasksOptions.onReply`).
 */

/** Label sets new to the worker, ids `first`, `first + 1`, …: flat name/value pairs as references into `strings`. */
export interface LabelSetDefs {
  /** The worker forgets every label set it holds first (the main thread started numbering again). */
  reset: boolean;
  first: number;
  strings: string[];
  /** Set k's flat labels are strings[refs[j]] for j in [offsets[k], offsets[k + 1]). */
  offsets: Int32Array;
  refs: Int32Array;
}

/** At most this many label sets per worker; past it, the numbering starts again (series come and go). */
export const MAX_WORKER_LABEL_SETS = 1 << 18;

/**
 * How many label sets a worker with a heap limit of `heapMb` keeps: 1,024 per MiB (a set of a few labels takes
 * ~100–200 bytes, so at most ~15–20% of the heap), at most `MAX_WORKER_LABEL_SETS`.
 */
export function workerLabelSetLimit(heapMb: number | undefined): number {
  return heapMb === undefined ? MAX_WORKER_LABEL_SETS : Math.min(MAX_WORKER_LABEL_SETS, Math.max(1024, heapMb * 1024));
}

/** The main thread's side, one per worker: the ids of the label sets that worker holds. */
export class LabelSetIds {
  private ids = new WeakMap<Labels, number>();
  private next = 0;

  constructor(private readonly max = MAX_WORKER_LABEL_SETS) {}

  /** The ids of `sets`, and the definitions of those the worker does not hold yet. */
  encode(sets: readonly Labels[]): { ids: Int32Array; defs?: LabelSetDefs } {
    let fresh = 0;
    for (const l of sets) if (!this.ids.has(l)) fresh++;
    let reset = false;
    if (this.next + fresh > this.max) {
      this.ids = new WeakMap();
      this.next = 0;
      reset = true;
    }
    const first = this.next;
    const ids = new Int32Array(sets.length);
    const added: Labels[] = [];
    for (let i = 0; i < sets.length; i++) {
      const l = sets[i];
      let id = this.ids.get(l);
      if (id === undefined) {
        id = this.next++;
        this.ids.set(l, id);
        added.push(l);
      }
      ids[i] = id;
    }
    return added.length > 0 || reset ? { ids, defs: { reset, first, ...stringTable(added) } } : { ids };
  }
}

/** Label sets as references into one table of distinct strings (a value shared by many sets is sent once). */
function stringTable(sets: readonly Labels[]): Pick<LabelSetDefs, 'strings' | 'offsets' | 'refs'> {
  const offsets = new Int32Array(sets.length + 1);
  for (let i = 0; i < sets.length; i++) offsets[i + 1] = offsets[i] + sets[i].flat.length;
  const refs = new Int32Array(offsets[sets.length]);
  const index = new Map<string, number>();
  const strings: string[] = [];
  let k = 0;
  for (const l of sets) {
    for (const x of l.flat) {
      let id = index.get(x);
      if (id === undefined) {
        id = strings.length;
        index.set(x, id);
        strings.push(x);
      }
      refs[k++] = id;
    }
  }
  return { strings, offsets, refs };
}

/** The worker's side: the label sets it holds, by id. */
export class WorkerLabelSets {
  private sets: Labels[] = [];

  get size(): number {
    return this.sets.length;
  }

  /** Learn the label sets of `d` (in the order the main thread numbered them). */
  define(d: LabelSetDefs): void {
    if (d.reset) this.sets = [];
    if (d.first !== this.sets.length) throw new Error(`label sets out of step: ${d.first} defined after ${this.sets.length}`);
    for (let k = 0; k + 1 < d.offsets.length; k++) {
      const flat = new Array<string>(d.offsets[k + 1] - d.offsets[k]);
      for (let j = 0, r = d.offsets[k]; j < flat.length; j++, r++) flat[j] = d.strings[d.refs[r]];
      this.sets.push(labelsFromWire(flat));
    }
  }

  get(id: number): Labels {
    const l = this.sets[id];
    if (l === undefined) throw new Error(`unknown label set ${id} (${this.sets.length} held)`);
    return l;
  }
}
