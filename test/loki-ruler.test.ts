import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { RULER_MODES, pooledQueries } from './helpers/logql-load.js';
import { MemoryStorage } from '../src/metrics/storage-api/index.js';
import { Labels, Matcher } from '../src/model/index.js';
import type { AlertingRule} from '../src/rules/index.js';
import { RuleManager, parseRuleFile, type Alert } from '../src/rules/index.js';
import { logqlRuleEngine, validateLogql } from '../src/rules/loki/index.js';
import { Registry, silentLogger } from '../src/server/index.js';

/**
 * The Loki ruler's evaluation path: the seed's loki-alerts.yml, loaded unchanged, evaluated by the one rule engine
 * through the LogQL engine over logs pushed to a real logs component (HTTP push API). It goes pending when error
 * lines arrive faster than 10/s, fires after its `for: 5m`, and resolves when they stop. Both with the rule queries on
 * the main thread (`logs.query.workers: 0`) and in a LogQL query worker: same states, values and order.
 */
const SEED = '/work/shared/seed/loki-alerts.yml';
const MIN = 60_000;

describe.each(RULER_MODES)('Loki ruler: the seed loki-alerts.yml over pushed logs (workers $workers)', ({ workers }) => {
  let dir: string;
  let loki: RunningLogs;
  const T = Math.floor((Date.now() - 30 * MIN) / 1000) * 1000;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'loki-ruler-'));
    loki = await startLogsForTest(dir, { query: { workers } });
    // 12 error lines a second in production over [T-5m, T+5m]; 50 info lines a second elsewhere (must not count).
    const prod: Array<[string, string]> = [];
    const other: Array<[string, string]> = [];
    for (let ms = T - 5 * MIN; ms < T + 5 * MIN; ms += 1000) {
      for (let i = 0; i < 12; i++) prod.push([String(BigInt(ms + i) * 1_000_000n), `level=error msg="request failed" i=${i}`]);
      for (let i = 0; i < 50; i++) other.push([String(BigInt(ms + i) * 1_000_000n), `level=error msg="staging noise"`]);
    }
    const res = await fetch(`${loki.base}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { namespace: 'production', app: 'api' }, values: prod }, { stream: { namespace: 'staging', app: 'api' }, values: other }] }),
    });
    expect(res.status).toBe(204);
  }, 30_000);

  afterAll(async () => {
    await loki?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads unchanged, goes pending, fires after for: 5m, resolves when the errors stop; ALERTS written', async () => {
    const { groups, errors } = parseRuleFile(SEED, { validateExpr: validateLogql });
    expect(errors).toEqual([]);
    const storage = new MemoryStorage();
    const sent: Alert[][] = [];
    const mgr = new RuleManager({
      engine: logqlRuleEngine(loki.component.queries, 'fake'),
      appendable: storage,
      registry: new Registry(),
      logger: silentLogger(),
      validateExpr: validateLogql,
      externalLabels: Labels.EMPTY,
      externalURL: 'http://loki:3100',
      evaluationInterval: MIN,
      resendDelay: MIN,
      outageTolerance: 3600_000,
      forGracePeriod: 600_000,
      notify: (_expr, alerts) => sent.push(alerts.map((a) => a)),
    });
    const group = mgr.buildGroup(SEED, groups[0]);
    const rule = group.rules[0] as AlertingRule;
    rule.restored = true;

    await group.eval(T);
    expect(rule.health).toBe('ok');
    expect(rule.state()).toBe('pending');
    const [pending] = rule.activeAlerts();
    expect(pending.labels.toObject()).toEqual({ alertname: 'HighErrorLogRate', severity: 'warning' });
    expect(pending.value).toBeCloseTo(12, 5);

    await group.eval(T + 5 * MIN);
    expect(rule.state()).toBe('firing');
    const [firing] = rule.activeAlerts();
    expect(firing.annotations.toObject()).toEqual({ summary: 'High error log rate in production', description: 'More than 10 error logs per second' });
    expect(sent.flat().some((a) => a.state === 'firing')).toBe(true);

    // No error lines after T+5m: at T+11m the 5m window is empty, the alert resolves.
    await group.eval(T + 11 * MIN);
    expect(rule.state()).toBe('inactive');
    const last = sent[sent.length - 1];
    expect(last[0].resolvedAt).toBeGreaterThan(0);

    const q = await storage.querier(0, Number.MAX_SAFE_INTEGER);
    const alerts = await q.select([new Matcher('=', '__name__', 'ALERTS')], { start: 0, end: Number.MAX_SAFE_INTEGER });
    const states = alerts.map((s) => s.labels.get('alertstate')).sort();
    expect(states).toEqual(['firing', 'pending']);
    // The three evaluations ran in the query worker when there is one.
    expect(pooledQueries(await loki.metrics())).toBe(workers > 0 ? 3 : NaN);
  });

  it('a log (stream) query or bad LogQL is refused at load as Loki refuses it', () => {
    expect(validateLogql('{namespace="production"} |= "error"')).toMatch(/log queries are not supported/);
    expect(validateLogql('sum(rate({namespace="production"}[5m]')).not.toBeNull();
    expect(validateLogql('sum(rate({namespace="production"} |= "error" [5m])) > 10')).toBeNull();
  });
});
