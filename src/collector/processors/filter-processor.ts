import * as z from 'zod';
import { countItems } from '../../otlp/index.js';
import type { ProcessorFactory } from '../components.js';
import { compileCondition, evalCondition, type OttlContextName, type OttlTarget } from '../ottl/evaluate.js';
import type { Condition } from '../ottl/ast.js';
import { walkContext } from './ottl-walk.js';

const conditions = z.array(z.string()).optional();

/** A list of OTTL conditions, compiled at start: a syntax error is refused with the condition's path. */
const compiled = (kind: string) =>
  conditions.transform((list, ctx) =>
    (list ?? []).map((src, i) => {
      try {
        return compileCondition(src);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: [i], message: (e as Error).message, input: src });
        return z.NEVER;
      }
    }),
  ).describe(kind);

const schema = z.strictObject({
  error_mode: z.enum(['ignore', 'silent', 'propagate']).default('propagate'),
  traces: z.strictObject({ span: compiled('span'), spanevent: compiled('spanevent') }).optional(),
  metrics: z.strictObject({ metric: compiled('metric'), datapoint: compiled('datapoint') }).optional(),
  logs: z.strictObject({ log_record: compiled('log') }).optional(),
});

/**
 * `filter` with OTTL conditions: an item (span, span event, metric, data point, log record) is dropped when any
 * condition of its context is true; resources and scopes left empty go too. A condition that fails at run time
 * (e.g. a string function on a number) follows `error_mode`: `propagate` refuses the data, `ignore`/`silent` keep
 * the item.
 */
export const filterProcessorFactory: ProcessorFactory<typeof schema> = {
  type: 'filter',
  signals: ['traces', 'metrics', 'logs'],
  schema,
  create(id, cfg, signal, next, env) {
    const log = env.logger.child({ kind: 'processor', name: id });
    const plan: [OttlContextName, Condition[]][] =
      signal === 'traces'
        ? [
            ['span', cfg.traces?.span ?? []],
            ['spanevent', cfg.traces?.spanevent ?? []],
          ]
        : signal === 'metrics'
          ? [
              ['metric', cfg.metrics?.metric ?? []],
              ['datapoint', cfg.metrics?.datapoint ?? []],
            ]
          : [['log', cfg.logs?.log_record ?? []]];
    const active = plan.filter(([, cs]) => cs.length > 0);
    return {
      mutates: true,
      async consume(data, client) {
        if (active.length > 0) {
          const before = countItems(data);
          for (const [context, conds] of active) {
            walkContext(data, context, (t: OttlTarget) => {
              for (const c of conds) {
                try {
                  if (evalCondition(t, c)) return false;
                } catch (e) {
                  if (cfg.error_mode === 'propagate') throw e;
                  if (cfg.error_mode === 'ignore') log.warn({ err: (e as Error).message }, 'failed to evaluate a filter condition; keeping the item');
                }
              }
              return true;
            });
          }
          const dropped = before - countItems(data);
          if (dropped > 0) env.telemetry.processorDropped[signal].inc({ processor: id }, dropped);
          if (countItems(data) === 0) return;
        }
        return next.consume(data, client);
      },
    };
  },
};
