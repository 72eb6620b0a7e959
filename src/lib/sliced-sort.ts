import type { TimeSlicer } from './time-slice.js';

/** Items sorted by the engine's own sort before the merge passes (each run is one short synchronous stretch). */
const RUN = 512;

/**
 * A stable sort that yields through `slicer` between steps, for arrays large enough that one `Array.sort` would
 * hold the event loop for hundreds of milliseconds (100k label sets). Runs of `RUN` items are sorted by
 * `Array.prototype.sort`, then merged bottom-up; the slicer is consulted after every run and every 1,024 merged items.
 * Returns a new sorted array; `items` is left as it was.
 */
export async function sortSliced<T>(items: readonly T[], cmp: (a: T, b: T) => number, slicer: TimeSlicer): Promise<T[]> {
  const n = items.length;
  let src: T[] = items.slice();
  if (n <= RUN) return src.sort(cmp);
  for (let lo = 0; lo < n; lo += RUN) {
    const run = src.slice(lo, Math.min(n, lo + RUN)).sort(cmp);
    for (let i = 0; i < run.length; i++) src[lo + i] = run[i];
    if (slicer.due()) await slicer.yieldNow();
  }
  let dst: T[] = new Array<T>(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        // `<= 0` takes the left run first on ties: stable.
        dst[k++] = cmp(src[i], src[j]) <= 0 ? src[i++] : src[j++];
        // The clock is read every 1,024 merged items, not every one (a clock read costs about a comparison).
        if ((k & 1023) === 0 && slicer.due()) await slicer.yieldNow();
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    [src, dst] = [dst, src];
  }
  return src;
}
