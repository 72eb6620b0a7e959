import { describe, expect, it } from 'vitest';
import { templateData } from '../notify/template-data.js';
import { newAlert } from '../alert.js';
import { NotificationTemplate, goTemplateData } from './notification-template.js';

const now = Date.parse('2024-05-01T12:00:00Z');
const alerts = [
  newAlert({ labels: { alertname: 'Down', cluster: 'eu', instance: 'a', job: 'api' }, annotations: { summary: 'x' }, startsAt: now - 60_000, endsAt: now + 60_000, generatorURL: 'http://p/g', updatedAt: now, timeout: true }),
  newAlert({ labels: { alertname: 'Down', cluster: 'eu', instance: 'b', job: 'api' }, annotations: {}, startsAt: now - 60_000, endsAt: now - 1000, generatorURL: '', updatedAt: now, timeout: false }),
];
const data = goTemplateData(templateData('team-x', { alertname: 'Down' }, alerts, 'http://am:9093', now));
const t = new NotificationTemplate();

describe('Alertmanager templates', () => {
  it('renders the default subject as Alertmanager does', () => {
    expect(t.expand('{{ template "__subject" . }}', data)).toBe('[FIRING:1] Down (eu api)');
    expect(t.expand('{{ template "slack.default.titlelink" . }}', data)).toBe('http://am:9093/#/alerts?receiver=team-x');
  });
  it('renders the text alert list', () => {
    expect(t.expand('{{ template "__text_alert_list" .Alerts.Resolved }}', data)).toBe('Labels:\n - alertname = Down\n - cluster = eu\n - instance = b\n - job = api\nAnnotations:\nSource: \n');
  });
  it('supports ranges with variables, with/else, trimming, functions and field access on maps', () => {
    const tpl = '{{- range $i, $a := .Alerts }}{{ if $i }}, {{ end }}{{ $a.Labels.instance }}={{ .Status }}{{ end -}} | {{ with .CommonAnnotations.summary }}{{ . }}{{ else }}none{{ end }} | {{ printf "%d/%s" (len .Alerts) (.Status | toUpper) }} | {{ reReplaceAll "(a)p(i)" "$2$1" "api" }} | {{ index .GroupLabels "alertname" }}';
    expect(t.expand(tpl, data)).toBe('a=firing, b=resolved| none | 2/FIRING | ia | Down');
  });
  it('reports undefined templates and functions', () => {
    expect(() => t.expand('{{ template "nope" . }}', data)).toThrow(/no such template/);
    expect(() => t.expand('{{ nope }}', data)).toThrow(/not defined/);
  });
});
