import { join } from 'node:path';
import * as z from 'zod';
import { countItems, encodeExportRequest, decodeExportRequest } from '../../otlp/index.js';
import type { BuildEnv } from '../components.js';
import { goDurationMs } from '../config/go-duration.js';
import { permanentError, retryableError, type ClientContext, type Consumer, type ExportRequest, type Lifecycle } from '../pipeline/consumer.js';
import { MemoryQueue, type BoundedQueue, type QueueItem } from '../queue/bounded-queue.js';
import { PersistentQueue } from '../queue/persistent-queue.js';
import { ITEM_NAME } from '../telemetry/collector-metrics.js';
import { ExportError } from './export-error.js';

/** `sending_queue`, `retry_on_failure` and `timeout`: the exporter helper settings every exporter shares. */
export const exporterHelperShape = {
  timeout: goDurationMs.default(5000),
  sending_queue: z
    .strictObject({
      enabled: z.boolean().default(true),
      num_consumers: z.number().int().positive().default(10),
      queue_size: z.number().int().positive().default(1000),
      /** A storage extension id (`file_storage`, `file_storage/queue`): the queue is persisted there. */
      storage: z.string().optional(),
      blocking: z.boolean().default(false),
      sizer: z.enum(['requests']).default('requests'),
    })
    .prefault({}),
  retry_on_failure: z
    .strictObject({
      enabled: z.boolean().default(true),
      initial_interval: goDurationMs.default(5000),
      randomization_factor: z.number().min(0).max(1).default(0.5),
      multiplier: z.number().min(1).default(1.5),
      max_interval: goDurationMs.default(30_000),
      /** 0: retry forever. */
      max_elapsed_time: goDurationMs.default(300_000),
    })
    .prefault({}),
};

export type ExporterHelperConfig = z.output<z.ZodObject<typeof exporterHelperShape>>;

/** Send one request to the backend; throw `ExportError` (permanent or retryable) on failure. */
export type SendFn = (item: QueueItem & { data: ExportRequest } | QueueItem, signal: AbortSignal) => Promise<void>;

/** The decoded request of a queue item (decoding the persisted bytes when needed). */
export function itemData(item: QueueItem): ExportRequest {
  return item.data ?? decodeExportRequest(item.signal, item.bytes!);
}

/** The encoded request of a queue item (encoding when needed). */
export function itemBytes(item: QueueItem): Uint8Array {
  return item.bytes ?? encodeExportRequest(item.data!);
}

/**
 * The Collector's exporter helper around a backend's `send`: a bounded sending queue (in memory, or persisted in a
 * `file_storage` extension's directory: write-ahead, so nothing acknowledged is lost on `kill -9`) drained by
 * `num_consumers` senders, each retrying failures with exponential back-off until `max_elapsed_time`. Permanent
 * errors and exhausted retries are dropped and counted (`otelcol_exporter_send_failed_*`); a full queue refuses
 * new data with a retryable error (`otelcol_exporter_enqueue_failed_*`). Without a queue, the caller waits for the
 * send (and its retries).
 */
export class QueuedExporter implements Consumer, Lifecycle {
  readonly mutates = false;
  private readonly queues = new Map<string, BoundedQueue>();
  private readonly workers: Promise<void>[] = [];
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(
    private readonly id: string,
    private readonly cfg: ExporterHelperConfig,
    private readonly send: SendFn,
    private readonly env: BuildEnv,
  ) {}

  private queueFor(signal: ExportRequest['signal']): BoundedQueue | undefined {
    const q = this.cfg.sending_queue;
    if (!q.enabled) return undefined;
    let queue = this.queues.get(signal);
    if (queue) return queue;
    if (q.storage) {
      const storage = this.env.storage(q.storage);
      if (!storage) throw new Error(`exporter ${this.id}: sending_queue.storage ${JSON.stringify(q.storage)} is not a configured storage extension`);
      const pq = new PersistentQueue({ dir: storage.directoryFor('exporter', this.id, signal), capacity: q.queue_size, fsyncIntervalMs: storage.fsyncIntervalMs });
      if (pq.recovered > 0) this.env.logger.info({ exporter: this.id, signal, requests: pq.recovered }, 'persistent queue recovered unsent requests');
      queue = pq;
    } else queue = new MemoryQueue(q.queue_size);
    this.queues.set(signal, queue);
    this.env.telemetry.queueCapacity.set({ exporter: this.id, data_type: signal }, q.queue_size);
    for (let i = 0; i < q.num_consumers; i++) this.workers.push(this.drain(queue, signal));
    return queue;
  }

