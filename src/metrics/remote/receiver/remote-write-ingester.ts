import type { Registry } from 'prom-client';
import { INGEST_LANE, TimeSlicer } from '../../../lib/time-slice.js';
import { HttpError, tooManyRequests, type TenancyOptions } from '../../../server/index.js';
import {
  DEFAULT_TENANT_LIMITS,
  IngestionRateLimiter,
  Overrides,
  SeriesTracker,
  appendErrorFailure,
  ingestionRateLimitedMessage,
  invalidLabelValueFailure,
  seriesLimitMessage,
  validateSampleTime,
  validateSeriesLabels,
  type TenantLimits,
  type ValidationFailure,
} from '../../limits/index.js';
import { Labels, METRIC_NAME, type MetricMetadata } from '../../../model/index.js';
import { AppendError, type Appendable, type SeriesRef } from '../../storage-api/index.js';
import {
  DEFAULT_MAX_MESSAGE_SIZE,
  DecodeError,
  WriteRequestBatch,
  decodeLabelFields,
  decodeWriteRequestSliced,
  decompressSnappyBodyAsync,
  type DecodePause,
} from '../codec/index.js';
import { receiverMetrics, type ReceiverMetrics } from './receiver-metrics.js';
import { SeriesInterner } from './series-interner.js';
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
      if (interner && version === 1) batch.lookup = (r, a, b) => interner.lookup(r, a, b);
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
    const { interner, generation } = interned;
    /** The batch's interner entries are void once the interner was cleared (by another request, between slices). */
    const cleared = () => interner.generation !== generation;
    const m = this.metrics;
    const limits = this.overrides.forTenant(tenant);
    const now = this.now();
    m.samplesIn.labels(tenant).inc(batch.sampleCount + batch.histogramCount);
    m.exemplarsIn.labels(tenant).inc(batch.exemplars.length);
    m.metadataIn.labels(tenant).inc(batch.metadata.length);

    let firstError: string | undefined;
    const discard = (reason: string, n: number) => {
      if (n > 0) m.discardedSamples.labels(reason, tenant).inc(n);
    };
    const fail = (f: ValidationFailure, n: number) => {
      discard(f.reason, n);
      firstError ??= f.message;
    };

    // Validation (distributor): series labels, then each sample's time. `ok` marks samples that passed. It changes
    // nothing but counters, so it yields to the event loop every ~10 ms (a 200k-series request must not stall the
    // other listeners). The rate limit follows at once; appends also yield between series (nothing is stored before
    // `commit`, which runs in one step), unless a series repeats in the request: an appender keeps a series' pending
    // state only until another appender touches it, so a series appended twice must not see a yield in between.
    const distinct = new Set<string>();
    const seenIds = new Set<number>();
    let repeats = false;
    const seriesLabels: (Labels | undefined)[] = new Array(batch.seriesCount);
    /** Per series: its interner entry, -1 when not interned. */
    const entry = batch.interned;
    const ok = new Uint8Array(batch.sampleCount);
    const hok = new Uint8Array(batch.histogramCount);
    let validSamples = 0;
    let validHistograms = 0;
    for (let i = 0; i < batch.seriesCount; i++) {
      if (slicer.due()) await slicer.yieldNow();
      const s0 = batch.sampleStart(i);
      const s1 = batch.sampleEnd[i];
      const h = batch.histogramEnd[i] - batch.histogramStart(i);
      let id = entry[i];
      if (id >= 0 && cleared()) {
        // Recognised at decode time, but the entry may now be another series': its labels from its bytes, and no
        // more yields between appends (repeats were told apart by entry until now).
        batch.labels[i] = decodeLabelFields(batch.raw, batch.labelStart[i], batch.labelEnd[i]);
        entry[i] = id = -1;
        repeats = true;
      }
      let res: Labels | ValidationFailure;
      if (id >= 0 && interner.limits[id] === limits) res = interner.labels[id];
      else {
        // Labels decoded: validate; a valid series whose label bytes are one run is remembered.
        if (id >= 0) batch.labels[i] = decodeLabelFields(batch.raw, batch.labelStart[i], batch.labelEnd[i]);
        res = batch.invalidUtf8.has(i) ? invalidLabelValueFailure(batch.labels[i]) : validateSeriesLabels(batch.labels[i], limits);
        if (res instanceof Labels) {
          if (id >= 0) interner.revalidated(id, res, limits);
          else if (batch.labelEnd[i] > batch.labelStart[i]) entry[i] = id = interner.add(batch.raw, batch.labelStart[i], batch.labelEnd[i], res, limits);
        } else entry[i] = id = -1;
      }
      if (!(res instanceof Labels)) {
        fail(res, s1 - s0 + h);
        continue;
      }
      seriesLabels[i] = res;
      if (!repeats) {
        if (id >= 0) {
          // A set of this request's own (other requests interleave at the yields, so no mark on the shared entry).
          if (seenIds.has(id)) repeats = true;
          else seenIds.add(id);
        } else {
          const key = res.key();
          if (distinct.has(key)) repeats = true;
          else distinct.add(key);
        }
      }
      for (let j = batch.histogramStart(i); j < batch.histogramEnd[i]; j++) {
        const f = validateSampleTime(batch.histogramT[j], now, limits, res);
        if (f) fail(f, 1);
        else {
          hok[j] = 1;
          validHistograms++;
        }
      }
      for (let j = s0; j < s1; j++) {
        if (slicer.due()) await slicer.yieldNow();
        const f = validateSampleTime(batch.t[j], now, limits, res);
        if (f) fail(f, 1);
        else {
          ok[j] = 1;
          validSamples++;
        }
      }
    }
    distinct.clear();
    seenIds.clear();
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
    const items = validSamples + validHistograms + validExemplars + validMetadata;
    if (items > 0 && Number.isFinite(limits.ingestion_rate) && !this.rateLimiter.allow(tenant, items, limits.ingestion_rate, limits.ingestion_burst_size)) {
      discard('rate_limited', validSamples + validHistograms);
      throw tooManyRequests(ingestionRateLimitedMessage(limits.ingestion_rate, limits.ingestion_burst_size));
    }
    m.receivedSamples.labels(tenant).inc(validSamples + validHistograms);
    m.receivedExemplars.labels(tenant).inc(validExemplars);
    m.receivedMetadata.labels(tenant).inc(validMetadata);

    // Ingestion: series limit, append, commit.
    const app = store.appender();
    const refs = new Float64Array(batch.seriesCount);
    let written = 0;
    let failedAppends = 0;
    let exemplarsWritten = 0;
    let histogramsWritten = 0;
    try {
      for (let i = 0; i < batch.seriesCount; i++) {
        if (!repeats && slicer.due()) await slicer.yieldNow();
        const labels = seriesLabels[i];
        if (!labels) continue;
        const s0 = batch.sampleStart(i);
        const s1 = batch.sampleEnd[i];
        let n = 0;
        for (let j = s0; j < s1; j++) n += ok[j];
        const h0 = batch.histogramStart(i);
        const h1 = batch.histogramEnd[i];
        for (let j = h0; j < h1; j++) n += hok[j];
        if (n === 0) continue;
        // 0 = unlimited: nothing to count, so the series' key is not kept either (memory of the Prometheus role).
        if (limits.max_global_series_per_user > 0 && !this.seriesTracker.admit(tenant, labels, limits.max_global_series_per_user, now)) {
          discard('per_user_series_limit', n);
          firstError ??= seriesLimitMessage(limits.max_global_series_per_user);
          seriesLabels[i] = undefined;
          continue;
        }
        const id = cleared() ? -1 : entry[i];
        let ref: SeriesRef = id >= 0 ? interner.refs[id] : 0;
        const before = written;
        const histogramsBefore = histogramsWritten;
        for (let j = s0; j < s1; j++) {
          if (ok[j] === 0) continue;
          try {
            ref = app.append(ref, labels, batch.t[j], batch.v[j]);
            written++;
          } catch (e) {
            if (!(e instanceof AppendError)) throw e;
            const f = appendErrorFailure(e.kind, batch.t[j], labels);
            fail(f, 1);
            failedAppends++;
          }
        }
        for (let j = h0; j < h1; j++) {
          if (hok[j] === 0) continue;
          if (!app.appendHistogram) {
            discard('native_histogram_unsupported', 1);
            continue;
          }
          try {
            ref = app.appendHistogram(ref, labels, batch.histogramT[j], batch.histograms[j]);
            histogramsWritten++;
          } catch (e) {
            if (!(e instanceof AppendError)) throw e;
            fail(appendErrorFailure(e.kind, batch.histogramT[j], labels), 1);
            failedAppends++;
          }
        }
        if (written === before && histogramsWritten === histogramsBefore) this.seriesTracker.forget(tenant, labels);
        refs[i] = ref;
        if (id >= 0 && interner.refs[id] !== ref) {
          // A new ref: keep the store's copy of the labels, not a second one decoded from this request.
          interner.setRef(id, ref);
          const stored = store.labelsOf?.(ref);
          if (stored) interner.revalidated(id, stored, limits);
        }
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
    m.ingestedSamples.labels(tenant).inc(written + histogramsWritten);
    if (failedAppends > 0) m.ingestedSamplesFailures.labels(tenant).inc(failedAppends);
    m.ingestedExemplars.labels(tenant).inc(exemplarsWritten);
    return { samplesWritten: written, histogramsWritten, exemplarsWritten, partialError: firstError };
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
