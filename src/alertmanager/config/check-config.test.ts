import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/index.js';
import { parseAlertmanagerConfig } from './load-config.js';

const AMTOOL = spawnSync('amtool', ['--version']).status === 0;

const ok = `
global:
  resolve_timeout: 1m
  smtp_smarthost: 'localhost:25'
  smtp_from: 'am@example.org'
  slack_api_url: 'https://hooks.slack.com/services/x'
route:
  receiver: team-a
  group_by: ['alertname', 'cluster']
  group_wait: 10s
  group_interval: 1m
  repeat_interval: 3h
  routes:
    - matchers: ['severity="critical"', 'team=~"db|web"']
      receiver: pager
      continue: true
      mute_time_intervals: [offhours]
    - match: { service: api }
      match_re: { env: 'prod|staging' }
      receiver: team-b
      group_by: ['...']
      active_time_intervals: [business]
      routes:
        - receiver: email
          matchers: [ 'a!="b"' ]
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname]
  - source_match: { severity: page }
    target_match_re: { severity: 'info|warn' }
receivers:
  - name: team-a
    webhook_configs:
      - url: 'http://127.0.0.1:5001/hook'
        send_resolved: false
        max_alerts: 10
  - name: team-b
    slack_configs:
      - channel: '#alerts'
        fields: [{ title: t, value: v }]
  - name: pager
    pagerduty_configs:
      - routing_key: abc
        severity: critical
  - name: email
    email_configs:
      - to: 'ops@example.org'
        headers: { Subject: 'hello' }
time_intervals:
  - name: business
    time_intervals:
      - weekdays: ['monday:friday']
        times: [{ start_time: '09:00', end_time: '17:00' }]
        location: 'Europe/Berlin'
mute_time_intervals:
  - name: offhours
    time_intervals:
      - days_of_month: ['1:5', '-3:-1']
        months: ['january:march', '12']
        years: ['2020:2030']
templates: ['tmpl/*.tmpl']
`;

const route = `route:\n  receiver: r\nreceivers:\n  - name: r\n`;

