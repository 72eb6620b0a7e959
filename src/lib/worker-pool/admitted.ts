import type { FastifyReply } from 'fastify';
import type { ConcurrencyGate } from './concurrency-gate.js';

/**
 * Run an API query under `gate` with a signal that aborts ('canceled') when the client goes away: the query stops
 * (in a worker at its next batch, or with its worker) or leaves the gate's queue. A query that is canceled while
 * it waits fails with `abortError(reason)`, the language's own.
 */
export async function admitted<T>(gate: ConcurrencyGate, reply: FastifyReply, abortError: (reason: unknown) => Error, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) ac.abort('canceled');
  };
  reply.raw.once('close', onClose);
  let acquired = false;
  try {
    await gate.acquire(ac.signal).catch(() => {
      throw abortError(ac.signal.reason);
    });
    acquired = true;
    return await run(ac.signal);
  } finally {
    reply.raw.off('close', onClose);
    if (acquired) gate.release();
  }
}
