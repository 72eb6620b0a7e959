import type { Matcher } from '../../../model/index.js';
import { serveTasks, type TaskContext } from '../../../lib/worker-pool/index.js';
import type { Querier, Queryable, SelectHints, Series } from '../../storage-api/index.js';
import { Engine } from '../engine.js';
import { PromqlError } from '../types.js';
import { WorkerLabelSets } from './label-sets.js';
import type { PoolQuery, StorageCall, StorageReply } from './protocol.js';
import { errorFromWire, errorToWire, matchersToWire, resultToWire, resultTransferList, selectionFromWire, type WireError as PromqlWireError, type WireResult } from './wire.js';

/**
 * A query worker: evaluates PromQL off the main thread. Storage stays in the main thread (the TSDB head, its
 * blocks and WAL live there), so the worker's `Queryable` forwards each `select` to the pool, which answers with the
 * selected series' samples in one message. Several queries interleave here (the evaluator yields every time slice),
 * and a `cancel` aborts one of them at its next yield.
 */

type Ctx = TaskContext<StorageCall, StorageReply>;

/** A querier whose calls are answered by the pool's storage. */
class RemoteQuerier implements Querier {
  constructor(
    private readonly ctx: Ctx,
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  async select(matchers: readonly Matcher[], hints: SelectHints, sorted = false): Promise<Series[]> {
    const r = await this.ctx.call({ op: 'select', mint: this.mint, maxt: this.maxt, matchers: matchersToWire(matchers), hints, sorted });
    return selectionFromWire(r.selection!, hints, labelSets);
  }

  async labelNames(matchers: readonly Matcher[], limit?: number): Promise<string[]> {
    return (await this.ctx.call({ op: 'labelNames', mint: this.mint, maxt: this.maxt, matchers: matchersToWire(matchers), limit })).strings!;
  }

  async labelValues(name: string, matchers: readonly Matcher[], limit?: number): Promise<string[]> {
    return (await this.ctx.call({ op: 'labelValues', name, mint: this.mint, maxt: this.maxt, matchers: matchersToWire(matchers), limit })).strings!;
  }

  close(): void {
    // The pool closes its querier when the query is done.
  }
}

function abortError(reason: unknown): PromqlError {
  return reason === 'timeout' ? new PromqlError('timeout', 'query timed out in expression evaluation') : new PromqlError('canceled', 'query was canceled in expression evaluation');
}

/** The label sets this worker holds (label-sets.ts), learned from every answer in the order they arrive. */
const labelSets = new WorkerLabelSets();

serveTasks<PoolQuery, StorageCall, StorageReply, WireResult>({
  onReply(body) {
    const defs = body.selection?.labelDefs;
    if (defs) labelSets.define(defs);
  },
  async run(m, ctx) {
    const storage: Queryable = { querier: async (mint, maxt) => new RemoteQuerier(ctx, mint, maxt) };
    const engine = new Engine(storage, m.engine);
    const opts = { signal: ctx.signal, lookbackDelta: m.lookbackDelta, timeoutMs: m.timeoutMs };
    const result = m.kind === 'range' ? await engine.rangeQuery(m.expr, m.start, m.end, m.step, opts) : await engine.instantQuery(m.expr, m.start, opts);
    const wire = resultToWire(result);
    return { result: wire, transfer: resultTransferList(wire) };
  },
  errorToWire: (e, signal) => errorToWire(signal.aborted && !(e instanceof PromqlError) ? abortError(signal.reason) : e),
  errorFromWire: (w) => errorFromWire(w as PromqlWireError),
  abortError,
});