/** Cases: [name, yaml]. Each must be judged the same way by amtool check-config and by us. */
const CASES: [string, string][] = [
  ['full valid', ok],
  ['minimal valid', route],
  ['empty file', ''],
  ['no route', 'receivers:\n  - name: r\n'],
  ['root without receiver', 'route:\n  group_by: [a]\nreceivers:\n  - name: r\n'],
  ['root with matchers', 'route:\n  receiver: r\n  matchers: [a="b"]\nreceivers:\n  - name: r\n'],
  ['root with continue', 'route:\n  receiver: r\n  continue: true\nreceivers:\n  - name: r\n'],
  ['undefined receiver', 'route:\n  receiver: r\n  routes:\n    - receiver: x\nreceivers:\n  - name: r\n'],
  ['duplicate receiver', route + '  - name: r\n'],
  ['receiver without name', route + '  - webhook_configs: [{url: "http://x/"}]\n'],
  ['unknown top key', route + 'foo: 1\n'],
  ['unknown route key', 'route:\n  receiver: r\n  grop_by: [a]\nreceivers:\n  - name: r\n'],
  ['unknown receiver key', 'route:\n  receiver: r\nreceivers:\n  - name: r\n    webhook_config: []\n'],
  ['bad group_by label', 'route:\n  receiver: r\n  group_by: ["a-b"]\nreceivers:\n  - name: r\n'],
  ['wildcard and labels', 'route:\n  receiver: r\n  group_by: ["...", a]\nreceivers:\n  - name: r\n'],
  ['duplicate group_by', 'route:\n  receiver: r\n  group_by: [a, a]\nreceivers:\n  - name: r\n'],
  ['zero group_interval', 'route:\n  receiver: r\n  group_interval: 0s\nreceivers:\n  - name: r\n'],
  ['zero repeat_interval', 'route:\n  receiver: r\n  repeat_interval: 0s\nreceivers:\n  - name: r\n'],
  ['zero group_wait ok', 'route:\n  receiver: r\n  group_wait: 0s\nreceivers:\n  - name: r\n'],
  ['bad duration', 'route:\n  receiver: r\n  group_wait: 10x\nreceivers:\n  - name: r\n'],
  ['bad matcher', 'route:\n  receiver: r\n  routes:\n    - matchers: ["a~b"]\nreceivers:\n  - name: r\n'],
  ['unquoted matcher ok', 'route:\n  receiver: r\n  routes:\n    - matchers: ["a=b", "c=~d.*"]\nreceivers:\n  - name: r\n'],
  ['bad regex in matcher', 'route:\n  receiver: r\n  routes:\n    - matchers: [\'a=~"(b"\']\nreceivers:\n  - name: r\n'],
  ['bad match_re', 'route:\n  receiver: r\n  routes:\n    - match_re: { a: "[" }\nreceivers:\n  - name: r\n'],
  ['bad match label', 'route:\n  receiver: r\n  routes:\n    - match: { "1a": b }\nreceivers:\n  - name: r\n'],
  ['webhook without url', route + '    webhook_configs: [{send_resolved: true}]\n'],
  ['webhook bad scheme', route + '    webhook_configs: [{url: "ftp://x/"}]\n'],
  ['email without to', route + '    email_configs: [{smarthost: "a:25", from: "a@b"}]\n'],
  ['email without smarthost', route + '    email_configs: [{to: "a@b", from: "a@b"}]\n'],
  ['email without from', route + '    email_configs: [{to: "a@b", smarthost: "a:25"}]\n'],
  ['email smarthost without port', route + '    email_configs: [{to: "a@b", from: "a@b", smarthost: "a:"}]\n'],
  ['slack without url', route + '    slack_configs: [{channel: "#a"}]\n'],
  ['slack with url', route + '    slack_configs: [{api_url: "https://h/x"}]\n'],
  ['slack field without value', route + '    slack_configs: [{api_url: "https://h/x", fields: [{title: a}]}]\n'],
  ['pagerduty without key', route + '    pagerduty_configs: [{severity: x}]\n'],
  ['pagerduty service key', route + '    pagerduty_configs: [{service_key: x}]\n'],
  ['pagerduty bad url', route + '    pagerduty_configs: [{routing_key: x, url: "mailto:x"}]\n'],
  ['opsgenie without key', route + '    opsgenie_configs: [{message: x}]\n'],
  ['telegram without chat', route + '    telegram_configs: [{bot_token: x}]\n'],
  ['discord without url', route + '    discord_configs: [{title: x}]\n'],
  ['undefined time interval', 'route:\n  receiver: r\n  routes:\n    - mute_time_intervals: [x]\nreceivers:\n  - name: r\n'],
  ['root mute interval', 'route:\n  receiver: r\n  mute_time_intervals: [x]\nreceivers:\n  - name: r\ntime_intervals:\n  - name: x\n    time_intervals: []\n'],
  ['duplicate time interval', route + 'time_intervals:\n  - name: x\n  - name: x\n'],
  ['time interval without name', route + 'time_intervals:\n  - time_intervals: []\n'],
  ['bad weekday', route + 'time_intervals:\n  - name: x\n    time_intervals: [{weekdays: [funday]}]\n'],
  ['reversed weekdays', route + 'time_intervals:\n  - name: x\n    time_intervals: [{weekdays: ["friday:monday"]}]\n'],
  ['bad time', route + 'time_intervals:\n  - name: x\n    time_intervals: [{times: [{start_time: "9:00", end_time: "17:00"}]}]\n'],
  ['start after end time', route + 'time_intervals:\n  - name: x\n    time_intervals: [{times: [{start_time: "18:00", end_time: "17:00"}]}]\n'],
  ['bad day of month', route + 'time_intervals:\n  - name: x\n    time_intervals: [{days_of_month: ["0"]}]\n'],
  ['negative then positive day', route + 'time_intervals:\n  - name: x\n    time_intervals: [{days_of_month: ["-3:5"]}]\n'],
  ['bad month', route + 'time_intervals:\n  - name: x\n    time_intervals: [{months: ["smarch"]}]\n'],
  ['bad location', route + 'time_intervals:\n  - name: x\n    time_intervals: [{location: "Mars/Olympus"}]\n'],
  ['inhibit bad label', route + 'inhibit_rules:\n  - source_match: { "a-b": c }\n'],
  ['inhibit unknown key', route + 'inhibit_rules:\n  - source: { a: c }\n'],
  ['global unknown key', route + 'global:\n  resolve_timeot: 5m\n'],
  ['global smtp', route + 'global:\n  smtp_smarthost: "h:25"\n  smtp_from: a@b\n    \n'],
  ['route continue nested ok', 'route:\n  receiver: r\n  routes:\n    - receiver: r\n      continue: true\nreceivers:\n  - name: r\n'],
  ['not a mapping', '- a\n- b\n'],
  ['duplicate key', 'route:\n  receiver: r\n  receiver: r\nreceivers:\n  - name: r\n'],
];

