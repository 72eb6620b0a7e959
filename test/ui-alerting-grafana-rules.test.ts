/**
 * Grafana-managed alerting over HTTP against `sightline --target all`: a contact point, a policy and a rule made
 * through Grafana's provisioning API; the rule (a threshold over a metric of an instrumented app) is evaluated by
 * the rules engine, goes pending then firing, and the built-in Alertmanager delivers it to a loopback webhook;
 * then it resolves. Also: the contact point test-send, mute timings, and Grafana's error answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type SpawnedSightline } from './helpers/process.js';
import { startAlertingStack, startInstrumentedApp, startWebhook } from './helpers/alerting-stack.js';

const PASSWORD = 'grafana-rules-admin-password';

describe('Grafana-managed alert rules, contact points, policies and mute timings', () => {
  let sightline: SpawnedSightline;
  let base: string;
  let amUrl: string;
  let lokiUrl: string;
  let app: Awaited<ReturnType<typeof startInstrumentedApp>>;
  let hook: Awaited<ReturnType<typeof startWebhook>>;
  let cookie: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> => {
    const headers: Record<string, string> = body === undefined ? { cookie } : { cookie, 'content-type': 'application/json' };
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  };

  beforeAll(async () => {
    [app, hook] = await Promise.all([startInstrumentedApp(), startWebhook()]);
    const s = await startAlertingStack(app.port, PASSWORD);
    sightline = s.sightline;
    base = `http://127.0.0.1:${s.ports.ui}`;
    amUrl = `http://127.0.0.1:${s.ports.alertmanager}`;
    lokiUrl = `http://127.0.0.1:${s.ports.loki}`;
    // One sign-in (password hashing is deliberately slow), then the session cookie.
    const login = await fetch(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password: PASSWORD }) });
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  }, 60_000);

  afterAll(async () => {
    if (sightline && sightline.child.exitCode === null) {
      sightline.child.kill('SIGTERM');
      await sightline.exited;
    }
    await Promise.all([app?.close(), hook?.close()]);
  });

  it('refuses malformed objects with Grafana-style 400s', async () => {
    const badCp = await call('POST', '/api/v1/provisioning/contact-points', { name: 'x', type: 'webhook', settings: {} });
    expect(badCp.status).toBe(400);
    expect(badCp.json.message).toContain('url');
    const badType = await call('POST', '/api/v1/provisioning/contact-points', { name: 'x', type: 'carrier-pigeon', settings: {} });
    expect(badType.status).toBe(400);
    const badRule = await call('POST', '/api/v1/provisioning/alert-rules', { folderUID: 'f', ruleGroup: 'g', title: 't', condition: 'Z', data: [{ refId: 'A', datasourceUid: 'prometheus', model: { expr: 'up' } }] });
    expect(badRule.status).toBe(400);
    expect(badRule.json.message).toContain('unknown refId Z');
    const badPolicy = await call('PUT', '/api/v1/provisioning/policies', { receiver: 'nobody' });
    expect(badPolicy.status).toBe(400);
    expect(badPolicy.json.message).toContain('nobody');
  });

  it('creates a webhook contact point, test-sends it and routes a policy to it', async () => {
    const cp = await call('POST', '/api/v1/provisioning/contact-points', { name: 'oncall-hook', type: 'webhook', settings: { url: hook.url } });
    expect(cp.status).toBe(202);
    expect(cp.json.uid).toMatch(/^[\w-]+$/);
    const list = await call('GET', '/api/v1/provisioning/contact-points');
    expect(list.json.find((x: { name: string }) => x.name === 'oncall-hook')).toMatchObject({ type: 'webhook', settings: { url: hook.url }, provenance: 'api' });

    const test = await call('POST', '/api/alertmanager/grafana/config/api/v1/receivers/test', { receivers: [{ name: 'oncall-hook', grafana_managed_receiver_configs: [{ uid: cp.json.uid, type: 'webhook', settings: { url: hook.url } }] }] });
    expect(test.status).toBe(200);
    expect(test.json.receivers[0].grafana_managed_receiver_configs[0].status).toBe('ok');
    const testMsg = hook.messages.find((m) => m.commonLabels.alertname === 'TestAlert');
    expect(testMsg?.alerts[0].annotations.summary).toBe('Notification test');

    const put = await call('PUT', '/api/v1/provisioning/policies', {
      receiver: 'default',
      group_wait: '1s',
      group_interval: '1s',
      routes: [{ receiver: 'oncall-hook', object_matchers: [['team', '=', 'checkout']], group_by: ['alertname'], group_wait: '1s', group_interval: '1s' }],
    });
    expect(put.status).toBe(202);
    const tree = await call('GET', '/api/v1/provisioning/policies');
    expect(tree.json.routes[0]).toMatchObject({ receiver: 'oncall-hook', object_matchers: [['team', '=', 'checkout']] });
    // Applied to the running Alertmanager.
    const receivers = (await (await fetch(`${amUrl}/api/v2/receivers`)).json()) as { name: string }[];
    expect(receivers.map((r) => r.name)).toContain('oncall-hook');
    // Made through the API, it cannot be changed as a provenance-less (UI) object.
    const asUi = await fetch(`${base}/api/v1/provisioning/contact-points/${cp.json.uid}`, { method: 'PUT', headers: { cookie, 'content-type': 'application/json', 'x-disable-provenance': 'true' }, body: JSON.stringify({ name: 'oncall-hook', type: 'webhook', settings: { url: hook.url } }) });
    expect(asUi.status).toBe(403);
    expect(((await asUi.json()) as { message: string }).message).toContain("provenance status 'api'");
    // A contact point a policy uses is not deleted.
    expect((await call('DELETE', `/api/v1/provisioning/contact-points/${cp.json.uid}`)).status).toBe(409);
  });

  it('keeps mute timings in the Alertmanager configuration', async () => {
    const mt = { name: 'weekends', time_intervals: [{ weekdays: ['saturday', 'sunday'] }] };
    expect((await call('POST', '/api/v1/provisioning/mute-timings', mt)).status).toBe(201);
    expect((await call('POST', '/api/v1/provisioning/mute-timings', mt)).status).toBe(409);
    expect((await call('GET', '/api/v1/provisioning/mute-timings/weekends')).json).toMatchObject(mt);
    const bad = await call('PUT', '/api/v1/provisioning/mute-timings/weekends', { name: 'weekends', time_intervals: [{ weekdays: ['caturday'] }] });
    expect(bad.status).toBe(400);
    const status = (await (await fetch(`${amUrl}/api/v2/status`)).json()) as { config: { original: string } };
    expect(status.config.original).toContain('weekends');
    expect((await call('DELETE', '/api/v1/provisioning/mute-timings/weekends')).status).toBe(204);
    expect((await call('GET', '/api/v1/provisioning/mute-timings/weekends')).status).toBe(404);
  });

  it("handles no data and query errors by the rule's noDataState and execErrState", async () => {
    const rule = (title: string, expr: string, extra: object) => ({
      folderUID: 'edge',
      ruleGroup: 'states',
      title,
      condition: 'C',
      intervalSeconds: 1,
      for: '0s',
      data: [
        { refId: 'A', datasourceUid: 'prometheus', model: { expr } },
        { refId: 'C', datasourceUid: '__expr__', model: { type: 'threshold', expression: 'A', conditions: [{ evaluator: { type: 'gt', params: [0] } }] } },
      ],
      ...extra,
    });
    const made = await Promise.all([
      call('POST', '/api/v1/provisioning/alert-rules', rule('NoDataAlerts', 'metric_that_does_not_exist', { noDataState: 'Alerting' })),
      call('POST', '/api/v1/provisioning/alert-rules', rule('NoDataOk', 'metric_that_does_not_exist', { noDataState: 'OK' })),
      call('POST', '/api/v1/provisioning/alert-rules', rule('BrokenQuery', 'rate(', { execErrState: 'Error' })),
      call('POST', '/api/v1/provisioning/alert-rules', rule('BrokenQueryAlerts', 'rate(', { execErrState: 'Alerting' })),
      // Grafana's defaults (noDataState NoData): a DatasourceNoData alert with the rule's labels.
      call('POST', '/api/v1/provisioning/alert-rules', rule('NoDataDefault', 'another_metric_that_does_not_exist', { labels: { team: 'edge' } })),
    ]);
    expect(made.map((m) => m.status)).toEqual([201, 201, 201, 201, 201]);
    const states = async () => {
      const r = await call('GET', '/api/prometheus/grafana/api/v1/rules');
      const rules = r.json.data.groups.flatMap((g: { rules: unknown[] }) => g.rules) as { name: string; state: string; health: string; lastError: string }[];
      return Object.fromEntries(rules.filter((x) => ['NoDataAlerts', 'NoDataOk', 'BrokenQuery', 'BrokenQueryAlerts'].includes(x.name)).map((x) => [x.name, x]));
    };
    const s = await waitFor(async () => {
      const cur = await states();
      return Object.values(cur).every((x) => x.health !== 'unknown') && cur.NoDataAlerts?.state === 'firing' && cur.BrokenQueryAlerts?.state === 'firing' ? cur : undefined;
    }, 10_000, 'no-data and error states');
    expect(s.NoDataOk).toMatchObject({ state: 'inactive', health: 'ok' });
    expect(s.BrokenQuery).toMatchObject({ state: 'inactive', health: 'err' });
    expect(s.BrokenQuery.lastError).toContain('parse error');
    // Turned into Alerting, the error is still shown.
    expect(s.BrokenQueryAlerts.lastError).toContain('parse error');
    // The Alertmanager got Grafana's DatasourceNoData (default noDataState) and DatasourceError (execErrState Error).
    type AmAlert = { labels: Record<string, string>; annotations: Record<string, string>; status: { state: string } };
    const special = async () => ((await (await fetch(`${amUrl}/api/v2/alerts?active=true`)).json()) as AmAlert[]).filter((a) => a.labels.alertname.startsWith('Datasource'));
    const got = await waitFor(async () => {
      const list = await special();
      return list.some((a) => a.labels.alertname === 'DatasourceNoData') && list.some((a) => a.labels.alertname === 'DatasourceError') ? list : undefined;
    }, 10_000, 'DatasourceNoData and DatasourceError alerts');
    expect(got.map((a) => `${a.labels.alertname}/${a.labels.rulename}`).sort()).toEqual(['DatasourceError/BrokenQuery', 'DatasourceNoData/NoDataDefault']);
    expect(got.find((a) => a.labels.alertname === 'DatasourceNoData')!.labels).toMatchObject({ team: 'edge', grafana_folder: 'edge' });
    expect(got.find((a) => a.labels.alertname === 'DatasourceError')!.annotations.Error).toContain('parse error');
    for (const m of made) expect((await call('DELETE', `/api/v1/provisioning/alert-rules/${m.json.uid}`)).status).toBe(204);
    // Deleting the rules resolves them.
    await waitFor(async () => ((await special()).length === 0 ? true : undefined), 10_000, 'Datasource* alerts resolved');
  });

  it('evaluates a LogQL rule on the Loki datasource, and replaces a rule group with its interval', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const push = await fetch(`${lokiUrl}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { app: 'checkout' }, values: [0n, 1n, 2n].map((i) => [String(now + i), `level=error msg="payment declined ${i}"`]) }] }),
    });
    expect(push.status).toBe(204);
    const group = await call('PUT', '/api/v1/provisioning/folder/logs/rule-groups/errors', {
      interval: 1,
      rules: [
        {
          uid: 'log-errors',
          title: 'PaymentErrors',
          condition: 'A',
          for: '0s',
          labels: { team: 'payments' },
          data: [{ refId: 'A', datasourceUid: 'loki', model: { expr: 'sum by (app) (count_over_time({app="checkout"} |= "declined" [5m])) > 2' } }],
        },
      ],
    });
    expect(group.status).toBe(200);
    expect(group.json).toMatchObject({ title: 'errors', folderUid: 'logs', interval: 1, rules: [{ uid: 'log-errors', ruleGroup: 'errors' }] });
    const rule = async () => {
      const r = await call('GET', '/api/prometheus/grafana/api/v1/rules');
      return r.json.data.groups.flatMap((g: { rules: unknown[] }) => g.rules).find((x: { uid: string }) => x.uid === 'log-errors') as { state: string; alerts: { labels: Record<string, string>; value: string }[] };
    };
    const firing = await waitFor(async () => ((await rule())?.state === 'firing' ? rule() : undefined), 10_000, 'LogQL rule firing');
    expect(firing.alerts[0]).toMatchObject({ labels: { app: 'checkout', team: 'payments', alertname: 'PaymentErrors' }, value: '3' });
    // An empty group removes its rules.
    expect((await call('PUT', '/api/v1/provisioning/folder/logs/rule-groups/errors', { interval: 1, rules: [] })).status).toBe(200);
    expect((await call('GET', '/api/v1/provisioning/alert-rules/log-errors')).status).toBe(404);
  });

  it('evaluates a threshold rule on a scraped metric: pending, firing, delivered, resolved', async () => {
    const rule = {
      folderUID: 'checkout',
      ruleGroup: 'queues',
      title: 'QueueBacklog',
      condition: 'C',
      intervalSeconds: 1,
      for: '2s',
      labels: { team: 'checkout', severity: 'page' },
      annotations: { summary: 'queue depth is {{ $value }}' },
      data: [
        { refId: 'A', datasourceUid: 'prometheus', relativeTimeRange: { from: 600, to: 0 }, model: { expr: 'checkout_queue_depth' } },
        { refId: 'C', datasourceUid: '__expr__', model: { type: 'threshold', expression: 'A', conditions: [{ evaluator: { type: 'gt', params: [5] } }] } },
      ],
    };
    const created = await call('POST', '/api/v1/provisioning/alert-rules', rule);
    expect(created.status).toBe(201);
    const uid = created.json.uid as string;
    expect((await call('GET', `/api/v1/provisioning/alert-rules/${uid}`)).json).toMatchObject({ title: 'QueueBacklog', intervalSeconds: 1, for: '2s' });

    const ruleState = async () => {
      const r = await call('GET', '/api/prometheus/grafana/api/v1/rules');
      return r.json.data.groups.flatMap((g: { rules: unknown[] }) => g.rules).find((x: { uid: string }) => x.uid === uid) as { state: string; health: string; lastEvaluation: string; alerts: { state: string }[] };
    };
    await waitFor(async () => (await ruleState()).health === 'ok', 10_000, 'rule evaluated');
    expect((await ruleState()).state).toBe('inactive');

    app.queueDepth.set(12);
    await waitFor(async () => (await ruleState()).state === 'pending', 10_000, 'rule pending');
    await waitFor(async () => (await ruleState()).state === 'firing', 10_000, 'rule firing');
    const firing = await waitFor(() => hook.messages.find((m) => m.status === 'firing' && m.commonLabels.alertname === 'QueueBacklog'), 10_000, 'webhook firing');
    expect(firing.receiver).toBe('oncall-hook');
    expect(firing.alerts[0].labels).toMatchObject({ alertname: 'QueueBacklog', team: 'checkout', severity: 'page', grafana_folder: 'checkout', __alert_rule_uid__: uid });
    expect(firing.alerts[0].annotations.summary).toBe('queue depth is 12');
    expect(firing.alerts[0]).toMatchObject({ generatorURL: expect.stringMatching(new RegExp(`/alerting/grafana/${uid}/view$`)) });

    app.queueDepth.set(1);
    const resolved = await waitFor(() => hook.messages.find((m) => m.status === 'resolved' && m.commonLabels.alertname === 'QueueBacklog'), 15_000, 'webhook resolved');
    expect(resolved.alerts[0].status).toBe('resolved');
    expect((await ruleState()).state).toBe('inactive');

    expect((await call('DELETE', `/api/v1/provisioning/alert-rules/${uid}`)).status).toBe(204);
    expect((await call('GET', `/api/v1/provisioning/alert-rules/${uid}`)).status).toBe(404);
  }, 40_000);
});
