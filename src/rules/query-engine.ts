import type { ConcurrencyGate } from '../lib/worker-pool/index.js';
import type { InstantSample, PromqlEngine } from '../metrics/promql/index.js';
import { Labels } from '../model/index.js';

/**
 * What the rule engine needs from a query language: an instant query at a timestamp returning a vector, and the
 * canonical text of an expression (Prometheus's `expr.String()`, shown by `/api/v1/rules` and used in alert
 * generator URLs). PromQL and LogQL both provide it, so one rule engine serves every pillar.
 */
export interface RuleQueryEngine {
  query(expr: string, ts: number, signal?: AbortSignal): Promise<InstantSample[]>;
  format(expr: string): string;
}

/** Prometheus's `EngineQueryFunc`: a scalar becomes a one-sample vector without labels; other types are errors. */
export function promqlRuleEngine(engine: PromqlEngine, format: (expr: string) => string): RuleQueryEngine {
  return {
    async query(expr, ts, signal) {
      const res = await engine.instantQuery(expr, ts, signal ? { signal } : undefined);
      const v = res.value;
      if (v.type === 'vector') return v.samples;
      if (v.type === 'scalar') return [{ labels: Labels.EMPTY, t: v.t, v: v.v }];
      throw new Error('rule result is not a vector or scalar');
    },
    format(expr) {
      try {
        return format(expr);
      } catch {
        return expr;
      }
    },
  };
}

/**
 * Rule queries counted with the API's in `gate`: as Prometheus's engine admits every query — API and rule
 * evaluations alike — through its ActiveQueryTracker (`--query.max-concurrency`), a rule waits for a slot.
 */
export function gatedRuleEngine(engine: RuleQueryEngine, gate: ConcurrencyGate): RuleQueryEngine {
  return {
    query: (expr, ts, signal) => gate.hold(() => engine.query(expr, ts, signal), signal),
    format: (expr) => engine.format(expr),
  };
}
