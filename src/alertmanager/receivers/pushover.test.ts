import { describe, expect, it } from 'vitest';
import { newAlert } from '../alert.js';
import { parseAlertmanagerConfig } from '../config/load-config.js';
import { NotificationTemplate } from '../template/notification-template.js';
import { PushoverIntegration } from './pushover.js';

const integration = (extra: string) => {
  const cfg = parseAlertmanagerConfig(`route: { receiver: r }\nreceivers:\n  - name: r\n    pushover_configs:\n      - { user_key: u, token: t${extra} }\n`, 'am.yml');
  return new PushoverIntegration(cfg.receivers[0]!.pushover_configs[0]!, 0, new NotificationTemplate());
};
const now = Date.parse('2026-01-01T00:00:00Z');
const ctx = { groupKey: '{}:{}', receiver: 'r', groupLabels: { alertname: 'X' }, externalUrl: 'http://am', now, signal: new AbortController().signal };
const alert = (annotations: Record<string, string>) =>
  newAlert({ labels: { alertname: 'X' }, annotations, startsAt: now - 1000, endsAt: 0, generatorURL: '', updatedAt: now, timeout: true });

describe('Pushover parameters', () => {
  it('marks html messages with html=1, cuts long fields at Pushover limits, and never sends an empty message', () => {
    const html = integration(', html: true, message: "<b>{{ .CommonAnnotations.summary }}</b>"').parameters(ctx, [alert({ summary: 'hi' })]);
    expect(html.get('html')).toBe('1');
    expect(html.get('message')).toBe('<b>hi</b>');

    const long = integration(', title: "{{ .CommonAnnotations.t }}", message: "{{ .CommonAnnotations.m }}"').parameters(ctx, [alert({ t: 'é'.repeat(300), m: 'x'.repeat(2000) })]);
    expect(Array.from(long.get('title')!)).toHaveLength(250);
    expect(long.get('title')!.endsWith('…')).toBe(true);
    expect(Array.from(long.get('message')!)).toHaveLength(1024);
    expect(long.has('html')).toBe(false);

    const empty = integration(', message: "  {{ .CommonAnnotations.none }}  "').parameters(ctx, [alert({})]);
    expect(empty.get('message')).toBe('(no details)');
    expect(empty.get('priority')).toBe('2');
    expect(empty.get('retry')).toBe('60');
    expect(empty.get('expire')).toBe('3600');
  });
});
