import type { Worker } from 'node:worker_threads';
import { Counter, Gauge, type Registry } from 'prom-client';
import { startModuleWorker } from '../module-worker.js';
import type { AbortReason, CallMessage, FromWorker, ToWorker, WireError } from './protocol.js';

/** How long a worker may take to stop a canceled task at its next yield before it is terminated. */
export const DEFAULT_CANCEL_GRACE_MS = 1000;

/**
 * How long a worker may stay without tasks before it ends: a started worker holds its own V8 heap (~20 MB and what
 * its caches learned) for as long as it lives, so a process queried once does not keep that memory for good. A busy
 * process (dashboards, rule groups) keeps its workers; the next task after a retirement waits for a worker's start.
 */
export const DEFAULT_IDLE_RETIRE_MS = 10 * 60_000;

/** What the pool knows of the language its workers evaluate. */
export interface WorkerPoolSpec<Res, WireRes> {
  /** The worker module (`new URL('./worker.js', import.meta.url)`) and the URL of the module naming it. */
  entry: URL;
  callerUrl: string;
  /** The workers' thread name, and the self-metrics' prefix: `sightline_<name>_workers` and so on. */
  name: string;
  /** The language, as the self-metrics' help text names it ("PromQL"). */
  language: string;
  /** The error a canceled task fails with. */
  abortError(reason: AbortReason): Error;
  /** The error of a task the pool could not run (closed pool, lost worker). */
  internalError(message: string): Error;
  /** The error of a task that ended its worker by passing the heap limit (default: `internalError`). */
  outOfMemoryError?(heapMb: number | undefined): Error;
  errorFromWire(w: WireError): Error;
  errorToWire(e: unknown): WireError;
  resultFromWire(w: WireRes): Res;
  /**
   * Finish a call's answer for `worker` right before it is posted (posts to one worker are delivered in order, so
   * state shared with that worker — what it already holds — can be kept in step here); returns more buffers to
   * transfer. The worker side sees every answer in the same order (`ServeTasksOptions.onReply`).
   */
  encodeReply?(body: unknown, worker: Worker): ArrayBuffer[] | undefined;
}

export interface WorkerPoolOptions {
  /** Worker threads (at least 1); they are started when the first tasks need them. */
  workers: number;
  /** See `DEFAULT_CANCEL_GRACE_MS`. */
  cancelGraceMs?: number;
  /** Heap limit of each worker (MB): a task that exceeds it ends its worker, not the process. */
  maxWorkerHeapMb?: number;
  /** Told when a worker is terminated or dies (for the log); not when it is retired idle. */
  onWorkerExit?: (reason: string) => void;
  /** A worker without tasks for this long ends, giving its heap back (started again by the next task); 0: never. See `DEFAULT_IDLE_RETIRE_MS`. */
  idleRetireMs?: number;
  /** Where the pool's self-metrics go (`sightline_<name>_worker_*`). */
  registry?: Registry;
}

/** The main thread's side of one task: it answers the worker's calls and releases what they opened. */
export interface TaskHost<Call, Reply> {
  /**
   * Answer one call of the task's worker. `check` throws the task's abort error once the task is canceled,
   * settled or its worker gone: call it between slices of a long answer.
   */
  serve(call: Call, check: () => void): Promise<{ body: Reply; transfer?: ArrayBuffer[] }>;
  /** Once the task is settled and no call is being answered. */
  release?(): void;
}

export interface RunOptions {
  /** Cancels the task (reason 'timeout', or anything else for 'canceled'). */
  signal?: AbortSignal;
  /** The task's deadline: the worker stops itself there; the pool cancels it `cancelGraceMs` later regardless. */
  timeoutMs: number;
  /**
   * Buffers of the request to transfer, not copy. They are gone from this thread once posted, so a task that
   * loses its worker is not started again: it fails.
   */
  transfer?: ArrayBuffer[];
}

/** How a task ended in its worker, as the worker reported it ('lost': its worker was ended or died). */
type Outcome = 'ok' | 'error' | AbortReason | 'lost';

