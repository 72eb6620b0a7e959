import * as z from 'zod';
import type { ProcessorFactory } from '../components.js';
import { resourcesOf } from '../pipeline/otlp-data.js';
import { actionSchema, compileActions } from './attribute-actions.js';

const schema = z.strictObject({ attributes: z.array(actionSchema).min(1, 'the "attributes" actions are required') });

/** `resource`: attribute actions on each resource (traces, metrics, logs). */
export const resourceProcessorFactory: ProcessorFactory<typeof schema> = {
  type: 'resource',
  signals: ['traces', 'metrics', 'logs'],
  schema,
  create(_id, cfg, _signal, next) {
    const actions = compileActions(cfg.attributes);
    return {
      mutates: true,
      consume(data, client) {
        for (const r of resourcesOf(data)) for (const a of actions) a(r, client);
        return next.consume(data, client);
      },
    };
  },
};
