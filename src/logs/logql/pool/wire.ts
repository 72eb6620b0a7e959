import { TemplateError } from '../../../lib/go-template/index.js';
import { errorCodec } from '../../../lib/worker-pool/index.js';
import { labelsFromWire, labelsToWire, type WireLabels } from '../../../model/index.js';
import type { BlockSlice } from '../../ingester/head-scan.js';
import type { DecodedSource } from '../../querier/index.js';
import { ChunkDecoder, ChunkFileReader, type DecodedChunk, type StoredChunkFile } from '../../storage/index.js';
import { LogqlEvalError, QueryCanceledError, QueryTimeoutError, SeriesLimitError, abortError } from '../errors.js';
import { LogqlParseError } from '../parser.js';
import type { DetectedField } from '../detected-fields.js';
import type { LogqlResult, QueryStats } from '../vector.js';

/**
 * What crosses the thread boundary between the LogQL pool (main thread: the log store) and its workers. A stored
 * chunk travels as it is stored (compressed: the worker decompresses and decodes it), or as its local file's path (a
 * filesystem store's chunk not in the stored-chunk cache: the worker reads it); a head block as a chunk's
 * decoded columns — line bytes back to back, their offsets and timestamps — in transferred buffers, not as an
 * object per line; results travel as columns too.
 */

/**
 * A chunk as its decoded columns (line bytes back to back, their offsets, timestamps as offsets in ns from `base`).
 * A head block's entries travel in the same form: the worker then scans them as it scans a chunk (bytes, and the
 * raw path of metric queries that need no line as a string).
 */
export type WireSource = { labels: WireLabels; minT: bigint; maxT: bigint; bytes: number } & (WireColumns | WireStored | WireFile);

/** A stored chunk as its local file (a filesystem store's), which the worker reads itself. */
export interface WireFile {
  file: StoredChunkFile;
}

/** A chunk as stored in the object store (`storage/chunk-codec.ts`), in a buffer of its own (transferred). */
export interface WireStored {
  stored: Uint8Array;
}

/** Decoded columns: a head block's entries, or a decoded chunk. */
export interface WireColumns {
  metadata?: (Array<[string, string]> | undefined)[];
  n: number;
  base: bigint;
  off: Float64Array;
  offsets: Uint32Array;
  data: Uint8Array;
}

/**
 * A source as a message, with its buffers added to `transfer`. A chunk's columns are copied first (a decoded chunk
 * may be the chunk cache's, and its bytes may share an allocation pool: a transfer would detach them). A head
 * block's lines, JS strings on this thread's heap, are written as UTF-8 into one buffer with their offsets, which is
 * transferred: one copy here instead of a structured clone of every string here and the strings made again there,
 * and the worker reads bytes as it does for chunks (bench/logql-pool.bench.ts: a `| logfmt` count over head lines went
 * from ~2x to about the in-thread CPU).
 */
export function sourceToWire(s: DecodedSource, transfer: ArrayBuffer[]): WireSource {
  const common = { labels: labelsToWire(s.labels), minT: s.minT, maxT: s.maxT, bytes: s.bytes };
  if (s.file) return { ...common, file: s.file };
  if (s.stored) {
    // A copy: the stored bytes may be the stored-chunk cache's (a transfer would detach them); ~1/13 of the lines.
    // In a buffer of its own, not zero-filled first (allocUnsafeSlow: never Node's shared pool, so it can be transferred).
    const stored = Buffer.allocUnsafeSlow(s.stored.length);
    s.stored.copy(stored);
    transfer.push(stored.buffer);
    return { ...common, stored };
  }
  const w = s.block ? blockColumns(s.block) : chunkCopy(s.chunk!);
  transfer.push(w.off.buffer as ArrayBuffer, w.offsets.buffer as ArrayBuffer, w.data.buffer as ArrayBuffer);
  return { ...common, ...w };
}

function chunkCopy(d: DecodedChunk) {
  return { n: d.n, base: d.base, off: d.off.slice(), offsets: d.offsets.slice(), data: new Uint8Array(d.data), metadata: d.metadata };
}

/**
 * A head block's entries (sorted) as a chunk's columns, in a buffer of its own (never Node's shared allocation pool,
 * so it can be transferred), each line written as UTF-8 straight into it: one copy, no joined string to collect.
 */