  /** Open the persistent queues of every signal now, so requests left by a previous run are sent at start. */
  async start(): Promise<void> {
    if (this.cfg.sending_queue.enabled && this.cfg.sending_queue.storage) {
      for (const signal of ['traces', 'metrics', 'logs'] as const) {
        const storage = this.env.storage(this.cfg.sending_queue.storage);
        if (!storage) throw new Error(`exporter ${this.id}: sending_queue.storage ${JSON.stringify(this.cfg.sending_queue.storage)} is not a configured storage extension`);
        if (this.signals.has(signal)) this.queueFor(signal);
      }
    }
  }

  /** The signals this exporter serves (set by the service before start). */
  readonly signals = new Set<ExportRequest['signal']>();

  async consume(data: ExportRequest, _client: ClientContext): Promise<void> {
    const count = countItems(data);
    if (count === 0) return;
    const queue = this.queueFor(data.signal);
    const labels = { exporter: this.id };
    if (!queue) {
      await this.sendWithRetry({ signal: data.signal, count, data });
      return;
    }
    const item: QueueItem = this.cfg.sending_queue.storage ? { signal: data.signal, count, bytes: encodeExportRequest(data) } : { signal: data.signal, count, data };
    if (!(await queue.offer(item))) {
      this.env.telemetry.exporterEnqueueFailed[data.signal].inc(labels, count);
      throw retryableError(`sending queue is full (${queue.capacity} requests) for exporter ${this.id}`);
    }
    this.env.telemetry.queueSize.set({ exporter: this.id, data_type: data.signal }, queue.size);
  }

  private async drain(queue: BoundedQueue, signal: ExportRequest['signal']): Promise<void> {
    for (;;) {
      const e = await queue.poll();
      if (!e) return;
      try {
        await this.sendWithRetry(e.item);
      } catch {
        // Dropped and counted in sendWithRetry; unless we are stopping, in which case it stays queued (persistent).
        if (this.stopped) return;
      }
      queue.done(e.id);
      this.env.telemetry.queueSize.set({ exporter: this.id, data_type: signal }, queue.size);
    }
  }

  private async sendWithRetry(item: QueueItem): Promise<void> {
    const r = this.cfg.retry_on_failure;
    const labels = { exporter: this.id };
    const started = Date.now();
    let interval = r.initial_interval;
    for (;;) {
      if (this.stopped) throw retryableError(`exporter ${this.id} is shutting down`);
      let err: ExportError;
      try {
        const timeout = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.cfg.timeout > 0 ? this.cfg.timeout : 2 ** 31 - 1)]);
        await this.send(item, timeout);
        this.env.telemetry.exporterSent[item.signal].inc(labels, item.count);
        return;
      } catch (e) {
        err = e instanceof ExportError ? e : new ExportError((e as Error).message, false);
      }
      if (this.stopped) throw retryableError(`exporter ${this.id} is shutting down`);
      const drop = (why: string) => {
        this.env.telemetry.exporterSendFailed[item.signal].inc(labels, item.count);
        this.env.logger.warn({ exporter: this.id, dropped_items: item.count, error: err.message }, `Exporting failed. ${why}`);
        return err.permanent ? permanentError(err.message) : retryableError(err.message);
      };
      if (err.permanent) throw drop('The error is not retryable. Dropping data.');
      if (!r.enabled) throw drop('Retries are disabled. Dropping data.');
      const jitter = 1 + r.randomization_factor * (2 * Math.random() - 1);
      let backoff = Math.min(interval * jitter, r.max_interval);
      if (err.retryAfterMs !== undefined) backoff = Math.max(backoff, err.retryAfterMs);
      if (r.max_elapsed_time > 0 && Date.now() - started + backoff > r.max_elapsed_time) throw drop(`No more retries left (max_elapsed_time ${r.max_elapsed_time}ms). Dropping data.`);
      this.env.logger.info({ exporter: this.id, error: err.message, interval_ms: Math.round(backoff) }, 'Exporting failed. Will retry the request after interval.');
      await sleep(backoff, this.abort.signal);
      interval = Math.min(interval * r.multiplier, r.max_interval);
    }
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    for (const q of this.queues.values()) q.close();
    await Promise.allSettled(this.workers);
    for (const q of this.queues.values()) q.release();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((res) => {
    if (signal.aborted) return res();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      res();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The directory a `file_storage` extension gives a client (as the Collector names it: kind, id, signal). */
export function storageClientDir(root: string, kind: string, componentId: string, signal: string): string {
  return join(root, `${kind}_${componentId.replace(/\//g, '_')}_${signal}`);
}

export { ITEM_NAME };