interface Task<Req, Res> {
  id: number;
  req: Req;
  host: TaskHost<unknown, unknown>;
  /** Calls being answered now. */
  inflight: number;
  settled: boolean;
  released: boolean;
  resolve: (r: Res) => void;
  reject: (e: unknown) => void;
  /** Set once the task is canceled (its reason); the worker then has `cancelGraceMs` to answer. */
  canceled?: AbortReason;
  attempts: number;
  slot?: Slot<Req, Res>;
  /** The task's timeout; the backstop `timer` is armed with it once the task's worker is ready. */
  timeoutMs: number;
  timer?: NodeJS.Timeout;
  transfer?: ArrayBuffer[];
}

interface Slot<Req, Res> {
  worker: Worker;
  tasks: Map<number, Task<Req, Res>>;
  /** Set when the worker has loaded its modules (its first message). */
  ready?: boolean;
  /** Set when the pool terminated the worker itself (a task did not stop in time). */
  terminating?: string;
  /** Set when the worker ended because its heap passed `maxWorkerHeapMb`. */
  outOfMemory?: boolean;
  /** Ends the worker once it stayed without tasks for `idleRetireMs`. */
  idleTimer?: NodeJS.Timeout;
}

function poolMetrics(registry: Registry, name: string, language: string, pool: { workers: number; running: number }) {
  const fresh = (n: string) => {
    // A pool recreated in the same process (a restarted component in tests) takes its metrics over.
    if (registry.getSingleMetric(n)) registry.removeSingleMetric(n);
    return n;
  };
  new Gauge({ name: fresh(`sightline_${name}_workers`), help: `${language} query worker threads running.`, registers: [registry], collect() { this.set(pool.workers); } });
  new Gauge({ name: fresh(`sightline_${name}_worker_queries`), help: `Queries being evaluated in ${language} query workers.`, registers: [registry], collect() { this.set(pool.running); } });
  return {
    queries: new Counter({ name: fresh(`sightline_${name}_worker_queries_total`), help: `Queries evaluated in ${language} query workers, by how they ended.`, labelNames: ['outcome'], registers: [registry] }),
    exits: new Counter({ name: fresh(`sightline_${name}_worker_exits_total`), help: `${language} query workers ended (a canceled query that did not stop in time, or a crash).`, registers: [registry] }),
  };
}

/**
 * Tasks (queries) on `worker_threads`, so that no query — a pathological regex, a huge aggregation, one that ignores
 * its deadline — can hold the event loop that ingest and every listener share. The data stays on the main thread:
 * a task asks for it with calls its `TaskHost` answers. Tasks go to the least busy worker; workers start when tasks
 * need them. A canceled task (its timeout, its client gone) is aborted in its worker at the next yield; a worker
 * that does not stop it within the grace time is terminated and replaced, and the other tasks it ran are started
 * again on another worker (they only read). The language (messages, errors, results) is the `spec`'s.
 */
export class WorkerPool<Req, Res, WireRes = unknown> {
  private readonly slots: Slot<Req, Res>[] = [];
  private nextId = 1;
  private closed = false;
  readonly size: number;
  private readonly graceMs: number;
  private readonly idleRetireMs: number;
  private readonly metrics: ReturnType<typeof poolMetrics> | undefined;

  constructor(
    private readonly spec: WorkerPoolSpec<Res, WireRes>,
    private readonly opts: WorkerPoolOptions,
  ) {
    this.size = Math.max(1, Math.floor(opts.workers));
    this.graceMs = opts.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
    this.idleRetireMs = opts.idleRetireMs ?? DEFAULT_IDLE_RETIRE_MS;
    this.metrics = opts.registry ? poolMetrics(opts.registry, spec.name, spec.language, this) : undefined;
  }

  private count(outcome: Outcome): void {
    this.metrics?.queries.inc({ outcome });
  }

  /** Workers running now. */
  get workers(): number {
    return this.slots.length;
  }

  /** Tasks running in workers now. */
  get running(): number {
    let n = 0;
    for (const s of this.slots) n += s.tasks.size;
    return n;
  }

