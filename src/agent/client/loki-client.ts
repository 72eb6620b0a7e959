import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { AgentMetrics } from '../agent-metrics.js';
import type { PromtailClientConfig } from '../config/promtail-schema.js';
import type { LogEntry, RawEntry, Ticket } from '../entry.js';
import { BufferPool } from './buffer-pool.js';
import { HttpPoster } from './http-post.js';
import { BatchBuffer, labelsString } from './push-encoder.js';
import { maxCompressedLength, snappyCompress } from '../../lib/snappy-compress.js';

/** Promtail's reserved label: the tenant stage sets it, the client sends the entry as that tenant. */
export const TENANT_LABEL = '__tenant_id__';

const USER_AGENT = 'promtail/sightline';

interface Batch {
  tenant: string;
  /** The entries, encoded. */
  buf: BatchBuffer;
  /** The entries' tickets, run-length: `tickets[i]` is held `counts[i]` times. */
  tickets: Ticket[];
  counts: number[];
  bytes: number;
  entries: number;
  createdAt: number;
}

/**
 * A Loki push client as Promtail's: entries are grouped per tenant into batches of up to `batchsize` bytes (line
 * bytes) or `batchwait` age, sent one at a time as snappy-compressed protobuf. 429, 5xx and network errors are
 * retried with exponential backoff (`backoff_config`) up to `max_retries`; other 4xx answers are final. An entry's
 * ticket is released once its batch was acknowledged (2xx) or given up on (counted in
 * `promtail_dropped_entries_total`) — never before, so positions cover only entries Loki has.
 */
export class LokiClient {
  private readonly open = new Map<string, Batch>();
  private readonly queue: Batch[] = [];
  private readonly keyCache = new WeakMap<Record<string, string>, string>();
  private backlog = 0;
  private sending: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private abort = new AbortController();
  private readonly host: string;
  private readonly headers: Record<string, string>;
  private readonly externalLabels: Record<string, string>;
  /** Batch buffers for reuse: the stream buffers of the batches a client holds, and one encoded request. */
  private readonly pool: BufferPool;
  /** Encoded size of the last batch: the next batch's buffer starts that large. */
  private lastBatchBytes = 64 * 1024;
  private readonly poster: HttpPoster;

  constructor(
    private readonly cfg: PromtailClientConfig,
    private readonly metrics: AgentMetrics,
    private readonly logger: Logger,
    /** Called after a batch's entries were released (acknowledged or given up), before the next batch is sent. */
    private readonly onSettled?: () => void,
  ) {
    this.host = new URL(cfg.url).host;
    this.poster = new HttpPoster(cfg.follow_redirects);
    // Enough for the buffers of the batches the agent's backlog allows (four, and what readers add beyond it) plus
    // the encoded request, so batches do not allocate (external memory that the garbage collector reclaims only by
    // full collections).
    this.pool = new BufferPool(Math.max(4 * 1024 * 1024, 10 * cfg.batchsize));
    this.externalLabels = cfg.external_labels;
    this.headers = { 'content-type': 'application/x-protobuf', 'user-agent': USER_AGENT, ...cfg.headers };
    const ba = cfg.basic_auth;
    if (ba) {
      const pw = ba.password ?? (ba.password_file ? readFileSync(ba.password_file, 'utf8').trim() : '');
      this.headers.authorization = `Basic ${Buffer.from(`${ba.username}:${pw}`).toString('base64')}`;
    }
    const bearer = cfg.bearer_token ?? (cfg.bearer_token_file ? readFileSync(cfg.bearer_token_file, 'utf8').trim() : undefined);
    if (bearer !== undefined) this.headers.authorization = `Bearer ${bearer}`;
    if (cfg.authorization) {
      const cred = cfg.authorization.credentials ?? (cfg.authorization.credentials_file ? readFileSync(cfg.authorization.credentials_file, 'utf8').trim() : '');
      this.headers.authorization = `${cfg.authorization.type} ${cred}`;
    }
  }

  get name(): string {
    return this.cfg.name ?? this.cfg.url;
  }

  /** Bytes of lines accepted but not yet acknowledged. */
  get backlogBytes(): number {
    return this.backlog;
  }

  /** Nothing batched and nothing queued behind the batch in flight (if any). */
  get idle(): boolean {
    return this.open.size === 0 && this.queue.length === 0;
  }

  /** With nothing batched and nothing being sent, drop the batch buffers kept for reuse (see `BufferPool`). */
  releaseIdleBuffers(): void {
    if (this.idle && this.sending === undefined) this.pool.clear();
  }

  /** Take an entry (the caller already holds a ticket reference for this client). */
  handle(e: LogEntry): void {
    this.streamFor(e.labels, e.line.length, e.ticket).append(e);
  }

  /** Take an entry whose line is still bytes (copied into the batch now; the caller holds a ticket reference). */
  handleRaw(e: RawEntry): void {
    this.streamFor(e.labels, e.end - e.start, e.ticket).appendBytes(e.tsMs, e.tsNs, e.buf, e.start, e.end);
  }

