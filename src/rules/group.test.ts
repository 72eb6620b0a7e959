import { afterAll, describe, expect, it } from 'vitest';
import { Engine, PooledEngine, QueryPool, formatQuery, type PromqlEngine } from '../metrics/promql/index.js';
import { MemoryStorage } from '../metrics/storage-api/index.js';
import { Labels, isStaleNaN } from '../model/index.js';
import { Registry, silentLogger } from '../server/index.js';
import type { Alert } from './alert.js';
import { AlertingRule } from './alerting-rule.js';
import type { RuleGroup} from './group.js';
import { evalTimestamp, groupHash } from './group.js';
import { RuleManager } from './manager.js';
import { promqlRuleEngine } from './query-engine.js';
import { parseRuleGroups } from './rule-file.js';
import { validatePromql } from './promql-validator.js';

const T0 = 1_700_000_000_000;

function setup(yaml: string, extra: { notify?: (expr: string, a: Alert[]) => void; engine?: (s: MemoryStorage) => PromqlEngine } = {}) {
  const storage = new MemoryStorage();
  const engine = promqlRuleEngine(extra.engine?.(storage) ?? new Engine(storage, { lookbackDelta: 300_000 }), formatQuery);
  const mgr = new RuleManager({
    engine,
    appendable: storage,
    queryable: storage,
    registry: new Registry(),
    logger: silentLogger(),
    validateExpr: validatePromql,
    externalLabels: Labels.fromObject({ cluster: 'c1' }),
    externalURL: 'http://prom:9090',
    evaluationInterval: 15_000,
    resendDelay: 60_000,
    outageTolerance: 3600_000,
    forGracePeriod: 600_000,
    notify: extra.notify,
  });
  const { groups, errors } = parseRuleGroups(yaml, { validateExpr: validatePromql });
  expect(errors).toEqual([]);
  const group = mgr.buildGroup('rules.yml', groups[0]);
  for (const r of group.rules) if (r instanceof AlertingRule) r.restored = true;
  const write = async (name: string, labels: Record<string, string>, t: number, v: number) => {
    const app = storage.appender();
    app.append(0, Labels.fromObject({ __name__: name, ...labels }), t, v);
    await app.commit();
  };
  const read = async (expr: string, t: number) => (await engine.query(expr, t)).map((s) => ({ labels: s.labels.toObject(), v: s.v }));
  const raw = async (name: string) => {
    const q = await storage.querier(0, Number.MAX_SAFE_INTEGER);
    const { Matcher } = await import('../model/index.js');
    const ss = await q.select([new Matcher('=', '__name__', name)], { start: 0, end: Number.MAX_SAFE_INTEGER });
    return ss.map((s) => {
      const b = s.samples(0, Number.MAX_SAFE_INTEGER);
      return { labels: s.labels.toObject(), t: Array.from(b.t.subarray(0, b.length)), v: Array.from(b.v.subarray(0, b.length)) };
    });
  };
  return { storage, group, write, read, raw };
}

