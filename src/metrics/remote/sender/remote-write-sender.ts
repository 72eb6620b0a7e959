import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { FloatHistogram, Labels } from '../../../model/index.js';
import { HttpClient, authorizationHeader, describeTransportError, sendRequest } from '../../httpclient/index.js';
import type { MetricsWalReader, SeriesRef, WalPosition } from '../../storage-api/index.js';
import { compressSnappyBody, encodeWriteRequestV1, encodeWriteRequestV2, type EncodeHistogram } from '../codec/index.js';
import { ProgressFile, comparePositions, type SenderProgress } from './read-position-file.js';
import type { RemoteWriteConfig } from './remote-write-config.js';
import { senderMetrics, type SenderMetrics } from './sender-metrics.js';

export interface RemoteWriteSenderDeps {
  config: RemoteWriteConfig;
  /** Open the metrics WAL reader at a saved position (undefined: from the oldest data the WAL holds). */
  openReader: (from: WalPosition | undefined) => MetricsWalReader;
  /** Where progress is persisted, e.g. `<data>/remote-write/<remote_name>.json`. */
  positionFile: string;
  registry: Registry;
  logger?: Logger;
  /** `write_relabel_configs` compiled by the relabel module: the new labels, or null to drop the series. */
  relabel?: (labels: Labels) => Labels | null;
  /** How often to look for new WAL data when idle (default 200 ms). */
  pollIntervalMs?: number;
  /** fsync the progress file at most this often (default 1000 ms; 0 = on every write). It is renamed into place on every acknowledged request regardless. */
  progressFsyncIntervalMs?: number;
  userAgent?: string;
  /**
   * How long `stop()` lets requests already on the wire finish (default 10 s, capped by `remote_timeout`). A request
   * aborted mid-flight may still be stored by the receiver while counting as unsent here, and then be resent after
   * a restart; waiting for its answer records it as acknowledged instead.
   */
  stopGraceMs?: number;
}

/** Samples read from the WAL for one round, columnar; a native histogram sample is an entry whose value is in `hist`. */
class Chunk {
  refs = new Float64Array(1024);
  t = new Float64Array(1024);
  v = new Float64Array(1024);
  n = 0;
  /** Entry index -> its histogram (integer or float record). */
  readonly hist = new Map<number, { h: FloatHistogram; float: boolean }>();

  pushHistogram(ref: SeriesRef, t: number, h: FloatHistogram, float: boolean): void {
    ONE_REF[0] = ref;
    ONE_T[0] = t;
    this.hist.set(this.n, { h, float });
    this.push(ONE_REF, ONE_T, ONE_V, 1);
  }

  /** How many of these entry indices are histograms. */
  histogramsIn(idx: readonly number[]): number {
    if (this.hist.size === 0) return 0;
    let k = 0;
    for (const i of idx) if (this.hist.has(i)) k++;
    return k;
  }

  push(refs: Float64Array, t: Float64Array, v: Float64Array, n: number): void {
    if (this.n + n > this.refs.length) {
      const size = Math.max(this.refs.length * 2, this.n + n);
      for (const k of ['refs', 't', 'v'] as const) {
        const a = new Float64Array(size);
        a.set(this[k].subarray(0, this.n));
        this[k] = a;
      }
    }
    this.refs.set(refs.subarray(0, n), this.n);
    this.t.set(t.subarray(0, n), this.n);
    this.v.set(v.subarray(0, n), this.n);
    this.n += n;
  }
}

const ONE_REF = new Float64Array(1);
const ONE_T = new Float64Array(1);
const ONE_V = new Float64Array([NaN]);

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

function shardOf(ref: number, shards: number): number {
  return (Math.imul(ref >>> 0, 2654435761) >>> 0) % shards;
}

/** Prometheus names a queue by its config's `name`, else by a hash of the config. */
export function remoteName(cfg: RemoteWriteConfig): string {
  return cfg.name ?? createHash('sha256').update(JSON.stringify(cfg)).digest('hex').slice(0, 6);
}

/**
 * A `remote_write` queue: follows the metrics WAL, sends snappy-compressed remote write 1.0 (or 2.0) requests — float
 * samples, and native histograms with `send_native_histograms` — with
 * `min_shards`..`max_shards` parallel shards (a series always goes to the same shard, so its samples stay in order),
 * retries 5xx, 429 and network errors with exponential backoff from `min_backoff` to `max_backoff` (honouring
 * Retry-After), drops other 4xx as failed. Progress is persisted after every acknowledged request, so a restart or
 * an outage of the receiver loses nothing the WAL still holds, and nothing acknowledged is sent twice.
 */