  /**
   * The stream of the open batch (of the labels' tenant) that takes an entry of `size` bytes with this ticket: a
   * full batch is queued first. Entries are encoded at once: a batch keeps bytes and tickets, not entries.
   */
  private streamFor(labels: Record<string, string>, size: number, tk: Ticket | undefined): BatchBuffer {
    let key = this.keyCache.get(labels);
    let tenant = this.cfg.tenant_id;
    const t = labels[TENANT_LABEL];
    if (t !== undefined && t !== '') tenant = t;
    if (key === undefined) {
      const merged: Record<string, string> = { ...this.externalLabels };
      for (const [k, v] of Object.entries(labels)) if (!k.startsWith('__')) merged[k] = v;
      key = labelsString(merged);
      this.keyCache.set(labels, key);
    }
    let b = this.open.get(tenant);
    if (b && b.bytes > 0 && b.bytes + size > this.cfg.batchsize) {
      this.enqueue(b);
      b = undefined;
    }
    if (!b) {
      b = { tenant, buf: new BatchBuffer(this.pool, this.lastBatchBytes + (this.lastBatchBytes >> 3)), tickets: [], counts: [], bytes: 0, entries: 0, createdAt: Date.now() };
      this.open.set(tenant, b);
      this.arm();
    }
    b.buf.stream(key);
    if (tk) {
      const last = b.tickets.length - 1;
      if (last >= 0 && b.tickets[last] === tk) b.counts[last]++;
      else {
        b.tickets.push(tk);
        b.counts.push(1);
      }
    }
    b.bytes += size;
    b.entries++;
    this.backlog += size;
    return b.buf;
  }

  private arm(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = Date.now();
      for (const b of [...this.open.values()]) if (now - b.createdAt >= this.cfg.batchwait) this.enqueue(b);
      if (this.open.size > 0) this.arm();
    }, Math.max(1, Math.min(this.cfg.batchwait, 100)));
  }

  private enqueue(b: Batch): void {
    if (this.open.get(b.tenant) === b) this.open.delete(b.tenant);
    this.queue.push(b);
    this.kick();
  }

  private kick(): void {
    this.sending ??= this.drain().finally(() => {
      this.sending = undefined;
      if (this.queue.length > 0 && !this.abort.signal.aborted) this.kick();
    });
  }

  /** Send queued batches one after another. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const b = this.queue.shift()!;
      await this.sendWithRetries(b);
      this.backlog -= b.bytes;
      this.onSettled?.();
    }
  }

  private async sendWithRetries(b: Batch): Promise<void> {
    const raw = b.buf.encode();
    this.lastBatchBytes = b.buf.bytes;
    // From here the batch is one compressed body: its buffer and the uncompressed request go back to the pool (a
    // batch is never held twice while it waits for Loki).
    b.buf.recycle();
    // Compressed in TypeScript, not by the native snappy addon (~5 MB resident once loaded: src/lib/snappy-compress.ts),
    // through a pooled buffer of the worst-case size into a body of its own size.
    const room = this.pool.acquire(maxCompressedLength(raw.length));
    const body = snappyCompress(raw, room);
    this.pool.release(room);
    this.pool.release(Buffer.from(raw.buffer, raw.byteOffset, raw.buffer.byteLength - raw.byteOffset));
    this.metrics.encodedBytes.inc({ host: this.host }, body.length);
    const { min_period, max_period, max_retries } = this.cfg.backoff_config;
    let delay = min_period;
    let reason = 'ingester_error';
    for (let attempt = 0; attempt < Math.max(1, max_retries); attempt++) {
      if (this.abort.signal.aborted) return; // not acknowledged: the positions stay behind these entries
      const started = performance.now();
      let status = 0;
      let text: string;
      try {
        const headers = b.tenant !== '' ? { ...this.headers, 'x-scope-orgid': b.tenant } : this.headers;
        ({ status, text } = await this.poster.post(this.cfg.url, headers, body, this.cfg.timeout, this.abort.signal));
      } catch (e) {
        if (this.abort.signal.aborted) return;
        text = (e as Error).message;
      }
      this.metrics.requestDuration.observe({ status_code: String(status), host: this.host }, (performance.now() - started) / 1000);
      if (status >= 200 && status < 300) {
        this.metrics.sentEntries.inc({ host: this.host }, b.entries);
        this.metrics.sentBytes.inc({ host: this.host }, b.bytes);
        this.release(b);
        return;
      }
      const retryable = status === 0 || status === 429 || status >= 500;
      if (status === 429) reason = 'rate_limited';
      if (!retryable || (status === 429 && this.cfg.drop_rate_limited_batches)) {
        this.logger.error({ status, error: text, host: this.host }, 'final error sending batch');
        break;
      }
      this.logger.warn({ status, error: text, host: this.host, attempt: attempt + 1 }, 'error sending batch, will retry');
      if (attempt + 1 >= Math.max(1, max_retries)) break;
      this.metrics.batchRetries.inc({ host: this.host, tenant: b.tenant });
      await this.pause(delay * (0.5 + Math.random() * 0.5) + delay * 0.5);
      delay = Math.min(max_period, delay * 2);
    }
    if (this.abort.signal.aborted) return;
    this.metrics.droppedEntries.inc({ host: this.host, reason, tenant: b.tenant }, b.entries);
    this.metrics.droppedBytes.inc({ host: this.host, reason, tenant: b.tenant }, b.bytes);
    this.release(b);
  }

  private release(b: Batch): void {
    for (let i = 0; i < b.tickets.length; i++) for (let n = b.counts[i]; n > 0; n--) b.tickets[i].release();
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.abort.signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      }, { once: true });
    });
  }

  /** Send what is batched, waiting up to `deadlineMs`; whatever is not acknowledged by then stays unacknowledged. */
  async stop(deadlineMs = 5000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const b of [...this.open.values()]) this.enqueue(b);
    const done = (async () => {
      while (this.sending) await this.sending;
    })();
    let t: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((r) => (t = setTimeout(r, deadlineMs)))]);
    clearTimeout(t);
    this.abort.abort();
    await done;
    this.poster.close();
  }
}
