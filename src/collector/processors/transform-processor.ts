import * as z from 'zod';
import type { ProcessorFactory } from '../components.js';
import type { Condition, Statement } from '../ottl/ast.js';
import { compileCondition, compileStatement, evalCondition, runStatement, type OttlContextName } from '../ottl/evaluate.js';
import { walkContext } from './ottl-walk.js';

const CONTEXTS = ['resource', 'scope', 'span', 'spanevent', 'metric', 'datapoint', 'log'] as const;

interface Group {
  context: OttlContextName;
  conditions: Condition[];
  statements: Statement[];
}

/** The context a flat statement runs in, from its first path's prefix (`span.`, `resource.`, `log.`...). */
function inferContext(src: string, fallback: OttlContextName): OttlContextName {
  const m = /\b(resource|scope|span|spanevent|metric|datapoint|log)\.[a-z_]/.exec(src);
  return (m?.[1] as OttlContextName | undefined) ?? fallback;
}

const groupList = (fallback: OttlContextName) =>
  z
    .array(
      z.union([
        z.string(),
        z.strictObject({ context: z.enum(CONTEXTS).default(fallback), conditions: z.array(z.string()).default([]), statements: z.array(z.string()), error_mode: z.enum(['ignore', 'silent', 'propagate']).optional() }),
      ]),
    )
    .default([])
    .transform((list, ctx): Group[] =>
      list.map((g, i) => {
        const compile = <T>(fn: (s: string) => T, src: string, path: (string | number)[]): T => {
          try {
            return fn(src);
          } catch (e) {
            ctx.addIssue({ code: 'custom', path, message: (e as Error).message, input: src });
            return z.NEVER;
          }
        };
        if (typeof g === 'string') return { context: inferContext(g, fallback), conditions: [], statements: [compile(compileStatement, g, [i])] };
        return {
          context: g.context,
          conditions: g.conditions.map((c, j) => compile(compileCondition, c, [i, 'conditions', j])),
          statements: g.statements.map((s, j) => compile(compileStatement, s, [i, 'statements', j])),
        };
      }),
    );

const schema = z.strictObject({
  error_mode: z.enum(['ignore', 'silent', 'propagate']).default('propagate'),
  trace_statements: groupList('span'),
  metric_statements: groupList('datapoint'),
  log_statements: groupList('log'),
});

/**
 * `transform`: OTTL statements (`set`, `delete_key`, `keep_keys`, `limit`, `truncate_all`, `replace_pattern`, ...)
 * run on every item of their context, in order, each guarded by its `where` clause and the group's `conditions`.
 */
export const transformProcessorFactory: ProcessorFactory<typeof schema> = {
  type: 'transform',
  signals: ['traces', 'metrics', 'logs'],
  schema,
  create(id, cfg, signal, next, env) {
    const log = env.logger.child({ kind: 'processor', name: id });
    const groups = signal === 'traces' ? cfg.trace_statements : signal === 'metrics' ? cfg.metric_statements : cfg.log_statements;
    return {
      mutates: true,
      async consume(data, client) {
        for (const g of groups) {
          walkContext(data, g.context, (t) => {
            try {
              if (g.conditions.length > 0 && !g.conditions.some((c) => evalCondition(t, c))) return true;
              for (const s of g.statements) runStatement(t, s);
            } catch (e) {
              if (cfg.error_mode === 'propagate') throw e;
              if (cfg.error_mode === 'ignore') log.warn({ err: (e as Error).message }, 'failed to execute a statement');
            }
            return true;
          });
        }
        return next.consume(data, client);
      },
    };
  },
};
