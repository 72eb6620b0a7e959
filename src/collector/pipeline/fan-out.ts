import { cloneRequest } from './clone.js';
import type { ClientContext, Consumer, ExportRequest } from './consumer.js';

/**
 * Hands the same data to several consumers (a pipeline's exporters, or the pipelines a receiver feeds) and resolves
 * when all accepted it; the first refusal is returned to the caller. Consumers that change data get their own copy.
 */
export class FanOut implements Consumer {
  readonly mutates = false;
  constructor(readonly consumers: Consumer[]) {}

  async consume(data: ExportRequest, client: ClientContext): Promise<void> {
    const cs = this.consumers;
    if (cs.length === 1) return cs[0].consume(data, client);
    // A consumer that does not change data may still hold it past `consume` (an exporter's in-memory queue encodes
    // it when it sends), so while any such reader shares the original no mutating consumer may take it. Without
    // readers the last mutating consumer takes the original; every other mutating one gets a copy.
    let originalTaken = cs.some((c) => !c.mutates);
    const inputs = new Array<ExportRequest>(cs.length);
    for (let i = cs.length - 1; i >= 0; i--) {
      if (!cs[i].mutates) inputs[i] = data;
      else if (!originalTaken) {
        inputs[i] = data;
        originalTaken = true;
      } else inputs[i] = cloneRequest(data);
    }
    const results = await Promise.allSettled(cs.map((c, i) => c.consume(inputs[i], client)));
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }
}
