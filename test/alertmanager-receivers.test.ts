import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurAlertmanager, startWebhookSink } from './helpers/alertmanager-peer.js';
import { tempDir, waitFor } from './helpers/process.js';

describe('Slack and PagerDuty payloads sent to loopback stand-ins', () => {
  const dir = tempDir('am-recv-');
  let sink: Awaited<ReturnType<typeof startWebhookSink>>;
  let am: Awaited<ReturnType<typeof startOurAlertmanager>>;

  beforeAll(async () => {
    sink = await startWebhookSink();
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      `route:
  receiver: ops
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 1s
receivers:
  - name: ops
    slack_configs:
      - api_url: '${sink.url}/slack'
        channel: '#alerts'
    pagerduty_configs:
      - routing_key: rk1
        url: '${sink.url}/pd'
`,
    );
    am = await startOurAlertmanager(join(dir, 'data'), { config_file: join(dir, 'alertmanager.yml') });
  });
  afterAll(async () => {
    await am?.stop();
    await sink?.close();
  });

  it('sends the default Slack attachment and a PagerDuty v2 trigger', async () => {
    const r = await fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'Down', instance: 'a', severity: 'crit' }, annotations: { summary: 's' } }]),
    });
    expect(r.status).toBe(200);
    await waitFor(() => sink.received.length >= 2, 10_000, 'slack and pagerduty');
    const slack = sink.received.find((n) => n.path === '/slack')!.body;
    expect(slack).toEqual({
      channel: '#alerts',
      username: 'Alertmanager',
      attachments: [
        {
          title: '[FIRING:1] Down (a crit)',
          title_link: 'http://am.example:9093/#/alerts?receiver=ops',
          text: '',
          fallback: '[FIRING:1] Down (a crit) | http://am.example:9093/#/alerts?receiver=ops',
          callback_id: '',
          footer: '',
          color: 'danger',
          mrkdwn_in: ['fallback', 'pretext', 'text'],
        },
      ],
    });
    const pd = sink.received.find((n) => n.path === '/pd')!.body as Record<string, unknown> & { payload: Record<string, unknown> };
    expect(pd).toMatchObject({ routing_key: 'rk1', event_action: 'trigger', client: 'Alertmanager', client_url: 'http://am.example:9093/#/alerts?receiver=ops' });
    expect(pd.dedup_key).toMatch(/^[0-9a-f]{64}$/);
    expect(pd.payload).toMatchObject({ summary: '[FIRING:1] Down (a crit)', source: 'Alertmanager', severity: 'error' });
    expect((pd.payload.custom_details as Record<string, string>).num_firing).toBe('1');
    expect((pd.payload.custom_details as Record<string, string>).firing).toContain(' - instance = a');
  });
});
