import type { Registry } from 'prom-client';
import { INGEST_LANE, TimeSlicer } from '../../../lib/time-slice.js';
import { HttpError, tooManyRequests, type TenancyOptions } from '../../../server/index.js';
import {
  DEFAULT_TENANT_LIMITS,
  IngestionRateLimiter,
  Overrides,
  SeriesTracker,
  ingestionRateLimitedMessage,
  type TenantLimits,
} from '../../limits/index.js';
import { Labels, METRIC_NAME, type MetricMetadata } from '../../../model/index.js';
import { AppendError, type Appendable } from '../../storage-api/index.js';
import {
  DEFAULT_MAX_MESSAGE_SIZE,
  DecodeError,
  WriteRequestBatch,
  decodeWriteRequestSliced,
  decompressSnappyBodyAsync,
  type DecodePause,
} from '../codec/index.js';
import { receiverMetrics, type ReceiverMetrics } from './receiver-metrics.js';
import { SeriesInterner } from './series-interner.js';
import { RequestIngest } from './request-ingest.js';
import { TenantMetadata } from './tenant-metadata.js';

export interface RemoteWriteDeps {
  /** The storage of a tenant. */
  appendable: (tenant: string) => Appendable;
  tenancy: TenancyOptions;
  overrides?: Overrides<TenantLimits>;
  /** Instance self-metrics registry. */
  registry: Registry;
  /** Shared between receivers of one process so limits apply across both ports. */
  rateLimiter?: IngestionRateLimiter;
  seriesTracker?: SeriesTracker;
  /** Series remembered by their label bytes per storage before the memory is cleared and refilled (default 1 M). */
  maxInternedSeries?: number;
  /** Largest body accepted, compressed or not (default 100 MiB, Mimir's `-distributor.max-recv-msg-size`). */
  maxMessageSize?: number;
  now?: () => number;
}

/** What a push wrote; the receiver turns it into the response and the 2.0 `...-Written` headers. */
export interface PushResult {
  samplesWritten: number;
  histogramsWritten: number;
  exemplarsWritten: number;
  /** The first partial failure (valid data was kept): answered 400 with this message, as Mimir does. */
  partialError?: string;
}

/**
 * Decoded batches kept for reuse: at most this many, each at most this many samples (its columns are sized from the
 * body: ~1 per 16 bytes; a rare huge request's, e.g. 200k series in 10 MB, is not kept).
 */
const MAX_FREE_BATCHES = 8;
const MAX_KEPT_BATCH_SAMPLES = 1 << 18;

const FAMILY_SUFFIXES = ['', '_total', '_bucket', '_count', '_sum', '_created', '_info'];

/**
 * The distributor + ingester write path, HTTP-agnostic: decode, validate (Mimir's checks and messages), apply the
 * tenant's limits, append to the tenant's storage and commit — nothing is reported written before `commit()`
 * resolved. Malformed bodies are `HttpError` 400, an over-rate tenant 429 (nothing stored), storage faults 500.
 * Metadata is kept per tenant beside the storage (`metadata(tenant)`, as Mimir's ingesters do) and also handed to
 * the `Appender` for series of the same request. Native histograms are appended with `appendHistogram` (the TSDB
 * stores them); an `Appendable` without it discards them with reason `native_histogram_unsupported`.
 */
export class RemoteWriteIngester {
  readonly metrics: ReceiverMetrics;
  readonly overrides: Overrides<TenantLimits>;
  readonly rateLimiter: IngestionRateLimiter;
  readonly seriesTracker: SeriesTracker;
  readonly maxMessageSize: number;
  private readonly now: () => number;
  private readonly metadataByTenant = new Map<string, TenantMetadata>();
  /** Series seen before, per storage instance (their refs belong to it). */
  private readonly interners = new WeakMap<Appendable, SeriesInterner>();
  private readonly freeBatches: WriteRequestBatch[] = [];

  constructor(readonly deps: RemoteWriteDeps) {
    this.metrics = receiverMetrics(deps.registry);
    this.overrides = deps.overrides ?? new Overrides(DEFAULT_TENANT_LIMITS);
    this.rateLimiter = deps.rateLimiter ?? new IngestionRateLimiter();
    this.seriesTracker = deps.seriesTracker ?? new SeriesTracker();
    this.maxMessageSize = deps.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.now = deps.now ?? Date.now;
  }

  /** Metadata received for a tenant (a `MetadataSource` for `/api/v1/metadata`). */
  metadata(tenant: string): TenantMetadata {
    let m = this.metadataByTenant.get(tenant);
    if (!m) this.metadataByTenant.set(tenant, (m = new TenantMetadata()));
    return m;
  }

