import { DEFAULT_INGEST_SLICE_MS, QUERY_LANE, TimeSlicer } from '../time-slice.js';
import type { TaskContext } from './serve-tasks.js';
import type { TaskHost } from './worker-pool.js';

/**
 * A task's reads as cursors: the worker opens one over what the main thread reads for it (`open` says what), reads
 * it a page per call, and closes it when it stops early. Pages carry the language's wire items in order.
 */
export type CursorCall<Open> = ({ op: 'open' } & Open) | { op: 'next'; cursor: number } | { op: 'close'; cursor: number };

export interface CursorPage<W> {
  cursor: number;
  items: W[];
  done: boolean;
}

export interface PagedCursorOptions<Open, Item, W> {
  /** The items an `open` call reads, in order. */
  open(m: Open): AsyncIterable<Item>;
  /** An item of cursor `cursor` as a message (its buffers added to `transfer`) and the bytes it counts for the page. */
  toWire(item: Item, transfer: ArrayBuffer[], cursor: number): { wire: W; bytes: number };
  /** A page holds at least one item and stops after `pageBytes` bytes or `pageItems` items. */
  pageBytes: number;
  pageItems: number;
  /**
   * Items of a cursor's first page (default `pageItems`); each next page may hold twice as many, up to `pageItems`:
   * a task that stops early (a search's limit) has little read for it in vain.
   */
  firstPageItems?: number;
}

/**
 * The main thread's side of one task's cursors. Reading and converting an item stays here, in slices of the query
 * lane; the task's `check` is called after each read so a canceled task stops reading.
 */
export function pagedCursorHost<Open, Item, W>(o: PagedCursorOptions<Open, Item, W>): TaskHost<CursorCall<Open>, CursorPage<W>> {
  const cursors = new Map<number, { it: AsyncIterator<Item>; pageItems: number }>();
  let nextCursor = 1;
  return {
    async serve(m, check) {
      let cursor: number;
      if (m.op === 'open') {
        cursor = nextCursor++;
        cursors.set(cursor, { it: o.open(m)[Symbol.asyncIterator](), pageItems: o.firstPageItems ?? o.pageItems });
      } else cursor = m.cursor;
      const c = cursors.get(cursor);
      const it = c?.it;
      if (m.op === 'close' || !c || !it) {
        cursors.delete(cursor);
        await it?.return?.();
        return { body: { cursor, items: [], done: true } };
      }
      const items: W[] = [];
      const transfer: ArrayBuffer[] = [];
      const slicer = new TimeSlicer(DEFAULT_INGEST_SLICE_MS, 1, QUERY_LANE);
      let bytes = 0;
      const pageItems = c.pageItems;
      c.pageItems = Math.min(o.pageItems, pageItems * 2);
      for (;;) {
        if (slicer.due()) {
          await slicer.yieldNow();
          check();
        }
        const r = await it.next();
        check();
        if (r.done) {
          cursors.delete(cursor);
          return { body: { cursor, items, done: true }, transfer };
        }
        const w = o.toWire(r.value, transfer, cursor);
        items.push(w.wire);
        bytes += w.bytes;
        if (bytes >= o.pageBytes || items.length >= pageItems) return { body: { cursor, items, done: false }, transfer };
      }
    },
    release() {
      for (const { it } of cursors.values()) void it.return?.()?.catch(() => {});
      cursors.clear();
    },
  };
}

/** Work a worker does between turns of its event loop (ms). */
const SLICE_MS = 10;
let sliceStart = performance.now();

/**
 * A worker's step between pieces of a task's work: once `SLICE_MS` of work went by, its event loop gets a turn (a
 * cancel message gets in, other tasks run); then `abortError(reason)` is thrown if the task is canceled.
 */
export async function workerTurn(signal: AbortSignal, abortError: (reason: unknown) => Error): Promise<void> {
  if (performance.now() - sliceStart > SLICE_MS) {
    await new Promise((res) => setImmediate(res));
    sliceStart = performance.now();
  }
  if (signal.aborted) throw abortError(signal.reason);
}

/**
 * The worker's side of a cursor: its items in order, the next page asked for while this one is used. Every slice
 * it gives the worker's event loop a turn (a cancel is seen, other tasks run); once the task is canceled it throws
 * `abortError(reason)`. Stopped early, it closes the cursor.
 */
export async function* readCursor<Open, W>(ctx: TaskContext<CursorCall<Open>, CursorPage<W>>, open: Open, abortError: (reason: unknown) => Error): AsyncGenerator<W> {
  let page = await ctx.call({ op: 'open', ...open });
  let done = page.done;
  try {
    for (;;) {
      const next = done ? undefined : ctx.call({ op: 'next', cursor: page.cursor });
      next?.catch(() => {});
      for (const w of page.items) {
        await workerTurn(ctx.signal, abortError);
        yield w;
      }
      if (!next) return;
      page = await next;
      done = page.done;
    }
  } finally {
    // The task stopped early (its limit was reached): the main thread stops reading.
    if (!done && !ctx.signal.aborted) ctx.call({ op: 'close', cursor: page.cursor }).catch(() => {});
  }
}
