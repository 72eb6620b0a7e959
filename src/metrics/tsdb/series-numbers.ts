import { PARKED_XOR_NUMBERS } from './xor-chunk.js';

/**
 * The per-series floating-point numbers of the head (times and values), in columns instead of object fields: a
 * double field of an object is a separate heap number in V8 (16 bytes, plus the field), six of them per series were
 * ~140 bytes of the head's per-series cost. Numbers live in pages of PAGE series × STRIDE doubles, indexed by series
 * ref; a page is allocated on first use (refs may be sparse after a WAL replay) and dropped when its last series is
 * released, so series churn does not keep pages of dead refs.
 */
/** The numbers of a series, in slot order (MemSeries's fields of these names read and write its slot). */
export const SERIES_NUMBER_FIELDS = ['nextAt', 'minT', 'maxT', 'lastV', 'pendT', 'pendV'] as const;
/** After them, the series' open float chunk's parked appender state (`PARKED_XOR_NUMBERS`, xor-chunk.ts). */
export const CHUNK_STATE_SLOT = SERIES_NUMBER_FIELDS.length;
const STRIDE = CHUNK_STATE_SLOT + PARKED_XOR_NUMBERS;

const PAGE_BITS = 12;
const PAGE = 1 << PAGE_BITS;

export class SeriesNumbers {
  private readonly pages: (Float64Array | undefined)[] = [];
  private readonly live: number[] = [];

  /** The page holding `ref`'s slot (at `slotOf(ref)`), allocated when absent; counts one more series in it. */
  claim(ref: number): Float64Array {
    const p = ref >>> PAGE_BITS;
    let page = this.pages[p];
    if (page === undefined) {
      page = this.pages[p] = new Float64Array(PAGE * STRIDE);
      this.live[p] = 0;
    }
    this.live[p]++;
    return page;
  }

  /** One series of `ref`'s page is gone; the page is dropped with its last (holders of it keep their copy). */
  release(ref: number): void {
    const p = ref >>> PAGE_BITS;
    if (this.pages[p] === undefined) return;
    if (--this.live[p] === 0) this.pages[p] = undefined;
  }
}

/** Where `ref`'s numbers start in its page. */
export function slotOf(ref: number): number {
  return (ref & (PAGE - 1)) * STRIDE;
}

/** What the accessors of `defineNumberFields` read: a page from `SeriesNumbers.claim` and the slot's start in it. */
export interface NumberSlot {
  readonly num: Float64Array;
  readonly at: number;
}

/** Accessors on `proto` for each of SERIES_NUMBER_FIELDS, reading and writing the object's slot. */
export function defineNumberFields(proto: NumberSlot): void {
  SERIES_NUMBER_FIELDS.forEach((name, k) => {
    Object.defineProperty(proto, name, {
      get(this: NumberSlot): number {
        return this.num[this.at + k];
      },
      set(this: NumberSlot, v: number) {
        this.num[this.at + k] = v;
      },
    });
  });
}
