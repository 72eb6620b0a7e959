import type { Exemplar, FloatHistogram, Labels, Matcher, MetricMetadata, SampleBatch } from '../../model/index.js';

/**
 * The storage interfaces of the metrics pillar. Query engines (PromQL, the HTTP API, rules, remote read) depend
 * only on `Queryable`; ingestion (scrape, remote write, OTLP) only on `Appendable`. The TSDB head, its on-disk
 * blocks, the object-storage tier and the test storage all implement them. Times are milliseconds since the epoch.
 */

/** Hints a querier may use to read less (Prometheus's `storage.SelectHints`). */
export interface SelectHints {
  /** Inclusive time range actually needed, in ms. */
  start: number;
  end: number;
  /** Query resolution step in ms (0 for instant queries). */
  step?: number;
  /** Range of a range selector in ms, if any. */
  range?: number;
  /** Surrounding function name, e.g. 'rate', 'series' for metadata-only calls. */
  func?: string;
  grouping?: string[];
  by?: boolean;
  /** At most this many series (0 = no limit). */
  limit?: number;
}

export interface Series {
  readonly labels: Labels;
  /** Samples within [mint, maxt] (inclusive), time-ordered, staleness markers included. */
  samples(mint: number, maxt: number): SampleBatch;
  /**
   * The series' float samples overlapping [mint, maxt] as whole XOR chunks (Prometheus's encoding), in time order,
   * not overlapping, nothing deleted: decoding them one after the other and dropping the samples outside [mint, maxt]
   * gives `samples(mint, maxt)`. Undefined when that does not hold (histograms, out-of-order or overlapping chunks,
   * tombstones); callers then read `samples`. Lets a query worker decode the compact chunk bytes itself.
   */
  xorChunks?(mint: number, maxt: number): readonly XorChunk[] | undefined;
}

/** One XOR-encoded chunk: its bytes and how many of its samples to decode (an open chunk's snapshot may hold fewer). */
export interface XorChunk {
  readonly data: Uint8Array;
  readonly n: number;
}

export interface Querier {
  /** Series matching all matchers (at least one matcher must not match the empty string), sorted by labels when `sorted`. */
  select(matchers: readonly Matcher[], hints: SelectHints, sorted?: boolean): Promise<Series[]>;
  /** Sorted, unique label names of series matching the matchers (all series when none) in the querier's time range. */
  labelNames(matchers: readonly Matcher[], limit?: number): Promise<string[]>;
  /** Sorted, unique values of `name`. */
  labelValues(name: string, matchers: readonly Matcher[], limit?: number): Promise<string[]>;
  close(): void;
}

export interface Queryable {
  /** A querier over data in [mint, maxt] (ms, inclusive). */
  querier(mint: number, maxt: number): Promise<Querier>;
}

/** Why a sample was refused; the scrape loop and the write APIs count these by kind. */
export type AppendErrorKind = 'out_of_order' | 'out_of_bounds' | 'duplicate_sample' | 'too_old' | 'invalid_labels';

export class AppendError extends Error {
  constructor(
    readonly kind: AppendErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'AppendError';
  }
}

/** An opaque, storage-assigned series reference; 0 means "unknown, look it up by labels". */
export type SeriesRef = number;

/**
 * A batch of writes. `append` validates and buffers (throwing `AppendError` for refused samples, leaving the rest of
 * the batch intact); `commit` makes the whole batch durable in the write-ahead log and then visible to queries.
 * Nothing is acknowledged to a client before `commit` resolves.
 */
export interface Appender {
  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef;
  /** A native histogram sample; optional — stores without histogram support (the TSDB today) omit it. */
  appendHistogram?(ref: SeriesRef, labels: Labels, t: number, h: FloatHistogram): SeriesRef;
  appendExemplar(ref: SeriesRef, labels: Labels, exemplar: Exemplar): SeriesRef;
  updateMetadata(ref: SeriesRef, labels: Labels, meta: MetricMetadata): SeriesRef;
  commit(): Promise<void>;
  rollback(): void;
}

export interface Appendable {
  appender(): Appender;
  /** The stored labels of a series ref (one copy of the strings, shared with the store), when the store keeps them. */
  labelsOf?(ref: SeriesRef): Labels | undefined;
}

export interface MetadataSource {
  /** Metric name -> distinct metadata entries, as `/api/v1/metadata` returns them. */
  metadata(metric?: string, limit?: number): Map<string, MetricMetadata[]>;
}

export interface ExemplarQueryable {
  exemplars(matcherSets: readonly (readonly Matcher[])[], start: number, end: number): Promise<{ seriesLabels: Labels; exemplars: Exemplar[] }[]>;
}

/** A durable read position in the metrics write-ahead log. */
export interface WalPosition {
  segment: number;
  offset: number;
}

/**
 * Follows the metrics write-ahead log from a saved position: the input of the remote-write sender, so that an
 * outage of the receiver or a restart of the sender loses nothing the WAL still holds. Opening it learns every
 * series (ref -> labels) recorded before the position, so samples after it can be resolved.
 */
export interface MetricsWalReader {
  /**
   * Read committed records after the current position, up to about `maxSamples` samples. `onSeries` is called for
   * series first seen, `onSamples` with columnar batches (series refs, timestamps, values), `onHistogram` (when
   * given) with each native histogram sample in WAL order — `float` tells a float histogram record from an integer
   * one, `h.hint` is the stored counter-reset hint; without it histogram records are skipped. Returns the number of
   * samples (and histograms, when read) read (0 = nothing new yet). Segments removed by a checkpoint are skipped
   * to the next available data.
   */
  read(
    onSeries: (ref: SeriesRef, labels: Labels) => void,
    onSamples: (refs: Float64Array, t: Float64Array, v: Float64Array, n: number) => void,
    maxSamples: number,
    onHistogram?: (ref: SeriesRef, t: number, h: FloatHistogram, float: boolean) => void,
  ): number;
  /** Position after the last record returned by `read`. */
  position(): WalPosition;
  /** Labels of a series ref seen so far. */
  seriesLabels(ref: SeriesRef): Labels | undefined;
  close(): void;
}
