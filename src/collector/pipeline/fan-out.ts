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
    // The last mutating consumer may take the original; every other mutating one gets a copy.
    let originalTaken = false;
    const inputs = new Array<ExportRequest>(cs.length);
    for (let i = cs.length - 1; i >= 0; i--) {
      if (!cs[i].mutates) inputs[i] = data;
      else if (!originalTaken) {
        inputs[i] = data;
        originalTaken = true;
      } else inputs[i] = cloneRequest(data);
    }
    // Readers see the data before a mutating consumer may change it: start them first.
    const results = await Promise.allSettled(cs.map((c, i) => c.consume(inputs[i], client)));
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }
}
