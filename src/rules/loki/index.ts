/**
 * Loki's ruler: LogQL rules evaluated by the one rule engine. A surface of its own so the metrics roles, which load
 * `rules/index.ts`, do not carry the LogQL engine and the rest of the Loki role's code.
 */
export { logqlRuleEngine, validateLogql } from './logql-rule-engine.js';
export { lokiRulerHook, startLokiRuler, type LokiRuler, type LokiRulerDeps } from './loki-ruler.js';
