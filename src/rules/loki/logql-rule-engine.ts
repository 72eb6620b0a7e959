import type { InstantSample } from '../../metrics/promql/index.js';
import { parseLogql, type LogqlQueries } from '../../logs/index.js';
import { Labels } from '../../model/index.js';
import type { ExprValidator } from '../rule-file.js';
import type { RuleQueryEngine } from '../query-engine.js';

/**
 * The LogQL side of the one rule engine (Loki's ruler): an instant metric query of one tenant at the evaluation
 * time, on the engine or in the LogQL query workers. As Loki's ruler, a scalar becomes a one-sample vector without labels; a log (stream) query is an error.
 */
export function logqlRuleEngine(engine: LogqlQueries, tenant: string): RuleQueryEngine {
  return {
    async query(expr, ts): Promise<InstantSample[]> {
      const res = await engine.instantQuery({ tenant, query: expr, time: BigInt(Math.floor(ts)) * 1_000_000n, limit: 0, direction: 'backward' });
      if (res.resultType === 'vector') return res.samples.map((s) => ({ labels: s.labels, t: ts, v: s.value }));
      if (res.resultType === 'scalar') return [{ labels: Labels.EMPTY, t: ts, v: res.value }];
      throw new Error('rule result is not a vector or scalar');
    },
    // LogQL has no canonical printer here; Loki shows the expression as parsed, we show it as written (trimmed).
    format: (expr) => expr.trim(),
  };
}

/** A rule file's `expr` as Loki's ruler validates it: a LogQL metric query (a log query cannot be a rule). */
export const validateLogql: ExprValidator = (expr) => {
  try {
    const e = parseLogql(expr);
    if (e.kind === 'log') return 'invalid rule expression: log queries are not supported in rules, use a metric query';
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
};