function ours(text: string): { ok: true } | { ok: false; err: ConfigError } {
  try {
    parseAlertmanagerConfig(text, '/tmp/alertmanager.yml');
    return { ok: true };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, err: e };
    throw e;
  }
}

describe('alertmanager.yml validation', () => {
  it('parses a full config into routes, receivers and intervals', () => {
    const c = parseAlertmanagerConfig(ok, '/etc/am/alertmanager.yml');
    expect(c.route.receiver).toBe('team-a');
    expect(c.route.routes[0].matchers.map(String)).toEqual(['severity="critical"', 'team=~"db|web"']);
    expect(c.route.routes[1].groupByAll).toBe(true);
    expect(c.route.routes[1].matchers.map(String)).toEqual(['env=~"prod|staging"', 'service="api"']);
    expect(c.global.resolve_timeout).toBe(60_000);
    expect(c.receivers[3].email_configs[0].smarthost).toBe('localhost:25');
    expect(c.receivers[3].email_configs[0].require_tls).toBe(true);
    expect(c.receivers[1].slack_configs[0].api_url).toBe('https://hooks.slack.com/services/x');
    expect(c.receivers[2].pagerduty_configs[0].url).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(c.templates).toEqual(['/etc/am/tmpl/*.tmpl']);
    expect(c.timeIntervals.get('business')?.[0].weekdays).toEqual([{ begin: 1, end: 5 }]);
    expect(c.inhibitRules[1].targetMatchers.map(String)).toEqual(['severity=~"info|warn"']);
  });

  it('names the path and reason of a bad key', () => {
    const r = ours('route:\n  receiver: r\n  routes:\n    - group_by: ["a-b"]\nreceivers:\n  - name: r\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.err.message).toBe('/tmp/alertmanager.yml: route.routes[0].group_by: invalid label name "a-b" in group_by list');
    const u = ours(route + 'foo: 1\n');
    if (!u.ok) expect(u.err.message).toContain('foo: unknown key "foo"');
  });

  describe.skipIf(!AMTOOL)('agrees with amtool check-config on valid and invalid files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'am-check-'));
    it.each(CASES)('%s', (name, text) => {
      const file = join(dir, `${name.replace(/\W+/g, '_')}.yml`);
      writeFileSync(file, text);
      const real = spawnSync('amtool', ['check-config', file], { encoding: 'utf8' });
      const mine = ours(text);
      const realOk = real.status === 0;
      expect({ name, valid: mine.ok, reason: mine.ok ? '' : mine.err.message }).toMatchObject({ name, valid: realOk });
    });
  });
});