function blockColumns(b: BlockSlice) {
  const n = b.lines.length;
  const base = n > 0 ? b.ts[0] : 0n;
  const off = new Float64Array(n);
  for (let i = 0; i < n; i++) off[i] = Number(b.ts[i] - base);
  const offsets = new Uint32Array(n + 1);
  let chars = 0;
  for (let i = 0; i < n; i++) chars += b.lines[i].length;
  // A character takes at most 3 UTF-8 bytes: room for that is made before each line (rarely more than ASCII's).
  let data = new Uint8Array(chars + 65536);
  let buf = Buffer.from(data.buffer);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const line = b.lines[i];
    if (data.length - pos < line.length * 3) {
      const next = new Uint8Array(Math.max(data.length * 2, pos + line.length * 3));
      next.set(data.subarray(0, pos));
      data = next;
      buf = Buffer.from(data.buffer);
    }
    pos += buf.write(line, pos, 'utf8');
    offsets[i + 1] = pos;
  }
  return { n, base, off, offsets, data: data.subarray(0, pos), metadata: b.metadata };
}

/**
 * A source as the worker scans it: a decoded chunk, or a head block's entries. A stored chunk — sent, or read here
 * from its file by `reader` (synchronously: this is a worker thread) — is decoded by `decoder` (whose arrays, like
 * the reader's buffer, the next source reuses: scan one source before reading the next) and counts its bytes of
 * lines; with `probe` (a literal every wanted line contains), a chunk whose bytes lack it comes without entries (not
 * decoded).
 */
export function sourceFromWire(w: WireSource, decoder = new ChunkDecoder(), probe?: Uint8Array, reader = new ChunkFileReader()): DecodedSource {
  const common = { labels: labelsFromWire(w.labels), minT: w.minT, maxT: w.maxT };
  if ('file' in w || 'stored' in w) {
    const stored = 'file' in w ? reader.read(w.file.path, w.file.key) : Buffer.from(w.stored.buffer, w.stored.byteOffset, w.stored.byteLength);
    const chunk = decoder.decode(stored, probe);
    return { ...common, bytes: chunk.data.length, chunk };
  }
  const data = Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength);
  return { ...common, bytes: w.bytes, chunk: { n: w.n, base: w.base, off: w.off, offsets: w.offsets, data, metadata: w.metadata } };
}

export type WireLogqlResult =
  | { resultType: 'streams'; streams: { labels: WireLabels; ts: BigInt64Array; lines: string[] }[]; stats: QueryStats }
  | { resultType: 'matrix'; series: { labels: WireLabels; t: Float64Array; v: Float64Array }[]; stats: QueryStats }
  | { resultType: 'vector'; samples: { labels: WireLabels; t: number; value: number }[]; stats: QueryStats }
  | { resultType: 'scalar'; t: number; value: number; stats: QueryStats }
  | LogqlFields;

/** What a `detected_fields` task answers. */
export type LogqlFields = { resultType: 'fields'; fields: DetectedField[] };

/** What a task answers: a query's result, or detected fields. */
export type LogqlTaskResult = LogqlResult | LogqlFields;

/** A result as a message, with its column buffers added to `transfer`. */
export function resultToWire(r: LogqlTaskResult, transfer: ArrayBuffer[]): WireLogqlResult {
  switch (r.resultType) {
    case 'streams':
      return {
        ...r,
        streams: r.streams.map((s) => {
          const ts = BigInt64Array.from(s.ts);
          transfer.push(ts.buffer);
          return { labels: labelsToWire(s.labels), ts, lines: s.lines };
        }),
      };
    case 'matrix':
      return {
        ...r,
        series: r.series.map((s) => {
          const t = Float64Array.from(s.points, (p) => p[0]);
          const v = Float64Array.from(s.points, (p) => p[1]);
          transfer.push(t.buffer, v.buffer);
          return { labels: labelsToWire(s.labels), t, v };
        }),
      };
    case 'vector':
      return { ...r, samples: r.samples.map((s) => ({ labels: labelsToWire(s.labels), t: s.t, value: s.value })) };
    default:
      return r;
  }
}

export function resultFromWire(w: WireLogqlResult): LogqlTaskResult {
  switch (w.resultType) {
    case 'streams':
      return { ...w, streams: w.streams.map((s) => ({ labels: labelsFromWire(s.labels), ts: Array.from(s.ts), lines: s.lines })) };
    case 'matrix':
      return { ...w, series: w.series.map((s) => ({ labels: labelsFromWire(s.labels), points: Array.from(s.t, (t, i) => [t, s.v[i]] as [number, number]) })) };
    case 'vector':
      return { ...w, samples: w.samples.map((s) => ({ labels: labelsFromWire(s.labels), t: s.t, value: s.value })) };
    default:
      return w;
  }
}

/** LogQL's errors by wire type: each comes back as its class (the API maps classes to Loki's status codes). */
export const { toWire: errorToWire, fromWire: errorFromWire } = errorCodec(
  [
    ['parse', LogqlParseError],
    ['template', TemplateError],
    ['series_limit', SeriesLimitError],
    ['eval', LogqlEvalError],
  ],
  abortError,
  (e) => (e instanceof QueryTimeoutError ? 'timeout' : e instanceof QueryCanceledError ? 'canceled' : undefined),
);
