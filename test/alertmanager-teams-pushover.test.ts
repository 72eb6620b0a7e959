import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAlertmanagerConfig } from '../src/alertmanager/index.js';
import { startOurAlertmanager, startWebhookSink } from './helpers/alertmanager-peer.js';
import { tempDir, waitFor } from './helpers/process.js';

const TEAMS_FIRING_TEXT =
  '\n\n# Alerts Firing:\n\nLabels:\n  - alertname = Down\n  - instance = a\n  - team = web\n\nAnnotations:\n  - summary = s\n\nSource: \n\n\n\n\n';

describe('Microsoft Teams and Pushover payloads sent to a loopback stand-in', () => {
  const dir = tempDir('am-teams-');
  let sink: Awaited<ReturnType<typeof startWebhookSink>>;
  let am: Awaited<ReturnType<typeof startOurAlertmanager>>;

  beforeAll(async () => {
    sink = await startWebhookSink();
    sink.failFor.add('/teams-down');
    writeFileSync(join(dir, 'teams-url'), `${sink.url}/teams-from-file\n`);
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      `route:
  receiver: chat
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 1s
receivers:
  - name: chat
    msteams_configs:
      - webhook_url: '${sink.url}/teams'
      - webhook_url_file: '${join(dir, 'teams-url')}'
        title: 'Team {{ .CommonLabels.team }}'
        summary: '{{ .Alerts | len }} alert(s)'
        text: '{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}'
      - webhook_url: '${sink.url}/teams-down'
    pushover_configs:
      - user_key: the-user
        token: the-token
        sound: siren
        url_title: 'Open & look'
        retry: 2m
        expire: 2h
`,
    );
    am = await startOurAlertmanager(join(dir, 'data'), { config_file: join(dir, 'alertmanager.yml'), pushover_api_url: `${sink.url}/1/messages.json` });
  });
  afterAll(async () => {
    await am?.stop();
    await sink?.close();
  });

  const post = (endsAt?: string) =>
    fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'Down', instance: 'a', team: 'web' }, annotations: { summary: 's' }, ...(endsAt ? { endsAt } : {}) }]),
    });
  const pushovers = () => sink.received.filter((n) => n.path.startsWith('/1/messages.json?'));

  it('sends a MessageCard to each Teams webhook and the Pushover parameters in the query string; resolves both', async () => {
    expect((await post()).status).toBe(200);
    await waitFor(() => sink.received.some((n) => n.path === '/teams') && sink.received.some((n) => n.path === '/teams-from-file') && pushovers().length > 0, 10_000, 'teams and pushover');

    const teams = sink.received.find((n) => n.path === '/teams')!;
    expect(teams.contentType).toBe('application/json');
    expect(teams.body).toEqual({
      '@context': 'http://schema.org/extensions',
      type: 'MessageCard',
      title: '[FIRING:1] Down (a web)',
      summary: '[FIRING:1] Down (a web)',
      text: TEAMS_FIRING_TEXT,
      themeColor: '8C1A1A',
    });
    expect(sink.received.find((n) => n.path === '/teams-from-file')!.body).toMatchObject({ title: 'Team web', summary: '1 alert(s)', text: 's' });

    const po = pushovers()[0]!;
    expect(po.raw).toBe('');
    expect(po.contentType).toBe('text/plain');
    const query = po.path.slice(po.path.indexOf('?') + 1);
    const keys = [...new URLSearchParams(query).keys()];
    expect(keys).toEqual([...keys].sort());
    expect(Object.fromEntries(new URLSearchParams(query))).toEqual({
      token: 'the-token',
      user: 'the-user',
      title: '[FIRING:1] Down (a web)',
      message: 's\n\nAlerts Firing:\nLabels:\n - alertname = Down\n - instance = a\n - team = web\nAnnotations:\n - summary = s\nSource:',
      url: 'http://am.example:9093/#/alerts?receiver=chat',
      url_title: 'Open & look',
      priority: '2',
      retry: '120',
      expire: '7200',
      sound: 'siren',
    });

    const failed = async () => {
      const m = /^alertmanager_notification_requests_failed_total\{integration="msteams"\} (\d+)/m.exec(await (await fetch(`${am.url}/metrics`)).text());
      return m ? Number(m[1]) : 0;
    };
    await waitFor(async () => (await failed()) >= 2, 10_000, 'the Teams webhook that is down retried and counted');
    sink.failFor.delete('/teams-down');
    await waitFor(() => sink.received.some((n) => n.path === '/teams-down'), 10_000, 'the Teams webhook back up gets the retry');

    expect((await post(new Date(Date.now() - 1000).toISOString())).status).toBe(200);
    const resolvedTeams = await waitFor(() => sink.received.filter((n) => n.path === '/teams')[1], 10_000, 'resolved teams');
    expect(resolvedTeams.body).toMatchObject({ title: '[RESOLVED] Down (a web)', themeColor: '2DC72D' });
    expect(resolvedTeams.body.text).toContain('# Alerts Resolved:\n');
    const resolvedPo = await waitFor(() => pushovers()[1], 10_000, 'resolved pushover');
    expect(new URLSearchParams(resolvedPo.path.slice(resolvedPo.path.indexOf('?') + 1)).get('priority')).toBe('0');
  });

  it('refuses incomplete configs with their reason', () => {
    const bad = (rcv: string) => () => parseAlertmanagerConfig(`route: { receiver: r }\nreceivers:\n  - name: r\n    ${rcv}\n`, 'am.yml');
    expect(bad('msteams_configs: [{ title: x }]')).toThrow(/one of webhook_url or webhook_url_file must be configured/);
    expect(bad("msteams_configs: [{ webhook_url: 'http://x/', webhook_url_file: /f }]")).toThrow(/at most one of webhook_url & webhook_url_file/);
    expect(bad('pushover_configs: [{ token: t }]')).toThrow(/missing user key in Pushover config/);
    expect(bad('pushover_configs: [{ user_key: u }]')).toThrow(/missing token in Pushover config/);
    expect(bad("msteams_configs: [{ webhook_url: 'ftp://x/' }]")).toThrow(/unsupported scheme "ftp"/);
  });
});
