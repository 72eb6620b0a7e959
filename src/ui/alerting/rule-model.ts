import * as z from 'zod';
import { parseDuration } from '../../lib/duration.js';

/** Grafana's reserved datasource uid of server-side expressions (reduce, threshold, math). */
export const EXPRESSION_DATASOURCE_UID = '__expr__';

const durationString = z.string().refine((s) => {
  try {
    parseDuration(s);
    return true;
  } catch {
    return false;
  }
}, 'invalid duration');

const evaluator = z.object({ type: z.enum(['gt', 'lt', 'gte', 'lte', 'eq', 'ne', 'within_range', 'outside_range']), params: z.array(z.number()).min(1) });

/** One entry of a rule's `data`: a datasource query (`model.expr`) or an expression node. */
export const alertQuerySchema = z.object({
  refId: z.string().min(1),
  queryType: z.string().optional(),
  relativeTimeRange: z.object({ from: z.number(), to: z.number() }).optional(),
  datasourceUid: z.string().min(1),
  model: z
    .object({
      expr: z.string().optional(),
      type: z.string().optional(),
      expression: z.string().optional(),
      reducer: z.string().optional(),
      conditions: z.array(z.object({ evaluator })).optional(),
    })
    .passthrough(),
});

/** The provisioning API's `ProvisionedAlertRule` (Grafana's JSON shape). */
export const alertRuleSchema = z.object({
  uid: z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/, 'uid: 1-40 characters of a-z, A-Z, 0-9, - and _').optional(),
  orgID: z.number().optional(),
  folderUID: z.string().min(1, 'folderUID is required'),
  ruleGroup: z.string().min(1, 'ruleGroup is required').max(190),
  title: z.string().min(1, 'title is required').max(190),
  condition: z.string().min(1, 'condition is required'),
  data: z.array(alertQuerySchema).min(1, 'data: at least one query is required'),
  noDataState: z.enum(['Alerting', 'NoData', 'OK']).default('NoData'),
  execErrState: z.enum(['Alerting', 'Error', 'OK']).default('Error'),
  for: durationString.default('0s'),
  annotations: z.record(z.string(), z.string()).default({}),
  labels: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'invalid label name'), z.string()).default({}),
  isPaused: z.boolean().default(false),
  /** Group evaluation interval in seconds (the rule-group API carries it; a single rule may too). */
  intervalSeconds: z.number().int().positive().optional(),
});

export type AlertRuleInput = z.output<typeof alertRuleSchema>;
export type AlertQuery = z.output<typeof alertQuerySchema>;

/** A stored rule as the API returns it. */
export interface AlertRule extends AlertRuleInput {
  uid: string;
  orgID: number;
  intervalSeconds: number;
  updated: string;
  provenance: string;
}

export class RuleDefinitionError extends Error {
  override name = 'RuleDefinitionError';
}

const COMPARATORS: Record<string, string> = { gt: '>', lt: '<', gte: '>=', lte: '<=', eq: '==', ne: '!=' };

/** A threshold evaluator over an expression, as the query language's comparison (a filtering vector comparison). */
function thresholdExpr(expr: string, ev: z.output<typeof evaluator>): string {
  const e = `(${expr})`;
  const [a, b] = ev.params;
  if (ev.type === 'within_range' || ev.type === 'outside_range') {
    if (b === undefined) throw new RuleDefinitionError(`${ev.type} needs two parameters`);
    return ev.type === 'within_range' ? `${e} > ${a} and ${e} < ${b}` : `${e} < ${a} or ${e} > ${b}`;
  }
  return `${e} ${COMPARATORS[ev.type]} ${a}`;
}

/** Where a rule's condition is evaluated: one datasource and one PromQL/LogQL expression. */
export interface RuleQueryPlan {
  datasourceUid: string;
  /** The condition. */
  expr: string;
  /** The datasource query under it (no series from it is Grafana's "no data"). */
  query: string;
}

/**
 * The condition of a rule as one expression of its datasource's language. The condition node may be the query itself
 * (a Prometheus-style expression: every element of the vector alerts), a `threshold` over a query or over a
 * `reduce` of one (an instant query already yields one value per series; `last` is what it reduces to), or a
 * `math` node `$A > 5`.
 */
export function planRule(rule: Pick<AlertRuleInput, 'condition' | 'data'>): RuleQueryPlan {
  const byRef = new Map(rule.data.map((q) => [q.refId, q]));
  const resolve = (ref: string, depth: number): RuleQueryPlan => {
    const q = byRef.get(ref.replace(/^\$/, ''));
    if (!q) throw new RuleDefinitionError(`condition refers to unknown refId ${ref}`);
    if (depth > 10) throw new RuleDefinitionError('expression nodes refer to each other in a cycle');
    if (q.datasourceUid !== EXPRESSION_DATASOURCE_UID) {
      if (!q.model.expr || q.model.expr.trim() === '') throw new RuleDefinitionError(`query ${q.refId} has no expr`);
      return { datasourceUid: q.datasourceUid, expr: q.model.expr, query: q.model.expr };
    }
    const type = q.model.type;
    if (type === 'reduce') {
      if (!q.model.expression) throw new RuleDefinitionError(`reduce ${q.refId} has no expression`);
      return resolve(q.model.expression, depth + 1);
    }
    if (type === 'threshold') {
      const ev = q.model.conditions?.[0]?.evaluator;
      if (!q.model.expression || !ev) throw new RuleDefinitionError(`threshold ${q.refId} needs an expression and an evaluator`);
      const inner = resolve(q.model.expression, depth + 1);
      return { ...inner, expr: thresholdExpr(inner.expr, ev) };
    }
    if (type === 'math') {
      const m = /^\s*\$\{?([A-Za-z0-9_]+)\}?\s*(>=|<=|==|!=|>|<)\s*(-?[0-9.eE+-]+)\s*$/.exec(q.model.expression ?? '');
      if (!m) throw new RuleDefinitionError(`math ${q.refId}: only "$REF <op> number" is supported`);
      const inner = resolve(m[1], depth + 1);
      return { ...inner, expr: `(${inner.expr}) ${m[2]} ${Number(m[3])}` };
    }
    throw new RuleDefinitionError(`expression type ${String(type)} is not supported`);
  };
  return resolve(rule.condition, 0);
}
