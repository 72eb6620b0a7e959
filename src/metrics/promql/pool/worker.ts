import { parentPort } from 'node:worker_threads';
import type { Matcher } from '../../../model/index.js';
import type { Querier, Queryable, SelectHints, Series } from '../../storage-api/index.js';
import { Engine } from '../engine.js';
import { PromqlError } from '../types.js';
import type { FromWorker, RunMessage, StorageCall, StorageReply, ToWorker } from './protocol.js';
import { errorFromWire, errorToWire, matchersToWire, resultToWire, resultTransferList, selectionFromWire } from './wire.js';

/**
 * A query worker: evaluates PromQL off the main thread. Storage stays in the main thread (the TSDB head, its
 * blocks and WAL live there), so the worker's `Queryable` forwards each `select` to the pool, which answers with the
 * selected series' samples in one message. Several queries interleave here (the evaluator yields every time slice),
 * and a `cancel` message aborts one of them at its next yield.
 */

const port = parentPort;
if (!port) throw new Error('the PromQL query worker must run in a worker thread');

interface Pending {
  resolve: (r: StorageReply) => void;
  reject: (e: unknown) => void;
}

interface Running {
  ac: AbortController;
  calls: Map<number, Pending>;
}

const running = new Map<number, Running>();
let nextCall = 1;

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

type CallBody = { op: 'select'; matchers: ReturnType<typeof matchersToWire>; hints: SelectHints; sorted: boolean } | { op: 'labelNames'; matchers: ReturnType<typeof matchersToWire>; limit?: number } | { op: 'labelValues'; name: string; matchers: ReturnType<typeof matchersToWire>; limit?: number };

/** A querier whose calls are answered by the pool's storage. */
class RemoteQuerier implements Querier {
  constructor(
    private readonly id: number,
    private readonly q: Running,
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  private call(body: CallBody): Promise<StorageReply> {
    const signal = this.q.ac.signal;
    if (signal.aborted) return Promise.reject(abortError(signal));
    const call = nextCall++;
    return new Promise<StorageReply>((resolve, reject) => {
      this.q.calls.set(call, { resolve, reject });
      post({ type: 'storage', id: this.id, call, mint: this.mint, maxt: this.maxt, ...body } as StorageCall);
    }).then((r) => {
      if (r.error) throw errorFromWire(r.error);
      return r;
    });
  }

  async select(matchers: readonly Matcher[], hints: SelectHints, sorted = false): Promise<Series[]> {
    const r = await this.call({ op: 'select', matchers: matchersToWire(matchers), hints, sorted });
    return selectionFromWire(r.selection!, hints);
  }

  async labelNames(matchers: readonly Matcher[], limit?: number): Promise<string[]> {
    return (await this.call({ op: 'labelNames', matchers: matchersToWire(matchers), limit })).strings!;
  }

  async labelValues(name: string, matchers: readonly Matcher[], limit?: number): Promise<string[]> {
    return (await this.call({ op: 'labelValues', name, matchers: matchersToWire(matchers), limit })).strings!;
  }

  close(): void {
    // The pool closes its querier when the query is done.
  }
}

function abortError(signal: AbortSignal): PromqlError {
  return signal.reason === 'timeout'
    ? new PromqlError('timeout', 'query timed out in expression evaluation')
    : new PromqlError('canceled', 'query was canceled in expression evaluation');
}

async function run(m: RunMessage): Promise<void> {
  const q: Running = { ac: new AbortController(), calls: new Map() };
  running.set(m.id, q);
  const storage: Queryable = { querier: async (mint, maxt) => new RemoteQuerier(m.id, q, mint, maxt) };
  const engine = new Engine(storage, m.engine);
  const opts = { signal: q.ac.signal, lookbackDelta: m.lookbackDelta, timeoutMs: m.timeoutMs };
  try {
    const result = m.kind === 'range' ? await engine.rangeQuery(m.expr, m.start, m.end, m.step, opts) : await engine.instantQuery(m.expr, m.start, opts);
    const wire = resultToWire(result);
    post({ type: 'done', id: m.id, result: wire }, resultTransferList(wire));
  } catch (e) {
    post({ type: 'done', id: m.id, error: errorToWire(q.ac.signal.aborted && !(e instanceof PromqlError) ? abortError(q.ac.signal) : e) });
  } finally {
    running.delete(m.id);
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'run':
      void run(m);
      return;
    case 'cancel': {
      const q = running.get(m.id);
      if (!q) return;
      q.ac.abort(m.reason);
      const err = abortError(q.ac.signal);
      for (const p of q.calls.values()) p.reject(err);
      q.calls.clear();
      return;
    }
    case 'storage': {
      const p = running.get(m.id)?.calls.get(m.call);
      if (!p) return;
      running.get(m.id)!.calls.delete(m.call);
      p.resolve(m);
      return;
    }
  }
});
