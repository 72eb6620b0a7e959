import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../server/index.js';
import { openUiDatabase, type UiDatabase } from '../db/open.js';
import { AlertingConfigStore, toAlertmanagerYaml } from './alerting-config.js';
import { applyAlertingProvisioning, readAlertingProvisioning } from './provisioning.js';
import { planRule } from './rule-model.js';
import { AlertRuleStore } from './rule-store.js';

const FILE = `apiVersion: 1
contactPoints:
  - orgId: 1
    name: ops
    receivers:
      - uid: ops-hook
        type: webhook
        settings: { url: $HOOK_URL }
      - uid: ops-chat
        type: slack
        settings: { url: http://127.0.0.1:9/slack, recipient: '#ops' }
        disableResolveMessage: true
muteTimes:
  - orgId: 1
    name: nights
    time_intervals: [{ times: [{ start_time: '22:00', end_time: '24:00' }] }]
policies:
  - orgId: 1
    receiver: ops
    group_by: [grafana_folder, alertname]
    routes:
      - receiver: ops
        object_matchers: [[severity, '=', critical]]
        mute_time_intervals: [nights]
groups:
  - orgId: 1
    name: api
    folder: services
    interval: 30s
    rules:
      - uid: high-errors
        title: HighErrors
        condition: B
        for: 5m
        labels: { severity: critical }
        data:
          - refId: A
            datasourceUid: prometheus
            model: { expr: 'sum(rate(http_errors_total[5m]))' }
          - refId: B
            datasourceUid: __expr__
            model: { type: math, expression: '$$A > 0.5' } # $$ escapes the environment expansion
`;

describe('alerting provisioning files', () => {
  let db: UiDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'alerting-prov-'));
  beforeAll(async () => {
    db = await openUiDatabase({ type: 'sqlite', path: join(dir, 'ui.db') });
  });
  afterAll(async () => db?.close());

  it('provisions contact points, mute timings, policies and rule groups as Grafana reads them', async () => {
    mkdirSync(join(dir, 'prov', 'alerting'), { recursive: true });
    writeFileSync(join(dir, 'prov', 'alerting', 'alerting.yaml'), FILE);
    const files = readAlertingProvisioning(join(dir, 'prov'), { HOOK_URL: 'http://127.0.0.1:9/hook' });
    const config = new AlertingConfigStore(db.db, () => 'route: { receiver: default }\nreceivers: [{ name: default }]\n');
    const rules = new AlertRuleStore(db.db);
    await applyAlertingProvisioning(files, config, rules, silentLogger());

    const doc = await config.load();
    expect(AlertingConfigStore.contactPoints(doc).filter((c) => c.name === 'ops')).toMatchObject([
      { uid: 'ops-hook', type: 'webhook', settings: { url: 'http://127.0.0.1:9/hook' }, provenance: 'file' },
      { uid: 'ops-chat', type: 'slack', disableResolveMessage: true },
    ]);
    const yaml = toAlertmanagerYaml(doc);
    expect(yaml).toContain('url: http://127.0.0.1:9/hook');
    expect(yaml).toContain('channel: "#ops"');
    expect(yaml).toContain('severity="critical"');
    expect(AlertingConfigStore.muteTimings(doc).map((t) => t.name)).toEqual(['nights']);

    const rule = await rules.get('high-errors');
    expect(rule).toMatchObject({ folderUID: 'services', ruleGroup: 'api', intervalSeconds: 30, for: '5m', provenance: 'file' });
    expect(planRule(rule!)).toEqual({ datasourceUid: 'prometheus', expr: '(sum(rate(http_errors_total[5m]))) > 0.5', query: 'sum(rate(http_errors_total[5m]))' });

    // The mute timing is in use: deleting it is refused.
    await expect(config.update((d) => AlertingConfigStore.deleteMuteTiming(d, 'nights', 'file'))).rejects.toThrow(/used by a notification policy/);
    // Provisioned objects cannot be changed as provenance-less ones (the UI), as in Grafana.
    await expect(config.update((d) => AlertingConfigStore.updateContactPoint(d, 'ops-hook', { name: 'ops', type: 'webhook', settings: { url: 'http://x/' }, disableResolveMessage: false }))).rejects.toThrow(
      "Resource with provenance status 'file' cannot be changed to 'none'",
    );
    await expect(rules.delete('high-errors', '')).rejects.toThrow(/provenance status 'file'/);
    expect((await config.load()).policies_provenance).toBe('file');
    expect(await rules.delete('high-errors', 'file')).toBe(true);
  });

  it('refuses a file with its path and reason', () => {
    mkdirSync(join(dir, 'bad', 'alerting'), { recursive: true });
    writeFileSync(join(dir, 'bad', 'alerting', 'a.yaml'), 'apiVersion: 1\ngroups:\n  - name: g\n    folder: f\n    rules: [{ title: t, condition: A, data: [] }]\n');
    expect(() => readAlertingProvisioning(join(dir, 'bad'))).toThrow(/a\.yaml: groups\.g\.rules\.0.*data/);
  });

  it('plans thresholds and ranges into the query language', () => {
    const q = (type: string, params: number[]) => planRule({ condition: 'C', data: [{ refId: 'A', datasourceUid: 'loki', model: { expr: 'count_over_time({app="x"}[1m])' } }, { refId: 'C', datasourceUid: '__expr__', model: { type: 'threshold', expression: 'A', conditions: [{ evaluator: { type: type as 'gt', params } }] } }] }).expr;
    expect(q('lt', [3])).toBe('(count_over_time({app="x"}[1m])) < 3');
    expect(q('outside_range', [1, 9])).toBe('(count_over_time({app="x"}[1m])) < 1 or (count_over_time({app="x"}[1m])) > 9');
  });
});