  /**
   * Decode a body; with `interner`, series it knows are recognised by their label bytes and not decoded again. A large
   * body is decompressed on the thread pool and every body is decoded in slices through `slicer` (the event loop runs
   * between them), so one 200k-series request does not stall every other listener for its decode.
   */
  async decode(body: Buffer, version: 1 | 2, interner: SeriesInterner | undefined, slicer: DecodePause): Promise<WriteRequestBatch> {
    if (body.length > this.maxMessageSize) {
      throw new HttpError(
        413,
        'bad_data',
        `the incoming push request has been rejected because its message size of ${body.length} bytes is larger than the allowed limit of ${this.maxMessageSize} bytes (err-mimir-distributor-max-write-message-size)`,
      );
    }
    let batch: WriteRequestBatch | undefined;
    try {
      const raw = await decompressSnappyBodyAsync(body, this.maxMessageSize);
      batch = this.takeBatch(raw.length);
      if (interner && version === 1) batch.lookup = interner;
      return await decodeWriteRequestSliced(version, raw, batch, slicer);
    } catch (e) {
      if (batch) this.releaseBatch(batch);
      if (e instanceof DecodeError && e.kind === 'too_large') {
        throw new HttpError(
          413,
          'bad_data',
          `the incoming push request has been rejected because its decompressed message size is larger than the allowed limit of ${this.maxMessageSize} bytes (err-mimir-distributor-max-write-message-size): ${e.message}`,
        );
      }
      if (e instanceof DecodeError) {
        const what = e.kind === 'snappy' ? 'decompress snappy body' : `parse protobuf ${version === 2 ? 'io.prometheus.write.v2.Request' : 'prometheus.WriteRequest'}`;
        throw new HttpError(400, 'bad_data', `${what}: ${e.message}`);
      }
      throw e;
    }
  }

  /** A batch for a body of `rawLength` bytes: a reused one (its typed columns grow when needed) or a new one. */
  private takeBatch(rawLength: number): WriteRequestBatch {
    return this.freeBatches.pop()?.reset() ?? new WriteRequestBatch(rawLength >> 4, rawLength >> 7);
  }

  /** The batch's request is answered and nothing refers to its columns: keep it for the next request. */
  private releaseBatch(batch: WriteRequestBatch): void {
    if (this.freeBatches.length < MAX_FREE_BATCHES && batch.capacity <= MAX_KEPT_BATCH_SAMPLES) this.freeBatches.push(batch.reset());
  }

  async push(tenant: string, body: Buffer, version: 1 | 2): Promise<PushResult> {
    const m = this.metrics;
    m.requestsIn.labels(tenant).inc();
    // Start in a turn of the ingest lane, so concurrent requests begin their decode in turns; the decode, validation
    // and appends then go on in slices of that lane.
    await INGEST_LANE.wait();
    const store = this.deps.appendable(tenant);
    let interner = this.interners.get(store);
    if (!interner) this.interners.set(store, (interner = new SeriesInterner(this.deps.maxInternedSeries)));
    const slicer = new TimeSlicer();
    // Entries handed out from here on: a clear meanwhile (another request, between slices) voids them.
    const generation = interner.generation;
    const batch = await this.decode(body, version, interner, slicer);
    try {
      return await this.ingest(tenant, batch, store, { interner, generation }, slicer);
    } finally {
      this.releaseBatch(batch);
    }
  }

