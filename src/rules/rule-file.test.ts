import { describe, expect, it } from 'vitest';
import { validatePromql } from './promql-validator.js';
import { parseRuleGroups } from './rule-file.js';

describe('rule group labels (Prometheus 3)', () => {
  it('go to every rule of the group, recording and alerting; a rule label of the same name wins', () => {
    const { groups, errors } = parseRuleGroups(
      'groups:\n- name: g\n  labels: {team: infra, tier: "1"}\n  rules:\n  - record: r\n    expr: vector(1)\n  - alert: A\n    expr: vector(1) > 0\n    labels: {tier: "2", severity: page}\n',
      { validateExpr: validatePromql },
    );
    expect(errors).toEqual([]);
    expect(groups[0].rules.map((r) => r.labels)).toEqual([
      { team: 'infra', tier: '1' },
      { team: 'infra', tier: '2', severity: 'page' },
    ]);
  });

  it('an invalid group label name is refused as a rule label is', () => {
    const { errors } = parseRuleGroups('groups:\n- name: g\n  labels: {"bad-name": x}\n  rules:\n  - record: r\n    expr: vector(1)\n', { validateExpr: validatePromql });
    expect(errors.join('\n')).toContain('invalid label name: bad-name');
  });
});