export class RemoteWriteSender {
  readonly name: string;
  private readonly m: SenderMetrics;
  private readonly labels: { remote_name: string; url: string };
  private readonly abort = new AbortController();
  /** Aborts requests in flight: `stopGraceMs` after `stop()`. */
  private readonly inFlightAbort = new AbortController();
  private reader: MetricsWalReader | undefined;
  private readonly seriesCache = new Map<SeriesRef, Labels | null>();
  private progress: SenderProgress = { position: { segment: 0, offset: 0 } };
  private shards: number;
  private running: Promise<void> | undefined;
  private pending = 0;
  private lastFsync = 0;
  private readonly progressFile: ProgressFile;
  private readonly client: HttpClient;
  private readonly url: URL;

  constructor(private readonly deps: RemoteWriteSenderDeps) {
    this.name = remoteName(deps.config);
    const c = deps.config;
    this.url = new URL(c.url);
    this.client = new HttpClient({ tls_config: c.tls_config, proxy_url: c.proxy_url, no_proxy: c.no_proxy, proxy_connect_header: c.proxy_connect_header }, { keepAlive: true });
    this.m = senderMetrics(deps.registry);
    this.labels = { remote_name: this.name, url: deps.config.url };
    this.progressFile = new ProgressFile(deps.positionFile);
    const q = deps.config.queue_config;
    this.shards = q.min_shards;
    this.m.shardsMin.set(this.labels, q.min_shards);
    this.m.shardsMax.set(this.labels, q.max_shards);
    this.m.shardCapacity.set(this.labels, q.capacity);
    this.m.shards.set(this.labels, this.shards);
    this.m.shardsDesired.set(this.labels, this.shards);
    this.m.samplesPending.set(this.labels, 0);
  }

  start(): this {
    this.running ??= this.run().catch((e) => {
      this.deps.logger?.error({ err: e, remote_name: this.name }, 'remote write queue stopped on an error');
    });
    return this;
  }

  /** Stop sending; progress of acknowledged requests is already on disk. */
  async stop(): Promise<void> {
    this.abort.abort();
    const grace = setTimeout(() => this.inFlightAbort.abort(), this.deps.stopGraceMs ?? 10_000);
    try {
      await this.running;
    } finally {
      clearTimeout(grace);
    }
    if (this.reader) this.progressFile.save(this.progress, true);
    this.progressFile.close();
    this.reader?.close();
    this.client.close();
  }

  private persist(): void {
    const interval = this.deps.progressFsyncIntervalMs ?? 1000;
    const now = Date.now();
    const sync = interval === 0 || now - this.lastFsync >= interval;
    this.progressFile.save(this.progress, sync);
    if (sync) this.lastFsync = now;
  }

  /** The persisted progress (for tests and status pages). */
  currentProgress(): SenderProgress {
    return this.progress;
  }

  private async run(): Promise<void> {
    const saved = this.progressFile.load();
    if (saved) this.progress = saved;
    this.reader = this.deps.openReader(saved?.position);
    const signal = this.abort.signal;
    if (saved?.round) {
      // Resume the round that was under way: re-read up to (at least) its end, skip what each shard had delivered.
      const chunk = new Chunk();
      while (comparePositions(this.reader.position(), saved.round.end) < 0 && !signal.aborted) {
        if (this.readInto(chunk, 1 << 16) === 0) await sleep(this.pollMs(), signal);
      }
      if (signal.aborted) return;
      await this.sendRound(chunk, saved.round.shards, saved.round.acked.slice());
    }
    const q = this.deps.config.queue_config;
    while (!signal.aborted) {
      const target = Math.min(this.shards * q.max_samples_per_send * 4, this.shards * q.capacity);
      const chunk = new Chunk();
      let firstAt = 0;
      while (!signal.aborted) {
        let got: number;
        try {
          got = this.readInto(chunk, target - chunk.n);
        } catch (e) {
          this.deps.logger?.error({ err: e, remote_name: this.name }, 'reading the WAL failed; retrying');
          await sleep(this.pollMs() * 10, signal);
          continue;
        }
        if (chunk.n > 0 && firstAt === 0) firstAt = Date.now();
        if (chunk.n >= target) break;
        if (chunk.n > 0 && Date.now() - firstAt >= q.batch_send_deadline) break;
        if (got === 0) await sleep(chunk.n > 0 ? Math.min(this.pollMs(), q.batch_send_deadline) : this.pollMs(), signal);
      }
      if (signal.aborted) return;
      await this.sendRound(chunk, this.shards, new Array(this.shards).fill(0));
      this.reshard(chunk.n >= target);
    }
  }

