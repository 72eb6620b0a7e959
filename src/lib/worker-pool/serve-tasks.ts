import { parentPort } from 'node:worker_threads';
import type { AbortReason, FromWorker, ToWorker, WireError } from './protocol.js';

/** What a task running in a worker can do: see its cancellation, and ask the main thread. */
export interface TaskContext<Call, Reply> {
  /** Aborted (reason 'timeout' or 'canceled') when the pool cancels the task. */
  signal: AbortSignal;
  /** Ask the main thread; rejects at once when the task is canceled. */
  call(body: Call, transfer?: ArrayBuffer[]): Promise<Reply>;
}

export interface ServeTasksOptions<Req, Call, Reply, Res> {
  /** Run one task; its result (and the buffers to transfer with it). */
  run(req: Req, ctx: TaskContext<Call, Reply>): Promise<{ result: Res; transfer?: ArrayBuffer[] }>;
  /** The error a task fails with, for the wire (`signal` tells whether it was canceled, and why). */
  errorToWire(e: unknown, signal: AbortSignal): WireError;
  /** The error a reply carried, as the task sees it. */
  errorFromWire(w: WireError): Error;
  /** The error pending calls of a canceled task reject with. */
  abortError(reason: AbortReason): Error;
  /** Every answer as it arrives, in the order the pool posted them, whether or not its task still runs (see `WorkerPoolSpec.encodeReply`). */
  onReply?(body: Reply): void;
}

interface Running {
  ac: AbortController;
  calls: Map<number, { resolve: (r: unknown) => void; reject: (e: unknown) => void }>;
}

/**
 * The worker side of a `WorkerPool`: runs the tasks the pool sends (several interleave when they yield), forwards
 * their calls to the main thread, and aborts a task's signal (and rejects its pending calls) when it is canceled.
 */
export function serveTasks<Req, Call, Reply, Res>(opts: ServeTasksOptions<Req, Call, Reply, Res>): void {
  const port = parentPort;
  if (!port) throw new Error('a pool worker must run in a worker thread');
  const running = new Map<number, Running>();
  let nextCall = 1;
  const post = (msg: FromWorker<Call, Res>, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

  async function run(id: number, req: Req): Promise<void> {
    const task: Running = { ac: new AbortController(), calls: new Map() };
    running.set(id, task);
    const signal = task.ac.signal;
    const ctx: TaskContext<Call, Reply> = {
      signal,
      call(body, transfer) {
        if (signal.aborted) return Promise.reject(opts.abortError(signal.reason as AbortReason));
        const call = nextCall++;
        return new Promise<Reply>((resolve, reject) => {
          task.calls.set(call, { resolve: resolve as (r: unknown) => void, reject });
          post({ type: 'call', id, call, body }, transfer);
        });
      },
    };
    try {
      const { result, transfer } = await opts.run(req, ctx);
      post({ type: 'done', id, result }, transfer);
    } catch (e) {
      post({ type: 'done', id, error: opts.errorToWire(e, signal) });
    } finally {
      running.delete(id);
    }
  }

  port.on('message', (m: ToWorker<Req, Reply>) => {
    switch (m.type) {
      case 'run':
        void run(m.id, m.req);
        return;
      case 'cancel': {
        const task = running.get(m.id);
        if (!task) return;
        task.ac.abort(m.reason);
        const err = opts.abortError(m.reason);
        for (const p of task.calls.values()) p.reject(err);
        task.calls.clear();
        return;
      }
      case 'reply': {
        if (m.body !== undefined) opts.onReply?.(m.body);
        const task = running.get(m.id);
        const p = task?.calls.get(m.call);
        if (!p) return;
        task!.calls.delete(m.call);
        if (m.error) p.reject(opts.errorFromWire(m.error));
        else p.resolve(m.body);
        return;
      }
    }
  });
  // The pool's backstop timers of the tasks sent here start now, not while this worker loaded its modules.
  post({ type: 'ready' });
}
