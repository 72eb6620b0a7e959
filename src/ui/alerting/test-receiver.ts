import type { Logger } from 'pino';
import { buildIntegrations, newAlert, parseAlertmanagerConfig } from '../../alertmanager/index.js';
import { toAlertmanagerYaml, type AlertingDocument } from './alerting-config.js';
import type { ContactPoint } from './contact-points.js';

export interface TestResult {
  uid: string;
  name: string;
  status: 'ok' | 'failed';
  error?: string;
}

/**
 * Grafana's contact point "Test": one notification with a `TestAlert` through the integration `cp` (built
 * as the Alertmanager builds it, with the document's `global` settings), now, outside routing, silences and the log.
 */
export async function testContactPoint(doc: AlertingDocument, cp: ContactPoint, logger: Logger, externalUrl: string, alert?: { labels?: Record<string, string>; annotations?: Record<string, string> }): Promise<TestResult> {
  const name = cp.name;
  const testDoc: AlertingDocument = { global: doc.global, templates: doc.templates, route: { receiver: name }, receivers: [{ name, grafana_managed_receiver_configs: [cp] }] };
  const cfg = parseAlertmanagerConfig(toAlertmanagerYaml(testDoc), 'contact point test');
  const [integ] = buildIntegrations(cfg, logger).get(name) ?? [];
  const now = Date.now();
  const labels = { alertname: 'TestAlert', instance: 'Grafana', ...alert?.labels };
  const a = newAlert({
    labels,
    annotations: { summary: 'Notification test', ...alert?.annotations },
    startsAt: now,
    endsAt: 0,
    generatorURL: '',
    updatedAt: now,
    timeout: false,
  });
  try {
    await integ.notify({ groupKey: `{}/{}:{alertname="TestAlert"}`, receiver: name, groupLabels: { alertname: 'TestAlert' }, externalUrl, now, signal: AbortSignal.timeout(10_000) }, [a]);
    return { uid: cp.uid, name: cp.name, status: 'ok' };
  } catch (e) {
    return { uid: cp.uid, name: cp.name, status: 'failed', error: (e as Error).message };
  }
}
