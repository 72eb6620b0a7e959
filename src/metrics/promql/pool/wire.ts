import { FloatHistogram, labelsFromWire, labelsToWire, matchersFromWire, matchersToWire, type Labels, type SampleBatch, type WireLabels, type WireMatcher } from '../../../model/index.js';
import type { SelectHints, Series, XorChunk } from '../../storage-api/index.js';
import { decodeXorChunk } from '../../tsdb/xor-chunk.js';
import { SampleSlab } from '../../tsdb/sample-slab.js';
import type { LabelSetDefs, LabelSetIds, WorkerLabelSets } from './label-sets.js';
import { lowerBound, upperBound } from '../math.js';
import { PromqlError, type PromqlErrorType, type QueryResult, type QueryValue, type RangeSeries } from '../types.js';

/**
 * What crosses the thread boundary between the query pool (main thread: storage) and its workers (evaluation).
 * Structured clone keeps plain data only, so classes travel as their fields: labels and matchers as src/model/wire
 * has them, histograms as their own properties. A select's samples travel as transferred buffers (no copy): the
 * XOR chunk bytes, decoded in the worker, and decoded columns only for series that need them (`WireSelection`).
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

/**
 * The series a select returned, with their samples in [start, end]. Labels as ids of the label sets the worker
 * holds (`label-sets.ts`). Samples either as XOR chunk bytes, decoded by the worker (a float sample is ~1–2 bytes
 * there against 16 decoded), or, for a series whose chunks cannot simply be decoded one after the other
 * (histograms, out-of-order data, tombstones), decoded here into t/v columns.
 */
export interface WireSelection {
  /** The series' label sets, on the main thread until the answer is posted (then `labelIds`, `labelDefs`). */
  labelSets?: readonly Labels[];
  /** Series i's labels are the worker's label set labelIds[i]. */
  labelIds?: Int32Array;
  /** Label sets new to the worker, learned before the ids are read. */
  labelDefs?: LabelSetDefs;
  /** Series i's decoded samples are t/v[offsets[i], offsets[i+1]) (none when its samples travel as chunks). */
  offsets: Int32Array;
  t: Float64Array;
  v: Float64Array;
  /** Histogram samples by absolute index into t/v (absent when the selection has none). */
  h?: [number, WireHistogram][];
  /** Series i's chunks are [chunkOffsets[i], chunkOffsets[i+1]); chunk j is chunkBytes[chunkStart[j], chunkStart[j+1]). */
  chunkOffsets: Int32Array;
  chunkStart: Int32Array;
  /** Samples to decode from chunk j. */
  chunkSamples: Int32Array;
  chunkBytes: Uint8Array;
}

/** The sample buffers of a selection, to transfer instead of copy. */
export function selectionTransferList(w: WireSelection): ArrayBuffer[] {
  return [w.offsets, w.t, w.v, w.chunkOffsets, w.chunkStart, w.chunkSamples, w.chunkBytes].map((a) => a.buffer as ArrayBuffer);
}

/** Right before a selection is posted to `ids`' worker: its label sets as ids, with those new to the worker; the buffers to transfer. */
export function encodeSelectionLabels(w: WireSelection, ids: LabelSetIds): ArrayBuffer[] {
  const { ids: labelIds, defs } = ids.encode(w.labelSets ?? []);
  delete w.labelSets;
  w.labelIds = labelIds;
  w.labelDefs = defs;
  return (defs ? [labelIds, defs.offsets, defs.refs] : [labelIds]).map((a) => a.buffer as ArrayBuffer);
}

