import { FloatHistogram, labelsFromWire, labelsToWire, matchersFromWire, matchersToWire, type SampleBatch, type WireLabels, type WireMatcher } from '../../../model/index.js';
import type { SelectHints, Series } from '../../storage-api/index.js';
import { PromqlError, type PromqlErrorType, type QueryResult, type QueryValue, type RangeSeries } from '../types.js';

/**
 * What crosses the thread boundary between the query pool (main thread: storage) and its workers (evaluation).
 * Structured clone keeps plain data only, so classes travel as their fields: labels and matchers as src/model/wire
 * has them, histograms as their own properties. Sample columns travel as one transferred
 * Float64Array per select (no copy).
 */

export { labelsFromWire, labelsToWire, matchersFromWire, matchersToWire, type WireLabels, type WireMatcher };

/** A histogram's own fields (what structured clone keeps of a `FloatHistogram`). */
export type WireHistogram = Record<string, unknown>;

export function histogramFromWire(w: WireHistogram): FloatHistogram {
  return Object.assign(new FloatHistogram(), w);
}

function histogramsFromWire(hs: readonly (WireHistogram | null)[] | undefined): (FloatHistogram | undefined)[] | undefined {
  return hs?.map((h) => (h ? histogramFromWire(h) : undefined));
}

function histogramsToWire(hs: readonly (FloatHistogram | undefined)[] | undefined): (WireHistogram | null)[] | undefined {
  return hs?.map((h) => (h ? { ...h } : null));
}

/** The series a select returned, with their samples in [start, end]: columns of all series back to back. */
export interface WireSelection {
  labels: WireLabels[];
  /** Series i's samples are t/v[offsets[i], offsets[i+1]). */
  offsets: Int32Array;
  t: Float64Array;
  v: Float64Array;
  /** Histogram samples by absolute index into t/v (absent when the selection has none). */
  h?: [number, WireHistogram][];
}

/** Read every selected series' samples in [start, end] into one selection (`pause` is awaited between series). */
export async function selectionToWire(series: readonly Series[], start: number, end: number, pause: (i: number) => Promise<void>): Promise<WireSelection> {
  const batches: SampleBatch[] = [];
  let total = 0;
  for (let i = 0; i < series.length; i++) {
    await pause(i);
    const b = series[i].samples(start, end);
    batches.push(b);
    total += b.length;
  }
  const offsets = new Int32Array(series.length + 1);
  const t = new Float64Array(total);
  const v = new Float64Array(total);
  let h: [number, WireHistogram][] | undefined;
  let k = 0;
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i];
    offsets[i] = k;
    t.set(b.t.subarray(0, b.length), k);
    v.set(b.v.subarray(0, b.length), k);
    if (b.h) {
      for (let j = 0; j < b.length; j++) {
        const hj = b.h[j];
        if (hj) (h ??= []).push([k + j, { ...hj }]);
      }
    }
    k += b.length;
  }
  offsets[batches.length] = k;
  return { labels: series.map((s) => labelsToWire(s.labels)), offsets, t, v, h };
}

/**
 * The selection as `Series` again, in the worker. A series answers for the range it was selected with: asking for a
 * wider one is a programming error (the samples outside were never fetched), a narrower one is cut from the fetched.
 */
