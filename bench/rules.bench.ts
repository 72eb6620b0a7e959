/**
 * Rule evaluation cost (`npm run bench rules`): 1,000 alerting rules in 10 groups of 100, over 10k series in the
 * real TSDB (the last 10 minutes at 15 s), evaluated by the one rule engine (RuleManager → RuleGroup → PromQL) into
 * the same TSDB (ALERTS, ALERTS_FOR_STATE). Reports CPU seconds and wall time per full round (all groups once, one
 * interval's work) and per group, median of several rounds, and alerts active. Sightline only (no Prometheus side).
 * Env: RULES_BENCH_SCALE (default 1) scales the series count.
 */
import { join } from 'node:path';
import { Engine, formatQuery } from '../src/metrics/promql/index.js';
import { Tsdb } from '../src/metrics/tsdb/index.js';
import { Labels } from '../src/model/index.js';
import { AlertingRule, RuleManager, parseRuleGroups, promqlRuleEngine, validatePromql } from '../src/rules/index.js';
import { Registry, silentLogger } from '../src/server/index.js';
import { tempDir } from '../test/helpers/process.js';

const SCALE = Number(process.env.RULES_BENCH_SCALE ?? '1');
const N_SERIES = Math.round(10_000 * SCALE);
const N_RULES = 1000;
const GROUPS = 10;
const STEP = 15_000;
const NOW = Math.floor(Date.now() / STEP) * STEP;
const ROUNDS = 5;

async function main(): Promise<void> {
  const tsdb = await Tsdb.open({ dir: join(tempDir('rules-bench-tsdb-'), 'tsdb'), retentionMs: 0, retentionBytes: 0, minBlockDurationMs: 2 * 3600_000 });
  const app = tsdb.appender();
  for (let i = 0; i < N_SERIES; i++) {
    const l = Labels.fromObject({ __name__: 'x', job: `job${i % 100}`, instance: `host${i}` });
    for (let t = NOW - 10 * 60_000; t <= NOW; t += STEP) app.append(0, l, t, (i * 7 + t / STEP) % 100);
  }
  await app.commit();

  const engine = promqlRuleEngine(new Engine(tsdb, { lookbackDelta: 300_000 }), formatQuery);
  const mgr = new RuleManager({
    engine,
    appendable: tsdb,
    registry: new Registry(),
    logger: silentLogger(),
    validateExpr: validatePromql,
    externalLabels: Labels.EMPTY,
    externalURL: 'http://bench',
    evaluationInterval: STEP,
    resendDelay: 60_000,
    outageTolerance: 3600_000,
    forGracePeriod: 600_000,
  });
  // Rule k: one job's series (100 of them), a threshold that makes about 5 % of them alert, half with `for`.
  const per = N_RULES / GROUPS;
  let yaml = 'groups:\n';
  for (let g = 0; g < GROUPS; g++) {
    yaml += `- name: g${g}\n  rules:\n`;
    for (let r = 0; r < per; r++) {
      const k = g * per + r;
      yaml += `  - alert: A${k}\n    expr: x{job="job${k % 100}"} > 95\n${k % 2 ? '    for: 1m\n' : ''}    labels: {severity: warning}\n    annotations: {summary: "{{ $labels.instance }} at {{ $value | humanize }}"}\n`;
    }
  }
  const { groups, errors } = parseRuleGroups(yaml, { validateExpr: validatePromql });
  if (errors.length > 0) throw new Error(errors.join('\n'));
  const built = groups.map((g) => mgr.buildGroup('bench.yml', g));
  for (const g of built) for (const r of g.rules) if (r instanceof AlertingRule) r.restored = true;

  const rounds: Array<{ cpu: number; wall: number; perGroup: number[] }> = [];
  for (let round = 0; round < ROUNDS; round++) {
    const ts = NOW + round * STEP;
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    const perGroup: number[] = [];
    for (const g of built) {
      const t0 = performance.now();
      await g.eval(ts);
      perGroup.push(performance.now() - t0);
    }
    const c = process.cpuUsage(c0);
    rounds.push({ cpu: (c.user + c.system) / 1e6, wall: (performance.now() - w0) / 1000, perGroup });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  let active = 0;
  for (const g of built) for (const r of g.rules) if (r instanceof AlertingRule) active += r.activeAlerts().length;
  console.log(
    JSON.stringify({
      bench: 'rules_eval',
      rules: N_RULES,
      groups: GROUPS,
      series: N_SERIES,
      cpu_seconds_per_round_median: Number(median(rounds.map((r) => r.cpu)).toFixed(3)),
      wall_seconds_per_round_median: Number(median(rounds.map((r) => r.wall)).toFixed(3)),
      ms_per_group_median: Number(median(rounds.flatMap((r) => r.perGroup)).toFixed(2)),
      first_round_cpu_seconds: Number(rounds[0].cpu.toFixed(3)),
      active_alerts: active,
      interval_seconds: STEP / 1000,
    }),
  );
  await tsdb.close();
}

await main();
