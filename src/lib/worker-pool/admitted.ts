import type { FastifyReply } from 'fastify';
import type { ConcurrencyGate } from './concurrency-gate.js';

/** The longest delay a timer takes (a longer one fires at once): a deadline beyond it is no deadline. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Run an API query under `gate` with a signal that aborts ('canceled') when the client goes away, and ('timeout')
 * when `timeoutMs` (> 0) has passed since the request came — a request deadline, as Loki's `query_timeout`: the
 * query stops (in a worker at its next batch, or with its worker) or leaves the gate's queue. A query that is
 * aborted while it waits fails with `abortError(reason)`, the language's own.
 */
export async function admitted<T>(gate: ConcurrencyGate, reply: FastifyReply, abortError: (reason: unknown) => Error, run: (signal: AbortSignal) => Promise<T>, timeoutMs = 0): Promise<T> {
  const gone = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) gone.abort('canceled');
  };
  reply.raw.once('close', onClose);
  try {
    return await gated(gate, gone.signal, abortError, run, timeoutMs);
  } finally {
    reply.raw.off('close', onClose);
  }
}

/**
 * `admitted` for a caller that is not one HTTP request (a tail's batches): the query waits for a slot of `gate` and
 * runs with a signal that aborts with `gone`'s reason (its client went away), or 'timeout' once `timeoutMs` (> 0)
 * has passed since the call.
 */
export async function gated<T>(gate: ConcurrencyGate, gone: AbortSignal, abortError: (reason: unknown) => Error, run: (signal: AbortSignal) => Promise<T>, timeoutMs = 0): Promise<T> {
  const ac = new AbortController();
  const onGone = () => ac.abort(gone.reason);
  if (gone.aborted) onGone();
  else gone.addEventListener('abort', onGone, { once: true });
  const timer = timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS ? setTimeout(() => ac.abort('timeout'), timeoutMs) : undefined;
  let acquired = false;
  try {
    await gate.acquire(ac.signal).catch(() => {
      throw abortError(ac.signal.reason);
    });
    acquired = true;
    return await run(ac.signal);
  } finally {
    clearTimeout(timer);
    gone.removeEventListener('abort', onGone);
    if (acquired) gate.release();
  }
}
