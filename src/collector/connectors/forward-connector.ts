import * as z from 'zod';
import type { ConnectorFactory } from '../components.js';
import { FanOut } from '../pipeline/fan-out.js';

const schema = z.strictObject({});

/** `forward`: the data a pipeline exports to it enters the pipelines that receive from it (same signal). */
export const forwardConnectorFactory: ConnectorFactory<typeof schema> = {
  type: 'forward',
  pairs: [
    ['traces', 'traces'],
    ['metrics', 'metrics'],
    ['logs', 'logs'],
  ],
  schema,
  create(id, _cfg, next) {
    return {
      consumerFor(from) {
        const c = next[from];
        if (!c) throw new Error(`connector ${id}: no ${from} pipeline receives from it`);
        return c instanceof FanOut ? c : new FanOut([c]);
      },
    };
  },
};