export function selectionFromWire(w: WireSelection, hints: SelectHints): Series[] {
  const hs = w.h ? new Map(w.h.map(([i, h]) => [i, histogramFromWire(h)])) : undefined;
  const out: Series[] = [];
  for (let i = 0; i < w.labels.length; i++) {
    const lo = w.offsets[i];
    const hi = w.offsets[i + 1];
    const t = w.t.subarray(lo, hi);
    const v = w.v.subarray(lo, hi);
    let h: (FloatHistogram | undefined)[] | undefined;
    if (hs) {
      for (let j = lo; j < hi; j++) {
        const x = hs.get(j);
        if (x) (h ??= new Array<FloatHistogram | undefined>(hi - lo).fill(undefined))[j - lo] = x;
      }
    }
    out.push({
      labels: labelsFromWire(w.labels[i]),
      samples(mint: number, maxt: number): SampleBatch {
        if (mint < hints.start || maxt > hints.end) {
          throw new PromqlError('internal', `samples [${mint}, ${maxt}] asked outside the selected range [${hints.start}, ${hints.end}]`);
        }
        if (mint === hints.start && maxt === hints.end) return { t, v, length: t.length, h };
        let a = 0;
        while (a < t.length && t[a] < mint) a++;
        let b = a;
        while (b < t.length && t[b] <= maxt) b++;
        return { t: t.subarray(a, b), v: v.subarray(a, b), length: b - a, h: h?.slice(a, b) };
      },
    });
  }
  return out;
}

type WireRangeSeries = { labels: WireLabels; t: Float64Array | number[]; v: Float64Array | number[]; h?: (WireHistogram | null)[] };

export type WireValue =
  | { type: 'vector'; samples: { labels: WireLabels; t: number; v: number; h?: WireHistogram }[] }
  | { type: 'matrix'; series: WireRangeSeries[] }
  | { type: 'scalar'; t: number; v: number }
  | { type: 'string'; t: number; v: string };

export type WireResult = Omit<QueryResult, 'value'> & { value: WireValue };

export function resultToWire(r: QueryResult): WireResult {
  const value = r.value;
  let w: WireValue;
  switch (value.type) {
    case 'vector':
      w = { type: 'vector', samples: value.samples.map((s) => (s.h ? { labels: s.labels.flat, t: s.t, v: s.v, h: { ...s.h } } : { labels: s.labels.flat, t: s.t, v: s.v })) };
      break;
    case 'matrix':
      w = {
        type: 'matrix',
        series: value.series.map((s) => {
          const ws: WireRangeSeries = { labels: s.labels.flat, t: s.t, v: s.v };
          if (s.h) ws.h = histogramsToWire(s.h);
          return ws;
        }),
      };
      break;
    default:
      w = value;
  }
  return { ...r, value: w };
}

export function resultFromWire(r: WireResult): QueryResult {
  const w = r.value;
  let value: QueryValue;
  switch (w.type) {
    case 'vector':
      value = { type: 'vector', samples: w.samples.map((s) => (s.h ? { labels: labelsFromWire(s.labels), t: s.t, v: s.v, h: histogramFromWire(s.h) } : { labels: labelsFromWire(s.labels), t: s.t, v: s.v })) };
      break;
    case 'matrix':
      value = {
        type: 'matrix',
        series: w.series.map((s) => {
          const rs: RangeSeries = { labels: labelsFromWire(s.labels), t: s.t, v: s.v };
          const h = histogramsFromWire(s.h);
          if (h) rs.h = h;
          return rs;
        }),
      };
      break;
    default:
      value = w;
  }
  return { ...r, value };
}

/** The typed-array buffers of a result, to transfer instead of copy. */
export function resultTransferList(r: WireResult): ArrayBuffer[] {
  if (r.value.type !== 'matrix') return [];
  const out = new Set<ArrayBuffer>();
  for (const s of r.value.series) {
    if (s.t instanceof Float64Array && s.t.buffer instanceof ArrayBuffer) out.add(s.t.buffer);
    if (s.v instanceof Float64Array && s.v.buffer instanceof ArrayBuffer) out.add(s.v.buffer);
  }
  return [...out];
}

export interface WireError {
  errType: PromqlErrorType | null;
  message: string;
  position?: { start: number; end: number };
}

export function errorToWire(e: unknown): WireError {
  if (e instanceof PromqlError) return { errType: e.type, message: e.message, position: e.position };
  return { errType: null, message: e instanceof Error ? e.message : String(e) };
}

export function errorFromWire(w: WireError): Error {
  return w.errType ? new PromqlError(w.errType, w.message, w.position) : new Error(w.message);
}
