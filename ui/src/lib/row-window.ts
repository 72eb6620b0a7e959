/**
 * Which rows of a long list of equal-height rows to draw (list windowing): those that intersect the visible band,
 * plus `overscan` on each side, and the heights of the spacers that stand for the rows not drawn. One row may carry
 * `extra` height below it (an open details panel).
 */
export interface RowWindow {
  /** First row drawn. */
  first: number;
  /** One past the last row drawn. */
  last: number;
  /** Height of the rows above `first` (px). */
  before: number;
  /** Height of the rows from `last` on (px). */
  after: number;
}

/**
 * `top` and `bottom` are the visible band in px from the list's top (either may be outside the list). Row i starts at
 * `i * rowHeight`, plus `extra.height` when it comes after `extra.index`.
 */
export function rowWindow(count: number, rowHeight: number, top: number, bottom: number, overscan: number, extra?: { index: number; height: number }): RowWindow {
  const h = Math.max(1, rowHeight);
  const ex = extra && extra.index >= 0 && extra.index < count ? extra : undefined;
  const offset = (i: number) => i * h + (ex && i > ex.index ? ex.height : 0);
  // the row at pixel y (below the extra block, pixels count one row fewer)
  const rowAt = (y: number) => {
    if (ex && y >= offset(ex.index + 1)) return Math.floor((y - ex.height) / h);
    if (ex && y >= offset(ex.index)) return ex.index;
    return Math.floor(y / h);
  };
  const clamp = (i: number) => Math.min(count, Math.max(0, i));
  const first = clamp(rowAt(top) - overscan);
  const last = Math.max(first, clamp(rowAt(bottom) + 1 + overscan));
  return { first, last, before: offset(first), after: offset(count) - offset(last) };
}
