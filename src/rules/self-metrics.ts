import { Counter, Gauge, Summary, type Registry } from 'prom-client';

/** Prometheus's rule-manager metrics, labelled by `rule_group` (`FILE;GROUP`), get-or-create on a registry. */
export interface RuleMetrics {
  evalTotal: Counter<'rule_group'>;
  evalFailures: Counter<'rule_group'>;
  iterationsMissed: Counter<'rule_group'>;
  iterationsScheduled: Counter<'rule_group'>;
  iterationDuration: Summary;
  lastDuration: Gauge<'rule_group'>;
  lastEvaluation: Gauge<'rule_group'>;
  interval: Gauge<'rule_group'>;
  rules: Gauge<'rule_group'>;
  samples: Gauge<'rule_group'>;
}

function get<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function ruleMetrics(registry: Registry): RuleMetrics {
  const c = (name: string, help: string) => get(registry, name, () => new Counter({ name, help, labelNames: ['rule_group'], registers: [registry] }));
  const g = (name: string, help: string) => get(registry, name, () => new Gauge({ name, help, labelNames: ['rule_group'], registers: [registry] }));
  return {
    evalTotal: c('prometheus_rule_evaluations_total', 'The total number of rule evaluations.'),
    evalFailures: c('prometheus_rule_evaluation_failures_total', 'The total number of rule evaluation failures.'),
    iterationsMissed: c('prometheus_rule_group_iterations_missed_total', 'The total number of rule group evaluations missed due to slow rule group evaluation.'),
    iterationsScheduled: c('prometheus_rule_group_iterations_total', 'The total number of scheduled rule group evaluations, whether executed or missed.'),
    iterationDuration: get(
      registry,
      'prometheus_rule_evaluation_duration_seconds',
      () => new Summary({ name: 'prometheus_rule_evaluation_duration_seconds', help: 'The duration for a rule to execute.', percentiles: [0.5, 0.9, 0.99], registers: [registry] }),
    ),
    lastDuration: g('prometheus_rule_group_last_duration_seconds', 'The duration of the last rule group evaluation.'),
    lastEvaluation: g('prometheus_rule_group_last_evaluation_timestamp_seconds', 'The timestamp of the last rule group evaluation in seconds.'),
    interval: g('prometheus_rule_group_interval_seconds', 'The interval of a rule group.'),
    rules: g('prometheus_rule_group_rules', 'The number of rules.'),
    samples: g('prometheus_rule_group_last_evaluation_samples', 'The number of samples returned during the last rule group evaluation.'),
  };
}
