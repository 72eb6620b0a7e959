import type { Worker } from 'node:worker_threads';
import { Counter, Gauge, type Registry } from 'prom-client';
import { startModuleWorker } from '../../../lib/module-worker.js';
import { DEFAULT_INGEST_SLICE_MS, QUERY_LANE, TimeSlicer } from '../../../lib/time-slice.js';
import type { Querier, Queryable } from '../../storage-api/index.js';
import { PromqlError, type QueryResult } from '../types.js';
import type { FromWorker, RunMessage, StorageCall, StorageReply, ToWorker } from './protocol.js';
import { errorFromWire, errorToWire, matchersFromWire, resultFromWire, selectionToWire } from './wire.js';

/** How long a worker may take to stop a canceled query at its next yield before it is terminated. */
export const DEFAULT_CANCEL_GRACE_MS = 1000;

export interface QueryPoolOptions {
  /** Worker threads (at least 1); they are started when the first queries need them. */
  workers: number;
  /** See `DEFAULT_CANCEL_GRACE_MS`. */
  cancelGraceMs?: number;
  /** Heap limit of each worker (MB): a query that exceeds it ends its worker, not the process. */
  maxWorkerHeapMb?: number;
  /** Told when a worker is terminated or dies (for the log). */
  onWorkerExit?: (reason: string) => void;
  /** Where the pool's self-metrics go (`sightline_promql_worker_*`). */
  registry?: Registry;
}

/** How a query ended in its worker, as the worker reported it ('lost': its worker was ended or died). */
type Outcome = 'ok' | 'error' | 'canceled' | 'timeout' | 'lost';

function poolMetrics(registry: Registry, pool: QueryPool) {
  const fresh = (name: string) => {
    // A pool recreated in the same process (a restarted component in tests) takes its metrics over.
    if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
    return name;
  };
  new Gauge({ name: fresh('sightline_promql_workers'), help: 'PromQL query worker threads running.', registers: [registry], collect() { this.set(pool.workers); } });
  new Gauge({ name: fresh('sightline_promql_worker_queries'), help: 'Queries being evaluated in PromQL query workers.', registers: [registry], collect() { this.set(pool.running); } });
  return {
    queries: new Counter({ name: fresh('sightline_promql_worker_queries_total'), help: 'Queries evaluated in PromQL query workers, by how they ended.', labelNames: ['outcome'], registers: [registry] }),
    exits: new Counter({ name: fresh('sightline_promql_worker_exits_total'), help: 'PromQL query workers ended (a canceled query that did not stop in time, or a crash).', registers: [registry] }),
  };
}

export type PoolQuery = Omit<RunMessage, 'type' | 'id'>;

interface Task {
  id: number;
  msg: RunMessage;
  storage: Queryable;
  /** The storage queriers opened for this query (by range), closed once it is settled and no call reads them. */
  queriers: Map<string, Promise<Querier>>;
  /** Storage calls being answered now. */
  inflight: number;
  settled: boolean;
  resolve: (r: QueryResult) => void;
  reject: (e: unknown) => void;
  /** Set once the query is canceled (its reason); the worker then has `cancelGraceMs` to answer. */
  canceled?: 'timeout' | 'canceled';
  attempts: number;
  slot?: Slot;
}

interface Slot {
  worker: Worker;
  tasks: Map<number, Task>;
  /** Set when the pool terminated the worker itself (a query did not stop in time). */
  terminating?: string;
  /** Set when the worker ended because its heap passed `maxWorkerHeapMb`. */
  outOfMemory?: boolean;
}

/** Close a settled query's queriers once no storage call is reading them. */
function closeQueriers(task: Task): void {
  if (!task.settled || task.inflight > 0) return;
  for (const p of task.queriers.values()) p.then((x) => x.close()).catch(() => {});
  task.queriers.clear();
}

/** What a query that ended its worker by passing the heap limit answers: an execution error (422), as the samples limit. */
export function outOfMemoryError(heapMb: number | undefined): PromqlError {
  return new PromqlError('execution', `query processing would use more memory than a query worker may hold (heap limit ${heapMb ?? 'default'} MiB); the worker was replaced`);
}

function abortError(reason: 'timeout' | 'canceled'): PromqlError {
  return reason === 'timeout' ? new PromqlError('timeout', 'query timed out in expression evaluation') : new PromqlError('canceled', 'query was canceled in expression evaluation');
}