describe('rule group evaluation', () => {
  it('recording rules: renamed, relabelled, appended at the evaluation time; a vanished series gets a staleness marker', async () => {
    const { group, write, raw } = setup('groups:\n- name: g\n  rules:\n  - record: job:x:sum\n    expr: sum by (job) (x)\n    labels: {team: a}\n');
    await write('x', { job: 'a' }, T0, 1);
    await write('x', { job: 'b' }, T0, 2);
    await group.eval(T0);
    let out = await raw('job:x:sum');
    expect(out.map((s) => [s.labels, s.t, s.v])).toEqual([
      [{ __name__: 'job:x:sum', job: 'a', team: 'a' }, [T0], [1]],
      [{ __name__: 'job:x:sum', job: 'b', team: 'a' }, [T0], [2]],
    ]);
    // Series b disappears (a staleness marker ends it in the source), a keeps going.
    const { STALE_NAN } = await import('../model/index.js');
    await write('x', { job: 'b' }, T0 + 10_000, STALE_NAN);
    await write('x', { job: 'a' }, T0 + 10_000, 5);
    await group.eval(T0 + 15_000);
    out = await raw('job:x:sum');
    expect(out[0].v).toEqual([1, 5]);
    expect(out[1].t).toEqual([T0, T0 + 15_000]);
    expect(isStaleNaN(out[1].v[1])).toBe(true);
    expect(group.rules[0].health).toBe('ok');
  });

  it('a recording rule over its limit fails with Prometheus message and writes nothing', async () => {
    const { group, write, raw } = setup('groups:\n- name: g\n  limit: 1\n  rules:\n  - record: r\n    expr: x\n');
    await write('x', { i: '1' }, T0, 1);
    await write('x', { i: '2' }, T0, 1);
    await group.eval(T0);
    expect(group.rules[0].health).toBe('err');
    expect(group.rules[0].lastError).toBe('exceeded limit of 1 with 2 series');
    expect(await raw('r')).toEqual([]);
  });

  it('alerting rules: pending until `for`, then firing; ALERTS and ALERTS_FOR_STATE; resolved after it clears; templates expanded', async () => {
    const sent: { expr: string; alerts: Alert[] }[] = [];
    const { group, write, raw } = setup(
      [
        'groups:',
        '- name: g',
        '  rules:',
        '  - alert: High',
        '    expr: x > 10',
        '    for: 30s',
        '    labels: {severity: "{{ if gt $value 100.0 }}page{{ else }}ticket{{ end }}"}',
        '    annotations:',
        '      summary: "{{ $labels.pod }} at {{ $value | humanize }} in {{ $externalLabels.cluster }} ({{ printf \\"%.1f\\" $value }})"',
      ].join('\n'),
      { notify: (expr, alerts) => sent.push({ expr, alerts }) },
    );
    const rule = group.rules[0] as AlertingRule;
    await write('x', { pod: 'p1' }, T0, 12345);
    await group.eval(T0);
    expect(rule.state()).toBe('pending');
    expect(sent).toEqual([]);
    await group.eval(T0 + 15_000);
    expect(rule.state()).toBe('pending');
    await group.eval(T0 + 30_000);
    expect(rule.state()).toBe('firing');
    const [a] = rule.activeAlerts();
    expect(a.labels.toObject()).toEqual({ alertname: 'High', pod: 'p1', severity: 'page' });
    expect(a.annotations.toObject()).toEqual({ summary: 'p1 at 12.35k in c1 (12345.0)' });
    expect(a.activeAt).toBe(T0);
    expect(sent).toHaveLength(1);
    expect(sent[0].expr).toBe('x > 10');
    expect(sent[0].alerts[0].firedAt).toBe(T0 + 30_000);
    expect(sent[0].alerts[0].validUntil).toBe(T0 + 30_000 + 4 * 60_000);
    const alerts = await raw('ALERTS');
    expect(alerts.map((s) => s.labels.alertstate).sort()).toEqual(['firing', 'pending']);
    const forState = await raw('ALERTS_FOR_STATE');
    expect(forState[0].v).toEqual([T0 / 1000, T0 / 1000, T0 / 1000]);
    // Not re-sent before the resend delay.
    await group.eval(T0 + 45_000);
    expect(sent).toHaveLength(1);
    // The condition clears: resolved at once, sent with its resolve time, ALERTS goes stale.
    const { STALE_NAN } = await import('../model/index.js');
    await write('x', { pod: 'p1' }, T0 + 50_000, STALE_NAN);
    await group.eval(T0 + 60_000);
    expect(rule.state()).toBe('inactive');
    expect(rule.activeAlerts()).toEqual([]);
    expect(sent).toHaveLength(2);
    expect(sent[1].alerts[0].resolvedAt).toBe(T0 + 60_000);
    const firing = (await raw('ALERTS')).find((s) => s.labels.alertstate === 'firing')!;
    expect(isStaleNaN(firing.v[firing.v.length - 1])).toBe(true);
    // Kept (and re-sent) for 15 minutes, then dropped.
    await group.eval(T0 + 60_000 + 15 * 60_000 + 1);
    expect(rule.active.size).toBe(0);
  });

  it('keep_firing_for keeps a cleared alert firing, with keepFiringSince', async () => {
    const { group, write } = setup('groups:\n- name: g\n  rules:\n  - alert: A\n    expr: x > 0\n    keep_firing_for: 1m\n');
    const rule = group.rules[0] as AlertingRule;
    await write('x', {}, T0, 1);
    await group.eval(T0);
    expect(rule.state()).toBe('firing');
    const { STALE_NAN } = await import('../model/index.js');
    await write('x', {}, T0 + 1000, STALE_NAN);
    await group.eval(T0 + 15_000);
    expect(rule.state()).toBe('firing');
    expect(rule.activeAlerts()[0].keepFiringSince).toBe(T0 + 15_000);
    await group.eval(T0 + 75_000);
    expect(rule.state()).toBe('inactive');
  });

  it('an alert vector whose labels collide after relabelling is an error', async () => {
    const { group, write } = setup('groups:\n- name: g\n  rules:\n  - alert: A\n    expr: x\n');
    await write('x', {}, T0, 1);
    await write('y', {}, T0, 1);
    const g2 = setup('groups:\n- name: g\n  rules:\n  - alert: A\n    expr: "{__name__=~\\"x|y\\"}"\n');
    await g2.write('x', {}, T0, 1);
    await g2.write('y', {}, T0, 1);
    await g2.group.eval(T0);
    expect(g2.group.rules[0].lastError).toBe('vector contains metrics with the same labelset after applying alert labels');
    await group.eval(T0);
    expect(group.rules[0].health).toBe('ok');
  });

  it('restores `for` progress from ALERTS_FOR_STATE after a restart', async () => {
    const yaml = 'groups:\n- name: g\n  rules:\n  - alert: A\n    expr: x > 0\n    for: 20m\n';
    const first = setup(yaml);
    await first.write('x', {}, T0, 1);
    await first.group.eval(T0);
    await first.write('x', {}, T0 + 4 * 60_000, 1);
    await first.group.eval(T0 + 5 * 60_000); // pending for 5 minutes, then "crash"
    // A new group over the same storage, as after a restart 1 minute later.
    const mgr2 = new RuleManager({
      engine: promqlRuleEngine(new Engine(first.storage), formatQuery),
      appendable: first.storage,
      queryable: first.storage,
      registry: new Registry(),
      logger: silentLogger(),
      validateExpr: validatePromql,
      externalLabels: Labels.EMPTY,
      externalURL: '',
      evaluationInterval: 15_000,
      resendDelay: 60_000,
      outageTolerance: 3600_000,
      forGracePeriod: 600_000,
    });
    const g = mgr2.buildGroup('rules.yml', parseRuleGroups(yaml, { validateExpr: validatePromql }).groups[0]);
    await first.write('x', {}, T0 + 6 * 60_000, 1);
    await g.eval(T0 + 6 * 60_000);
    const rule = g.rules[0] as AlertingRule;
    expect(rule.activeAlerts()[0].activeAt).toBe(T0 + 6 * 60_000);
    await g.restoreForState(T0 + 6 * 60_000);
    // Pending 5 of 20 minutes before going down at T0+5m; down 1 minute: ActiveAt moves 1 minute later.
    expect(rule.activeAlerts()[0].activeAt).toBe(T0 + 60_000);
    expect(rule.restored).toBe(true);
  });
});

