import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurAlertmanager, startWebhookSink } from './helpers/alertmanager-peer.js';
import { tempDir, waitFor } from './helpers/process.js';

describe('Discord, Telegram and Opsgenie payloads sent to a loopback stand-in', () => {
  const dir = tempDir('am-chat-');
  let sink: Awaited<ReturnType<typeof startWebhookSink>>;
  let am: Awaited<ReturnType<typeof startOurAlertmanager>>;

  beforeAll(async () => {
    sink = await startWebhookSink();
    sink.failFor.add('/discord-down');
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      `global:
  opsgenie_api_url: '${sink.url}/og/'
  opsgenie_api_key: k3y
route:
  receiver: chat
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 1s
receivers:
  - name: chat
    discord_configs:
      - webhook_url: '${sink.url}/discord'
      - webhook_url: '${sink.url}/discord-down'
    telegram_configs:
      - api_url: '${sink.url}/tg'
        bot_token: 'tok:en'
        chat_id: -1001
    opsgenie_configs:
      - tags: 'a, b'
        priority: P2
        details: { team: '{{ .CommonLabels.team }}' }
        responders: [{ name: ops, type: teams }]
`,
    );
    am = await startOurAlertmanager(join(dir, 'data'), { config_file: join(dir, 'alertmanager.yml') });
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

  it('sends each service its payload, retries and counts the one that is down, and closes the Opsgenie alert on resolve', async () => {
    expect((await post()).status).toBe(200);
    await waitFor(() => ['/discord', '/tg/bottok:en/sendMessage', '/og/v2/alerts'].every((p) => sink.received.some((n) => n.path === p)), 10_000, 'three services');
    const by = (p: string) => sink.received.find((n) => n.path === p)!;

    const discord = by('/discord').body as { content: string; embeds: { title: string; description: string; color: number }[] };
    expect(discord.embeds).toHaveLength(1);
    expect(discord.embeds[0]!.title).toBe('[FIRING:1] Down (a web)');
    expect(discord.embeds[0]!.description).toContain('Alerts Firing:\nLabels:\n - alertname = Down\n');
    expect(discord.embeds[0]!.color).toBe(0x992d22);

    const tg = by('/tg/bottok:en/sendMessage').body;
    expect(tg).toMatchObject({ chat_id: -1001, parse_mode: 'HTML', disable_notification: false });
    expect(tg.text).toContain(' - instance = a');

    const og = by('/og/v2/alerts');
    expect(og.authorization).toBe('GenieKey k3y');
    expect(og.body).toMatchObject({
      message: '[FIRING:1] Down (a web)',
      source: 'http://am.example:9093/#/alerts?receiver=chat',
      details: { team: 'web' },
      tags: ['a', 'b'],
      priority: 'P2',
      responders: [{ name: 'ops', type: 'team' }],
    });
    expect(og.body.alias).toMatch(/^[0-9a-f]{64}$/);

    const metric = async (name: string) => {
      const text = await (await fetch(`${am.url}/metrics`)).text();
      const m = new RegExp(`^${name}\\{integration="discord"\\} (\\d+)`, 'm').exec(text);
      return m ? Number(m[1]) : 0;
    };
    await waitFor(async () => (await metric('alertmanager_notification_requests_failed_total')) >= 2, 10_000, 'discord retries counted as failed requests');
    expect(await metric('alertmanager_notifications_total')).toBeGreaterThanOrEqual(2);

    expect((await post(new Date(Date.now() - 1000).toISOString())).status).toBe(200);
    const alias = og.body.alias as string;
    await waitFor(() => sink.received.some((n) => n.path === `/og/v2/alerts/${alias}/close?identifierType=alias`), 10_000, 'opsgenie close');
    const resolvedDiscord = await waitFor(() => sink.received.filter((n) => n.path === '/discord')[1], 10_000, 'resolved discord');
    expect((resolvedDiscord.body as { embeds: { color: number; title: string }[] }).embeds[0]).toMatchObject({ color: 0x2ecc71, title: '[RESOLVED] Down (a web)' });
  });
});