/** Read every selected series' chunks (or samples) in [start, end] into one selection (`pause` is awaited between series). */
export async function selectionToWire(series: readonly Series[], start: number, end: number, pause: (i: number) => Promise<void>): Promise<WireSelection> {
  const batches: (SampleBatch | undefined)[] = new Array(series.length);
  const chunkLists: (readonly XorChunk[] | undefined)[] = new Array(series.length);
  let total = 0;
  let chunks = 0;
  let bytes = 0;
  for (let i = 0; i < series.length; i++) {
    await pause(i);
    const s = series[i];
    const cs = s.xorChunks?.(start, end);
    if (cs) {
      chunkLists[i] = cs;
      chunks += cs.length;
      for (const c of cs) bytes += c.data.length;
      continue;
    }
    const b = s.samples(start, end);
    batches[i] = b;
    total += b.length;
  }
  const offsets = new Int32Array(series.length + 1);
  const t = new Float64Array(total);
  const v = new Float64Array(total);
  const chunkOffsets = new Int32Array(series.length + 1);
  const chunkStart = new Int32Array(chunks + 1);
  const chunkSamples = new Int32Array(chunks);
  const chunkBytes = new Uint8Array(bytes);
  let h: [number, WireHistogram][] | undefined;
  let k = 0;
  let c = 0;
  let at = 0;
  for (let i = 0; i < series.length; i++) {
    offsets[i] = k;
    chunkOffsets[i] = c;
    const cs = chunkLists[i];
    if (cs) {
      for (const x of cs) {
        chunkStart[c] = at;
        chunkSamples[c++] = x.n;
        chunkBytes.set(x.data, at);
        at += x.data.length;
      }
      continue;
    }
    const b = batches[i]!;
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
  offsets[series.length] = k;
  chunkOffsets[series.length] = c;
  chunkStart[c] = at;
  return { labelSets: series.map((x) => x.labels), offsets, t, v, h, chunkOffsets, chunkStart, chunkSamples, chunkBytes };
}

/** A series answers for the range it was selected with (the samples outside were never fetched). */
function withinSelection(mint: number, maxt: number, hints: SelectHints): void {
  if (mint < hints.start || maxt > hints.end) {
    throw new PromqlError('internal', `samples [${mint}, ${maxt}] asked outside the selected range [${hints.start}, ${hints.end}]`);
  }
}

/** A selected series' samples: t/v[lo, hi) are its samples in [hints.start, hints.end]. */
function selectedSeries(labels: Labels, t: Float64Array, v: Float64Array, h: (FloatHistogram | undefined)[] | undefined, hints: SelectHints): Series {
  return {
    labels,
    samples(mint: number, maxt: number): SampleBatch {
      withinSelection(mint, maxt, hints);
      if (mint === hints.start && maxt === hints.end) return { t, v, length: t.length, h };
      const a = lowerBound(t, mint);
      const b = upperBound(t, maxt);
      return { t: t.subarray(a, b), v: v.subarray(a, b), length: b - a, h: h?.slice(a, b) };
    },
  };
}

/** The worker's decoded samples: slabs shared by the series of every query (a series keeps only the slab it was cut from). */
const slab = new SampleSlab();

/**
 * A series whose samples crossed as XOR chunks: decoded when read, into the shared slab. An instant selector reads
 * one sample per series and keeps none, so a query over 100k series never holds them all decoded at once.
 */
function chunkSeries(labels: Labels, w: WireSelection, c0: number, c1: number, hints: SelectHints): Series {
  return {
    labels,
    samples(mint: number, maxt: number): SampleBatch {
      withinSelection(mint, maxt, hints);
      let n = 0;
      for (let j = c0; j < c1; j++) n += w.chunkSamples[j];
      const base = slab.reserve(n);
      const t = slab.t;
      const v = slab.v;
      let at = base;
      for (let j = c0; j < c1; j++) at += decodeXorChunk(w.chunkBytes.subarray(w.chunkStart[j], w.chunkStart[j + 1]), t, v, at, w.chunkSamples[j]);
      const decoded = t.subarray(base, at);
      const lo = base + lowerBound(decoded, mint);
      const hi = base + upperBound(decoded, maxt);
      return { t: t.subarray(lo, hi), v: v.subarray(lo, hi), length: hi - lo };
    },
  };
}

/**
 * The selection as `Series` again, in the worker (its label sets already learned); chunks are decoded when a series
 * is read (`chunkSeries`). A series answers for the range it was selected with: asking for a wider one is a
 * programming error (the samples outside were never fetched), a narrower one is cut from the fetched.
 */
export function selectionFromWire(w: WireSelection, hints: SelectHints, labelSets: WorkerLabelSets): Series[] {
  const hs = w.h ? new Map(w.h.map(([i, h]) => [i, histogramFromWire(h)])) : undefined;
  const ids = w.labelIds!;
  const out: Series[] = new Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const labels = labelSets.get(ids[i]);
    const c0 = w.chunkOffsets[i];
    const c1 = w.chunkOffsets[i + 1];
    if (c1 > c0) {
      out[i] = chunkSeries(labels, w, c0, c1, hints);
      continue;
    }
    const lo = w.offsets[i];
    const hi = w.offsets[i + 1];
    let h: (FloatHistogram | undefined)[] | undefined;
    if (hs) {
      for (let j = lo; j < hi; j++) {
        const x = hs.get(j);
        if (x) (h ??= new Array<FloatHistogram | undefined>(hi - lo).fill(undefined))[j - lo] = x;
      }
    }
    out[i] = selectedSeries(labels, w.t.subarray(lo, hi), w.v.subarray(lo, hi), h, hints);
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