describe('rule groups evaluated in the PromQL query pool', () => {
  const pool = new QueryPool({ workers: 1 });
  afterAll(() => pool.close());

  it("a group's later rules see the recording results and ALERTS of its earlier rules at the same evaluation, as in-thread", async () => {
    const yaml = [
      'groups:',
      '- name: g',
      '  rules:',
      '  - record: job:x:sum',
      '    expr: sum by (job) (x)',
      '  - alert: High',
      '    expr: job:x:sum > 1',
      '    labels: {severity: page}',
      '  - record: high:count',
      '    expr: count(ALERTS{alertname="High", alertstate="firing"})',
      '  - record: chain',
      '    expr: high:count * on() group_left sum(job:x:sum)',
      '',
    ].join('\n');
    const outputs = [];
    for (const engine of [undefined, (s: MemoryStorage) => new PooledEngine(pool, s, { lookbackDelta: 300_000 })]) {
      const { group, write, raw } = setup(yaml, { engine });
      await write('x', { job: 'a' }, T0, 1);
      await write('x', { job: 'b' }, T0, 2);
      await write('x', { job: 'c' }, T0, 5);
      await group.eval(T0);
      await write('x', { job: 'a' }, T0 + 15_000, 3);
      await group.eval(T0 + 15_000);
      expect(group.rules.map((r) => [r.name, r.health, r.lastError])).toEqual([
        ['job:x:sum', 'ok', ''],
        ['High', 'ok', ''],
        ['high:count', 'ok', ''],
        ['chain', 'ok', ''],
      ]);
      outputs.push({ count: await raw('high:count'), chain: await raw('chain'), alerts: await raw('ALERTS') });
    }
    // Two jobs over 1 at the first evaluation, three at the second; the chain multiplies by the sum recorded just before.
    expect(outputs[0].count.map((s) => s.v)).toEqual([[2, 3]]);
    expect(outputs[0].chain.map((s) => s.v)).toEqual([[16, 30]]);
    expect(outputs[1]).toEqual(outputs[0]);
  });

  it('an evaluation error keeps its Prometheus message in the pool', async () => {
    // Dropping the distinguishing label leaves two series with one label set: an error at evaluation, not at load.
    const yaml = 'groups:\n- name: g\n  rules:\n  - record: r\n    expr: label_replace(x, "job", "same", "", "")\n';
    const errors = [];
    for (const engine of [undefined, (s: MemoryStorage) => new PooledEngine(pool, s, { lookbackDelta: 300_000 })]) {
      const { group, write } = setup(yaml, { engine });
      await write('x', { job: 'a' }, T0, 1);
      await write('x', { job: 'b' }, T0, 2);
      await group.eval(T0);
      expect(group.rules[0].health).toBe('err');
      errors.push(group.rules[0].lastError);
    }
    expect(errors[0]).toMatch(/vector cannot contain metrics with the same labelset/);
    expect(errors[1]).toBe(errors[0]);
  });
});