/**
 * PromQL evaluation on `worker_threads`, so that no query (a pathological regex, a huge aggregation, a query that
 * ignores its deadline) can hold the event loop that ingest and every listener share. The storage stays here:
 * workers ask for the series of each selector and get their samples in one message (columns transferred, not
 * copied), read in time slices on the query lane. A canceled query (its timeout, its client gone) is aborted in its
 * worker at the next yield; a worker that does not stop it within the grace time is terminated and replaced, and
 * the other queries it ran are started again on another worker (they only read).
 */
export class QueryPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  readonly size: number;
  private readonly graceMs: number;
  private readonly metrics: ReturnType<typeof poolMetrics> | undefined;

  constructor(private readonly opts: QueryPoolOptions) {
    this.size = Math.max(1, Math.floor(opts.workers));
    this.graceMs = opts.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
    this.metrics = opts.registry ? poolMetrics(opts.registry, this) : undefined;
  }

  private count(outcome: Outcome): void {
    this.metrics?.queries.inc({ outcome });
  }

  /** Workers running now. */
  get workers(): number {
    return this.slots.length;
  }

  /** Queries running in workers now. */
  get running(): number {
    let n = 0;
    for (const s of this.slots) n += s.tasks.size;
    return n;
  }

  /**
   * Evaluate a query in a worker over `storage`. It is canceled when `signal` aborts (reason 'timeout' or anything
   * else for 'canceled') and, whatever the engine does, at its timeout.
   */
  run(storage: Queryable, q: PoolQuery, signal?: AbortSignal): Promise<QueryResult> {
    if (this.closed) return Promise.reject(new PromqlError('internal', 'the query pool is closed'));
    if (signal?.aborted) return Promise.reject(abortError(signal.reason === 'timeout' ? 'timeout' : 'canceled'));
    const id = this.nextId++;
    return new Promise<QueryResult>((resolve, reject) => {
      const timeoutMs = q.timeoutMs ?? q.engine.timeoutMs ?? 120_000;
      // The engine stops itself at its deadline; this is the backstop for one that cannot.
      const timer = setTimeout(() => this.cancel(task, 'timeout'), timeoutMs + this.graceMs);
      const onAbort = () => this.cancel(task, signal!.reason === 'timeout' ? 'timeout' : 'canceled');
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        task.settled = true;
        closeQueriers(task);
      };
      const task: Task = {
        id,
        msg: { type: 'run', id, ...q },
        storage,
        queriers: new Map(),
        inflight: 0,
        settled: false,
        attempts: 0,
        resolve: (r) => {
          settle();
          resolve(r);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.dispatch(task);
    });
  }

  /** Start a worker now (it loads the engine's modules), so that the first query does not wait for it. */
  warm(): void {
    if (!this.closed && this.slots.length === 0) this.spawn();
  }

  /** Terminate every worker; running queries fail. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const s of slots) {
      s.terminating = 'the query pool is closing';
      for (const t of s.tasks.values()) t.reject(new PromqlError('internal', 'the query pool is closing'));
      s.tasks.clear();
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private dispatch(task: Task): void {
    task.attempts++;
    let slot: Slot | undefined;
    for (const s of this.slots) if (!s.terminating && (!slot || s.tasks.size < slot.tasks.size)) slot = s;
    if (!slot || (slot.tasks.size > 0 && this.slots.length < this.size)) slot = this.spawn();
    slot.tasks.set(task.id, task);
    task.slot = slot;
    // A worker with queries keeps the process alive until they are answered; an idle one does not.
    slot.worker.ref();
    this.post(slot, task.msg);
  }

  private post(slot: Slot, msg: ToWorker, transfer: ArrayBuffer[] = []): void {
    slot.worker.postMessage(msg, transfer);
  }

  private spawn(): Slot {
    const resourceLimits = this.opts.maxWorkerHeapMb ? { maxOldGenerationSizeMb: this.opts.maxWorkerHeapMb } : undefined;
    const worker = startModuleWorker(new URL('./worker.js', import.meta.url), import.meta.url, { resourceLimits, name: 'promql' });
    const slot: Slot = { worker, tasks: new Map() };
    this.slots.push(slot);
    worker.unref();
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (e) => {
      if ((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') slot.outOfMemory = true;
      this.onExit(slot, `query worker failed: ${e.message}`);
    });
    worker.on('exit', (code) => this.onExit(slot, `query worker exited with code ${code}`));
    return slot;
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    const task = slot.tasks.get(m.id);
    if (!task) return;
    if (m.type === 'storage') {
      void this.storageCall(slot, task, m);
      return;
    }
    slot.tasks.delete(m.id);
    if (slot.tasks.size === 0) slot.worker.unref();
    this.count(!m.error ? 'ok' : m.error.errType === 'timeout' || m.error.errType === 'canceled' ? m.error.errType : 'error');
    if (m.error) task.reject(task.canceled && m.error.errType !== 'timeout' && m.error.errType !== 'canceled' ? abortError(task.canceled) : errorFromWire(m.error));
    else task.resolve(resultFromWire(m.result!));
  }

  private cancel(task: Task, reason: 'timeout' | 'canceled'): void {
    const slot = task.slot;
    if (task.canceled || !slot || !slot.tasks.has(task.id)) return;
    task.canceled = reason;
    this.post(slot, { type: 'cancel', id: task.id, reason });
    setTimeout(() => {
      if (slot.tasks.get(task.id) !== task || slot.terminating) return;
      // The worker did not get to its next yield in time: end it (and start its other queries elsewhere).
      slot.terminating = `a canceled query did not stop within ${this.graceMs} ms`;
      void slot.worker.terminate();
    }, this.graceMs).unref();
  }

  private onExit(slot: Slot, why: string): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    const reason = slot.terminating ?? why;
    this.opts.onWorkerExit?.(reason);
    this.metrics?.exits.inc();
    const tasks = [...slot.tasks.values()];
    slot.tasks.clear();
    void slot.worker.terminate();
    for (const t of tasks) {
      this.count('lost');
      if (t.canceled) t.reject(abortError(t.canceled));
      // Out of memory: a query alone in its worker did it, so it is not started again; of several, each gets one
      // more try (the one that did it runs out again).
      else if (slot.outOfMemory && (tasks.length === 1 || t.attempts >= 2)) t.reject(outOfMemoryError(this.opts.maxWorkerHeapMb));
      else if (this.closed || t.attempts >= 2) t.reject(new PromqlError('internal', reason));
      else this.dispatch(t);
    }
  }

  /** Answer a worker's storage call from the main thread's storage; samples are read in slices of the query lane. */
  private async storageCall(slot: Slot, task: Task, m: StorageCall): Promise<void> {
    const reply: StorageReply = { type: 'storage', id: m.id, call: m.call };
    const transfer: ArrayBuffer[] = [];
    task.inflight++;
    // Stop reading once the query is canceled, settled, or its worker is gone.
    const gone = () => task.canceled !== undefined || task.settled || slot.tasks.get(task.id) !== task;
    try {
      const key = `${m.mint}:${m.maxt}`;
      let qp = task.queriers.get(key);
      if (!qp) task.queriers.set(key, (qp = task.storage.querier(m.mint, m.maxt)));
      const querier = await qp;
      const matchers = matchersFromWire(m.matchers);
      if (m.op === 'select') {
        const series = await querier.select(matchers, m.hints, m.sorted);
        if (gone()) throw abortError(task.canceled ?? 'canceled');
        const slicer = new TimeSlicer(DEFAULT_INGEST_SLICE_MS, 1, QUERY_LANE);
        const sel = await selectionToWire(series, m.hints.start, m.hints.end, async (i) => {
          if ((i & 63) !== 63 || !slicer.due()) return;
          await slicer.yieldNow();
          if (gone()) throw abortError(task.canceled ?? 'canceled');
        });
        reply.selection = sel;
        transfer.push(sel.t.buffer as ArrayBuffer, sel.v.buffer as ArrayBuffer, sel.offsets.buffer as ArrayBuffer);
      } else if (m.op === 'labelNames') {
        reply.strings = await querier.labelNames(matchers, m.limit);
      } else {
        reply.strings = await querier.labelValues(m.name, matchers, m.limit);
      }
    } catch (e) {
      reply.error = errorToWire(e);
      transfer.length = 0;
    } finally {
      task.inflight--;
      closeQueriers(task);
    }
    if (slot.tasks.get(task.id) !== task) return;
    this.post(slot, reply, transfer);
  }
}