  /** Validate, rate-limit and append a decoded request (the columns of `batch` are not kept past the return). */
  private async ingest(tenant: string, batch: WriteRequestBatch, store: Appendable, interned: { interner: SeriesInterner; generation: number }, slicer: TimeSlicer): Promise<PushResult> {
    const m = this.metrics;
    const limits = this.overrides.forTenant(tenant);
    const now = this.now();
    m.samplesIn.labels(tenant).inc(batch.sampleCount + batch.histogramCount);
    m.exemplarsIn.labels(tenant).inc(batch.exemplars.length);
    m.metadataIn.labels(tenant).inc(batch.metadata.length);

    // Validation (distributor), in slices of the event loop (a 200k-series request must not stall the other
    // listeners); it changes nothing but counters. The rate limit follows at once; appends also yield between series
    // (nothing is stored before `commit`, which runs in one step) unless a series repeats in the request.
    const run = new RequestIngest(tenant, batch, interned.interner, interned.generation, limits, now, m);
    for (;;) {
      run.validateSome(slicer);
      if (run.finished) break;
      await slicer.yieldNow();
    }
    const seriesLabels = run.seriesLabels;
    const exemplarOk = batch.exemplars.map((e) => {
      if (seriesLabels[e.series] === undefined) return false;
      const reason = exemplarProblem(e.labels, e.ts);
      if (reason) m.discardedExemplars.labels(reason, tenant).inc();
      return reason === undefined;
    });
    const validExemplars = exemplarOk.filter(Boolean).length;
    const validMetadata = batch.metadata.filter((md) => md.family !== '').length;
    m.discardedMetadata.labels('missing_metric_name', tenant).inc(batch.metadata.length - validMetadata);

    // Rate limit on what passed validation: all or nothing (an infinite rate is no limit: the Prometheus role).
    const { validSamples, validHistograms } = run;
    const items = validSamples + validHistograms + validExemplars + validMetadata;
    if (items > 0 && Number.isFinite(limits.ingestion_rate) && !this.rateLimiter.allow(tenant, items, limits.ingestion_rate, limits.ingestion_burst_size)) {
      run.discard('rate_limited', validSamples + validHistograms);
      throw tooManyRequests(ingestionRateLimitedMessage(limits.ingestion_rate, limits.ingestion_burst_size));
    }
    m.receivedSamples.labels(tenant).inc(validSamples + validHistograms);
    m.receivedExemplars.labels(tenant).inc(validExemplars);
    m.receivedMetadata.labels(tenant).inc(validMetadata);

    // Ingestion: series limit, append, commit.
    const app = store.appender();
    const refs = run.refs;
    let exemplarsWritten = 0;
    try {
      run.restart();
      for (;;) {
        run.appendSome(app, store, this.seriesTracker, slicer);
        if (run.finished) break;
        await slicer.yieldNow();
      }
      for (let k = 0; k < batch.exemplars.length; k++) {
        const e = batch.exemplars[k];
        const labels = seriesLabels[e.series];
        if (!exemplarOk[k] || !labels) continue;
        try {
          refs[e.series] = app.appendExemplar(refs[e.series], labels, { labels: Labels.fromPairs(pairs(e.labels)), value: e.value, ts: e.ts });
          exemplarsWritten++;
        } catch (err) {
          if (!(err instanceof AppendError)) throw err;
          m.discardedExemplars.labels(err.kind, tenant).inc();
        }
      }
      for (const md of batch.metadata) {
        if (md.family === '') continue;
        const meta: MetricMetadata = { type: md.type, help: md.help, unit: md.unit };
        const i = md.series >= 0 ? md.series : familySeries(batch, seriesLabels, md.family);
        const labels = i >= 0 ? seriesLabels[i] : undefined;
        if (i >= 0 && labels && refs[i] > 0) refs[i] = app.updateMetadata(refs[i], labels, meta);
      }
      await app.commit();
      const tm = this.metadata(tenant);
      for (const md of batch.metadata) if (md.family !== '') tm.add(md.family, { type: md.type, help: md.help, unit: md.unit });
    } catch (e) {
      app.rollback();
      throw new HttpError(500, 'internal', `failed to store the samples: ${(e as Error).message}`);
    }
    const { written, histogramsWritten, failedAppends } = run;
    m.ingestedSamples.labels(tenant).inc(written + histogramsWritten);
    if (failedAppends > 0) m.ingestedSamplesFailures.labels(tenant).inc(failedAppends);
    m.ingestedExemplars.labels(tenant).inc(exemplarsWritten);
    return { samplesWritten: written, histogramsWritten, exemplarsWritten, partialError: run.firstError };
  }
}

function pairs(flat: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

/** Mimir's exemplar checks: labels present and non-blank, at most 128 characters in total, a timestamp. */
function exemplarProblem(flat: readonly string[], ts: number): string | undefined {
  if (flat.length === 0) return 'exemplar_labels_missing';
  if (ts === 0) return 'exemplar_timestamp_invalid';
  let len = 0;
  let anyValid = false;
  for (let i = 0; i < flat.length; i += 2) {
    len += [...flat[i]].length + [...flat[i + 1]].length;
    if (flat[i] !== '' && flat[i + 1] !== '') anyValid = true;
  }
  if (len > 128) return 'exemplar_labels_too_long';
  if (!anyValid) return 'exemplar_labels_blank';
  return undefined;
}

/** 1.0 metadata is per metric family: attach it to the first series of the request in that family. */
function familySeries(batch: WriteRequestBatch, labels: readonly (Labels | undefined)[], family: string): number {
  for (let i = 0; i < batch.seriesCount; i++) {
    const l = labels[i];
    if (!l) continue;
    const name = l.get(METRIC_NAME);
    if (name.startsWith(family) && FAMILY_SUFFIXES.includes(name.slice(family.length))) return i;
  }
  return -1;
}
