/**
 * Messages between a `WorkerPool` (main thread) and its workers (`serveTasks`). Ids are the pool's task ids; a
 * worker's calls back to the main thread (storage reads) are numbered per worker. Payloads are the language's own.
 */

/** Why a task is stopped: its deadline passed, or its client went away. */
export type AbortReason = 'timeout' | 'canceled';

/** An error as it crosses threads: the language's error type (null: a plain `Error`) and its message (a language's own wire error may add fields). */
export interface WireError {
  errType: string | null;
  message: string;
}

/** Pool → worker: run task `id`. */
export interface RunMessage<Req> {
  type: 'run';
  id: number;
  req: Req;
}

/** Pool → worker: stop task `id`. */
export interface CancelMessage {
  type: 'cancel';
  id: number;
  reason: AbortReason;
}

/** Pool → worker: the answer to call `call` of task `id`. */
export interface ReplyMessage<Reply> {
  type: 'reply';
  id: number;
  call: number;
  body?: Reply;
  error?: WireError;
}

export type ToWorker<Req, Reply> = RunMessage<Req> | CancelMessage | ReplyMessage<Reply>;

/** Worker → pool: task `id` asks the main thread for something (`body` says what). */
export interface CallMessage<Call> {
  type: 'call';
  id: number;
  call: number;
  body: Call;
}

/** Worker → pool: task `id` finished. */
export interface DoneMessage<Res> {
  type: 'done';
  id: number;
  result?: Res;
  error?: WireError;
}

/** Worker → pool: the worker has loaded its modules and takes tasks (sent once, first). */
export interface ReadyMessage {
  type: 'ready';
}

export type FromWorker<Call, Res> = CallMessage<Call> | DoneMessage<Res> | ReadyMessage;