  private pollMs(): number {
    return this.deps.pollIntervalMs ?? 200;
  }

  private readInto(chunk: Chunk, max: number): number {
    const r = this.reader!;
    return r.read(
      (ref, labels) => this.seriesCache.set(ref, this.deps.relabel ? this.deps.relabel(labels) : labels),
      (refs, t, v, n) => {
        chunk.push(refs, t, v, n);
        let hi = 0;
        for (let i = 0; i < n; i++) if (t[i] > hi) hi = t[i];
        this.sawTimestamp(hi);
      },
      Math.max(1, max),
      // As Prometheus: native histograms are sent only with `send_native_histograms: true`.
      this.deps.config.send_native_histograms
        ? (ref, t, h, float) => {
            chunk.pushHistogram(ref, t, h, float);
            this.sawTimestamp(t);
          }
        : undefined,
    );
  }

  private sawTimestamp(t: number): void {
    if (t / 1000 > (this.highestIn ?? 0)) {
      this.highestIn = t / 1000;
      this.m.highestTimestampIn.set(this.highestIn);
    }
  }
  private highestIn: number | undefined;

  private labelsOf(ref: SeriesRef): Labels | null {
    let l = this.seriesCache.get(ref);
    if (l === undefined) {
      const raw = this.reader!.seriesLabels(ref);
      l = raw === undefined ? null : this.deps.relabel ? this.deps.relabel(raw) : raw;
      this.seriesCache.set(ref, l);
    }
    return l;
  }

  /**
   * A simple version of Prometheus's shard calculation: while the WAL has more than a round can take (backlog), double
   * the shards up to `max_shards`; when a round drained everything, halve them down to `min_shards`.
   */
  private reshard(backlogged: boolean): void {
    const q = this.deps.config.queue_config;
    const next = backlogged ? Math.min(q.max_shards, this.shards * 2) : Math.max(q.min_shards, Math.ceil(this.shards / 2));
    this.m.shardsDesired.set(this.labels, next);
    if (next !== this.shards) {
      this.shards = next;
      this.m.shards.set(this.labels, next);
    }
  }

  /** Send one chunk: split by shard (sample indices in WAL order), shards in parallel, each in batches, in order. */
  private async sendRound(chunk: Chunk, shards: number, acked: number[]): Promise<void> {
    const end = this.reader!.position();
    const perShard: number[][] = Array.from({ length: shards }, () => []);
    let dropped = 0;
    let droppedHist = 0;
    for (let i = 0; i < chunk.n; i++) {
      const ref = chunk.refs[i];
      if (this.labelsOf(ref) === null) {
        if (chunk.hist.has(i)) droppedHist++;
        else dropped++;
        continue;
      }
      perShard[shardOf(ref, shards)].push(i);
    }
    if (dropped > 0) this.m.samplesDropped.inc(this.labels, dropped);
    if (droppedHist > 0) this.m.histogramsDropped.inc(this.labels, droppedHist);
    this.pending = perShard.reduce((a, s, k) => a + Math.max(0, s.length - acked[k]), 0);
    this.m.samplesPending.set(this.labels, this.pending);
    this.progress = { position: this.progress.position, round: { end, shards, acked } };
    this.persist();
    const max = this.deps.config.queue_config.max_samples_per_send;
    await Promise.all(
      perShard.map(async (idx, k) => {
        while (acked[k] < idx.length && !this.abort.signal.aborted) {
          const batch = idx.slice(acked[k], acked[k] + max);
          const delivered = await this.sendBatch(chunk, batch);
          if (!delivered) return; // stopped
          acked[k] += batch.length;
          this.pending -= batch.length;
          this.m.samplesPending.set(this.labels, this.pending);
          this.persist();
        }
      }),
    );
    if (this.abort.signal.aborted) return;
    this.progress = { position: end };
    this.persist();
  }