  /**
   * Run `req` in a worker; `host` answers its calls. Canceled when `signal` aborts and, regardless, after its
   * timeout. A language's pool (a subclass) offers it under its own terms.
   */
  protected submit<Call, Reply>(req: Req, host: TaskHost<Call, Reply>, opts: RunOptions): Promise<Res> {
    const { signal } = opts;
    if (this.closed) return Promise.reject(this.spec.internalError('the query pool is closed'));
    if (signal?.aborted) return Promise.reject(this.spec.abortError(signal.reason === 'timeout' ? 'timeout' : 'canceled'));
    const id = this.nextId++;
    return new Promise<Res>((resolve, reject) => {
      const onAbort = () => this.cancel(task, signal!.reason === 'timeout' ? 'timeout' : 'canceled');
      const settle = () => {
        clearTimeout(task.timer);
        signal?.removeEventListener('abort', onAbort);
        task.settled = true;
        release(task);
      };
      const task: Task<Req, Res> = {
        id,
        req,
        host: host as TaskHost<unknown, unknown>,
        inflight: 0,
        settled: false,
        released: false,
        attempts: 0,
        timeoutMs: opts.timeoutMs,
        transfer: opts.transfer,
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

  /** Terminate every worker; running tasks fail. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const s of slots) {
      clearTimeout(s.idleTimer);
      s.terminating = 'the query pool is closing';
      for (const t of s.tasks.values()) t.reject(this.spec.internalError('the query pool is closing'));
      s.tasks.clear();
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private dispatch(task: Task<Req, Res>): void {
    task.attempts++;
    let slot: Slot<Req, Res> | undefined;
    for (const s of this.slots) if (!s.terminating && (!slot || s.tasks.size < slot.tasks.size)) slot = s;
    if (!slot || (slot.tasks.size > 0 && this.slots.length < this.size)) slot = this.spawn();
    clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    slot.tasks.set(task.id, task);
    task.slot = slot;
    if (slot.ready) this.arm(task);
    // A worker with tasks keeps the process alive until they are answered; an idle one does not.
    slot.worker.ref();
    this.post(slot, { type: 'run', id: task.id, req: task.req }, task.transfer);
  }

  /**
   * The backstop of a task whose worker is ready: the worker stops the task itself at its deadline; this cancels it
   * (and terminates a worker that does not stop) `graceMs` later. Armed once, when the first worker the task was
   * sent to has loaded its modules: a worker's start (hundreds of milliseconds on a loaded machine) is not the
   * task's time.
   */
  private arm(task: Task<Req, Res>): void {
    if (task.timer || task.settled) return;
    task.timer = setTimeout(() => this.cancel(task, 'timeout'), task.timeoutMs + this.graceMs);
  }

  private post(slot: Slot<Req, Res>, msg: ToWorker<Req, unknown>, transfer: ArrayBuffer[] = []): void {
    slot.worker.postMessage(msg, transfer);
  }

  private spawn(): Slot<Req, Res> {
    const resourceLimits = this.opts.maxWorkerHeapMb ? { maxOldGenerationSizeMb: this.opts.maxWorkerHeapMb } : undefined;
    const worker = startModuleWorker(this.spec.entry, this.spec.callerUrl, { resourceLimits, name: this.spec.name });
    const slot: Slot<Req, Res> = { worker, tasks: new Map() };
    this.slots.push(slot);
    worker.unref();
    worker.on('message', (m: FromWorker<unknown, WireRes>) => this.onMessage(slot, m));
    worker.on('error', (e) => {
      if ((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') slot.outOfMemory = true;
      this.onExit(slot, `query worker failed: ${e.message}`);
    });
    worker.on('exit', (code) => this.onExit(slot, `query worker exited with code ${code}`));
    return slot;
  }

  private onMessage(slot: Slot<Req, Res>, m: FromWorker<unknown, WireRes>): void {
    if (m.type === 'ready') {
      slot.ready = true;
      for (const t of slot.tasks.values()) this.arm(t);
      return;
    }
    const task = slot.tasks.get(m.id);
    if (!task) return;
    if (m.type === 'call') {
      void this.serve(slot, task, m);
      return;
    }
    slot.tasks.delete(m.id);
    if (slot.tasks.size === 0) {
      slot.worker.unref();
      if (this.idleRetireMs > 0) {
        slot.idleTimer = setTimeout(() => this.retire(slot), this.idleRetireMs);
        slot.idleTimer.unref();
      }
    }
    const errType = m.error?.errType;
    this.count(!m.error ? 'ok' : errType === 'timeout' || errType === 'canceled' ? errType : 'error');
    if (m.error) task.reject(task.canceled && errType !== 'timeout' && errType !== 'canceled' ? this.spec.abortError(task.canceled) : this.spec.errorFromWire(m.error));
    else task.resolve(this.spec.resultFromWire(m.result!));
  }

  /** End a worker that stayed idle (`idleRetireMs`): out of the pool first, so no task is sent to it meanwhile. */
  private retire(slot: Slot<Req, Res>): void {
    const i = this.slots.indexOf(slot);
    if (i < 0 || slot.tasks.size > 0 || slot.terminating) return;
    this.slots.splice(i, 1);
    slot.terminating = 'idle';
    void slot.worker.terminate();
  }

  private cancel(task: Task<Req, Res>, reason: AbortReason): void {
    const slot = task.slot;
    if (task.canceled || !slot || !slot.tasks.has(task.id)) return;
    task.canceled = reason;
    this.post(slot, { type: 'cancel', id: task.id, reason });
    setTimeout(() => {
      if (slot.tasks.get(task.id) !== task || slot.terminating) return;
      // The worker did not get to its next yield in time: end it (and start its other tasks elsewhere).
      slot.terminating = `a canceled query did not stop within ${this.graceMs} ms`;
      void slot.worker.terminate();
    }, this.graceMs).unref();
  }

  private onExit(slot: Slot<Req, Res>, why: string): void {
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
      if (t.canceled) t.reject(this.spec.abortError(t.canceled));
      // Out of memory: a task alone in its worker did it, so it is not started again; of several, each gets one
      // more try (the one that did it runs out again).
      else if (slot.outOfMemory && (tasks.length === 1 || t.attempts >= 2)) t.reject(this.spec.outOfMemoryError?.(this.opts.maxWorkerHeapMb) ?? this.spec.internalError(reason));
      else if (this.closed || t.attempts >= 2 || t.transfer) t.reject(this.spec.internalError(reason));
      else this.dispatch(t);
    }
  }

  /** Answer a worker's call on the main thread through the task's host. */
  private async serve(slot: Slot<Req, Res>, task: Task<Req, Res>, m: CallMessage<unknown>): Promise<void> {
    let reply: ToWorker<Req, unknown>;
    let transfer: ArrayBuffer[] = [];
    task.inflight++;
    // Stop answering once the task is canceled, settled, or its worker is gone.
    const check = () => {
      if (task.canceled !== undefined || task.settled || slot.tasks.get(task.id) !== task) throw this.spec.abortError(task.canceled ?? 'canceled');
    };
    try {
      const r = await task.host.serve(m.body, check);
      reply = { type: 'reply', id: m.id, call: m.call, body: r.body };
      transfer = r.transfer ?? [];
    } catch (e) {
      reply = { type: 'reply', id: m.id, call: m.call, error: this.spec.errorToWire(e) };
    } finally {
      task.inflight--;
      release(task);
    }
    if (slot.tasks.get(task.id) !== task) return;
    if (reply.type === 'reply' && reply.body !== undefined && this.spec.encodeReply) transfer.push(...(this.spec.encodeReply(reply.body, slot.worker) ?? []));
    this.post(slot, reply, transfer);
  }
}

/** Release a settled task's resources once no call is being answered. */
function release<Req, Res>(task: Task<Req, Res>): void {
  if (!task.settled || task.inflight > 0 || task.released) return;
  task.released = true;
  task.host.release?.();
}
