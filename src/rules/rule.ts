import type { Labels } from '../model/index.js';
import type { RuleQueryEngine } from './query-engine.js';

/** The samples a rule evaluation writes: one label set and value per series, all at the evaluation time. */
export interface RuleOutput {
  labels: Labels[];
  values: Float64Array;
}

/** What every rule exposes to its group and to the API. */
export interface RuleBase {
  readonly type: 'recording' | 'alerting';
  readonly name: string;
  /** The expression as written. */
  readonly expr: string;
  /** Canonical form, as `/api/v1/rules` shows it. */
  readonly query: string;
  readonly labels: Labels;
  health: 'ok' | 'err' | 'unknown';
  lastError: string;
  /** Seconds. */
  evaluationTime: number;
  /** Wall-clock ms of the last evaluation's start. */
  lastEvaluation: number;
  eval(engine: RuleQueryEngine, ts: number, limit: number): Promise<RuleOutput>;
  identity(): string;
}
