import type { Labels} from '../model/index.js';
import { METRIC_NAME } from '../model/index.js';
import type { RuleQueryEngine } from './query-engine.js';
import type { RuleBase, RuleOutput } from './rule.js';

/** A recording rule (Prometheus's `RecordingRule`): the expression's vector renamed and relabelled. */
export class RecordingRule implements RuleBase {
  readonly type = 'recording';
  health: 'ok' | 'err' | 'unknown' = 'unknown';
  lastError = '';
  evaluationTime = 0;
  lastEvaluation = 0;
  readonly query: string;

  constructor(
    readonly name: string,
    readonly expr: string,
    readonly labels: Labels,
    engine: RuleQueryEngine,
  ) {
    this.query = engine.format(expr);
  }

  async eval(engine: RuleQueryEngine, ts: number, limit: number): Promise<RuleOutput> {
    const vector = await engine.query(this.expr, ts);
    const out: RuleOutput = { labels: [], values: new Float64Array(vector.length) };
    const seen = new Set<string>();
    for (let i = 0; i < vector.length; i++) {
      const b = vector[i].labels.builder();
      b.set(METRIC_NAME, this.name);
      this.labels.forEach((n, v) => b.set(n, v));
      const l = b.labels();
      const k = l.key();
      if (seen.has(k)) throw new Error('vector contains metrics with the same labelset after applying rule labels');
      seen.add(k);
      out.labels.push(l);
      out.values[i] = vector[i].v;
    }
    if (limit > 0 && vector.length > limit) throw new Error(`exceeded limit of ${limit} with ${vector.length} series`);
    return out;
  }

  /** Name and labels identify a rule across reloads (Prometheus's `nameAndLabels`). */
  identity(): string {
    return `${this.name}${this.labels.toString()}`;
  }
}