  /** Encode one batch grouped by series (stable: per-series order kept; histograms after the float samples). */
  private encode(chunk: Chunk, batch: number[]): { body: Buffer; highest: number } {
    const order = batch.slice().sort((a, b) => chunk.refs[a] - chunk.refs[b] || a - b);
    const labels: Labels[] = [];
    const sampleEnd: number[] = [];
    const histEnd: number[] = [];
    const histograms: EncodeHistogram[] = [];
    const t = new Float64Array(order.length);
    const v = new Float64Array(order.length);
    let n = 0;
    let highest = 0;
    for (let j = 0; j < order.length; j++) {
      const i = order[j];
      if (j === 0 || chunk.refs[i] !== chunk.refs[order[j - 1]]) {
        if (j > 0) {
          sampleEnd.push(n);
          histEnd.push(histograms.length);
        }
        labels.push(this.labelsOf(chunk.refs[i])!);
      }
      const hist = chunk.hist.get(i);
      if (hist) histograms.push({ t: chunk.t[i], h: hist.h, float: hist.float });
      else {
        t[n] = chunk.t[i];
        v[n++] = chunk.v[i];
      }
      if (chunk.t[i] > highest) highest = chunk.t[i];
    }
    if (order.length > 0) {
      sampleEnd.push(n);
      histEnd.push(histograms.length);
    }
    const input = { seriesCount: labels.length, labels, sampleEnd, t, v, histEnd, histograms };
    const raw = this.v2 ? encodeWriteRequestV2(input) : encodeWriteRequestV1(input);
    return { body: compressSnappyBody(raw), highest };
  }

  private headers(): Record<string, string> {
    const c = this.deps.config;
    const h: Record<string, string> = {
      ...c.headers,
      'Content-Encoding': 'snappy',
      'Content-Type': this.v2 ? 'application/x-protobuf;proto=io.prometheus.write.v2.Request' : 'application/x-protobuf',
      'User-Agent': this.deps.userAgent ?? 'Sightline',
      'X-Prometheus-Remote-Write-Version': this.v2 ? '2.0.0' : '0.1.0',
    };
    const auth = authorizationHeader(c);
    if (auth) h.Authorization = auth;
    return h;
  }

  /** Send until delivered or dropped (true), or the queue stops (false). */
  private async sendBatch(chunk: Chunk, batch: number[]): Promise<boolean> {
    const { body, highest } = this.encode(chunk, batch);
    const hist = chunk.histogramsIn(batch);
    const q = this.deps.config.queue_config;
    const signal = this.abort.signal;
    let backoff = q.min_backoff;
    while (!signal.aborted) {
      let status = 0;
      let retryAfter = 0;
      let errText: string;
      try {
        const res = await sendRequest(
          this.client,
          this.url,
          {
            method: 'POST',
            headers: this.headers(),
            // Not the stop signal: a request on the wire is answered (or times out) so that its outcome is recorded.
            signal: AbortSignal.any([this.inFlightAbort.signal, AbortSignal.timeout(this.deps.config.remote_timeout)]),
          },
          body,
        );
        status = res.status;
        errText = status >= 200 && status < 300 ? '' : res.body.subarray(0, 512).toString('utf8');
        const ra = res.headers['retry-after'];
        if (ra) retryAfter = /^\d+$/.test(ra) ? Number(ra) * 1000 : Math.max(0, Date.parse(ra) - Date.now());
      } catch (e) {
        if (signal.aborted) return false;
        errText = describeTransportError(e as Error);
      }
      // Stopping: an acknowledged request counts below; anything else is left for the next start.
      if (status >= 200 && status < 300) {
        this.m.samplesTotal.inc(this.labels, batch.length - hist);
        if (hist > 0) this.m.histogramsTotal.inc(this.labels, hist);
        this.m.bytesTotal.inc(this.labels, body.length);
        this.m.queueHighestSent.set(this.labels, Math.max(highest / 1000, (this.lastSent ?? 0)));
        this.lastSent = Math.max(highest / 1000, this.lastSent ?? 0);
        return true;
      }
      const recoverable = status === 0 || status >= 500 || (status === 429 && q.retry_on_http_429);
      if (recoverable && signal.aborted) return false;
      if (!recoverable) {
        this.m.samplesFailed.inc(this.labels, batch.length - hist);
        if (hist > 0) this.m.histogramsFailed.inc(this.labels, hist);
        this.deps.logger?.error({ remote_name: this.name, status, err: errText }, 'non-recoverable error sending remote write batch; dropped');
        return true;
      }
      this.m.samplesRetried.inc(this.labels, batch.length - hist);
      if (hist > 0) this.m.histogramsRetried.inc(this.labels, hist);
      this.deps.logger?.warn({ remote_name: this.name, status, err: errText, backoff }, 'failed to send batch, retrying');
      await sleep(Math.min(q.max_backoff, Math.max(backoff, retryAfter)), signal);
      backoff = Math.min(q.max_backoff, backoff * 2);
    }
    return false;
  }
  private lastSent: number | undefined;

  private get v2(): boolean {
    return this.deps.config.protobuf_message === 'io.prometheus.write.v2.Request';
  }
}