describe('group alignment', () => {
  it("evaluates on the group's grid: the interval offset by the hash of file and name", () => {
    const h = groupHash('/etc/prometheus/alerts.yml', 'kubernetes_alerts');
    const off = Number(h % 30_000_000_000n) / 1e6;
    const t = evalTimestamp(h, 30_000, T0 + 12_345);
    expect(t).toBeLessThanOrEqual(T0 + 12_345);
    expect(T0 + 12_345 - t).toBeLessThan(30_000);
    expect((((t - Math.floor(off)) % 30_000) + 30_000) % 30_000).toBe(0);
    expect(evalTimestamp(h, 30_000, t + 30_001)).toBe(t + 30_000);
  });

  it('a group runs on its own at its interval', async () => {
    const { group, raw, write } = setup('groups:\n- name: g\n  interval: 1s\n  rules:\n  - record: r\n    expr: vector(1)\n');
    void write;
    const g = group as RuleGroup;
    Object.assign(g, { interval: 200 });
    g.start();
    await new Promise((r) => setTimeout(r, 900));
    await g.stop();
    const out = await raw('r');
    expect(out[0].t.length).toBeGreaterThanOrEqual(2);
    // Each evaluation lands on the group's 200 ms grid.
    const off = Number(g.hash() % 200_000_000n) / 1e6;
    for (const t of out[0].t) expect(Math.abs((((t - Math.floor(off)) % 200) + 200) % 200)).toBeLessThanOrEqual(1);
  });

  it('an evaluation slower than the interval skips slots and counts them as missed, as Prometheus', async () => {
    const registry = new Registry();
    let evals = 0;
    const slow = {
      async query() {
        evals++;
        await new Promise((r) => setTimeout(r, 450));
        return [];
      },
      format: (e: string) => e,
    };
    const mgr = new RuleManager({
      engine: slow,
      appendable: new MemoryStorage(),
      registry,
      logger: silentLogger(),
      validateExpr: validatePromql,
      externalLabels: Labels.EMPTY,
      externalURL: 'http://prom:9090',
      evaluationInterval: 200,
      resendDelay: 60_000,
      outageTolerance: 3600_000,
      forGracePeriod: 600_000,
    });
    const { groups } = parseRuleGroups('groups:\n- name: slow\n  rules:\n  - record: r\n    expr: vector(1)\n', { validateExpr: validatePromql });
    const g = mgr.buildGroup('rules.yml', groups[0]);
    g.start();
    await new Promise((r) => setTimeout(r, 1800));
    await g.stop();
    const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values.find((v) => v.labels.rule_group === 'rules.yml;slow')?.value ?? 0;
    const missed = await value('prometheus_rule_group_iterations_missed_total');
    expect(missed).toBeGreaterThanOrEqual(2);
    // Every slot is counted once: evaluated or missed.
    expect(await value('prometheus_rule_group_iterations_total')).toBe(evals + missed);
  });
});
