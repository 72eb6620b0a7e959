import type { Labels, Matcher } from '../../model/index.js';

/**
 * The log store as the LogQL engine and the HTTP API see it. Times are nanoseconds since the epoch (bigint);
 * ranges are [start, end).
 */
export interface LogQueryable {
  /**
   * Entries of the streams matching `matchers` with `start <= ts < end`, one batch per chunk (entries of a batch
   * are ascending by time; batches of one stream may overlap when entries arrived out of order). `filter` is the
   * pushed-down line filter: only entries it accepts are materialised.
   */
  select(tenant: string, req: SelectRequest): AsyncIterable<EntryBatch>;
  /** Streams (label sets) matching the matchers with data in [start, end). */
  series(tenant: string, matchers: readonly Matcher[], start: bigint, end: bigint): Promise<Labels[]>;
  labelNames(tenant: string, start: bigint, end: bigint, matchers?: readonly Matcher[]): Promise<string[]>;
  labelValues(tenant: string, name: string, start: bigint, end: bigint, matchers?: readonly Matcher[]): Promise<string[]>;
  /** Index statistics as `index/stats` reports them. */
  stats(tenant: string, matchers: readonly Matcher[], start: bigint, end: bigint): Promise<IndexStats>;
  /** Per-stream volume (bytes and entries) in [start, end), for `index/volume`. */
  streamStats(tenant: string, matchers: readonly Matcher[], start: bigint, end: bigint): Promise<StreamVolume[]>;
}

export interface SelectRequest {
  matchers: readonly Matcher[];
  start: bigint;
  end: bigint;
  filter?: LineFilterPushdown;
  /** Order hint: batches come newest chunk first for `backward`, oldest first otherwise. */
  direction?: 'forward' | 'backward';
  /**
   * The caller reads `EntryBatch.raw` when present (metric queries that only need times and line bytes): a store
   * holding lines as contiguous bytes may then answer without a string or a bigint per entry.
   */
  raw?: boolean;
}

/**
 * The streams of one shard of a query split by stream (`logql/shard.ts`): those whose label key is in `keys`, or with
 * `exclude` every stream but those.
 */
export interface StreamShard {
  keys: string[];
  exclude: boolean;
}

/** A batch's lines as contiguous UTF-8 bytes: entry k of the batch is line `lo + k`, `data[offsets[lo+k], offsets[lo+k+1])`. */
export interface RawLines {
  data: Buffer;
  offsets: Uint32Array;
  lo: number;
  hi: number;
}

/** A line filter the store applies while decoding chunks. */
export interface LineFilterPushdown {
  /** Literal byte strings every accepted line contains (lets the store skip lines without decoding them). */
  required: readonly string[];
  /** The full filter, applied to each candidate line. */
  test(line: string): boolean;
}

/** Entries of one stream from one chunk; columns, not an object per entry. */
export interface EntryBatch {
  labels: Labels;
  /**
   * Set only when the request asked for `raw` and no line filter applied: the lines as bytes, with `tsMs` holding
   * every entry's time; `ts` and `lines` are then empty.
   */
  raw?: RawLines;
  ts: ArrayLike<bigint>;
  lines: string[];
  /** The timestamps in milliseconds (fractional), when the store has them at hand (saves a bigint per entry). */
  tsMs?: Float64Array;
  /** Structured metadata per entry, when any entry has some. */
  metadata?: (Array<[string, string]> | undefined)[];
  /** Time bounds of the chunk the batch came from (every later batch lies beyond them in the requested order). */
  minT?: bigint;
  maxT?: bigint;
  /** Bytes of lines of the chunk or head block the batch was read from, before any filter (the bytes-read limits). */
  bytesRead?: number;
}

export interface IndexStats {
  streams: number;
  chunks: number;
  entries: number;
  bytes: number;
}

/** Bytes and entries of one stream in a time range. */
export interface StreamVolume {
  labels: Labels;
  bytes: number;
  entries: number;
}
