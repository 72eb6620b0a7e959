import type { FastifyInstance } from 'fastify';
import type { Alertmanager } from '../../alertmanager/index.js';
import { registerAlertingRoutes } from '../http/alerting-routes.js';
import type { UiRouteContext } from '../http/context.js';
import { SecretBox } from '../auth/secret-box.js';
import { AlertingConfigStore } from './alerting-config.js';
import { applyAlertingProvisioning, readAlertingProvisioning } from './provisioning.js';
import { AlertInstanceStore } from './instance-store.js';
import { AlertRuleStore } from './rule-store.js';
import { GrafanaRuleScheduler } from './scheduler.js';

/** With no Alertmanager in this process and none configured: the document every edit starts from. */
const EMPTY_CONFIG = 'route:\n  receiver: default\nreceivers:\n  - name: default\n';

export interface AlertingOptions {
  alertmanager?: Alertmanager;
  /** Where this process's Alertmanager listens; else the first `alertmanager` datasource receives the alerts. */
  alertmanagerUrl?: string;
  provisioningPath?: string;
  env: NodeJS.ProcessEnv;
  rootUrl: () => string;
  resendDelayMs?: number;
  /** Seals contact point secrets in the database. */
  secretKey: string;
}

/**
 * Grafana-managed alerting in the UI: rules in the UI database evaluated by the rules engine, the Alertmanager
 * configuration document (contact points, policies, mute timings) applied to this process's Alertmanager, file
 * provisioning from `<provisioning>/alerting`, and the HTTP API.
 */
export async function startAlerting(app: FastifyInstance, c: UiRouteContext, o: AlertingOptions): Promise<void> {
  const { db } = c.db;
  const rules = new AlertRuleStore(db);
  const am = o.alertmanager;
  const config = new AlertingConfigStore(db, () => am?.fileConfig.original ?? EMPTY_CONFIG, am ? (cfg) => am.setOverlay(cfg) : undefined, new SecretBox(o.secretKey));
  await config.init();
  if (!am) c.logger.warn({ component: 'ui' }, 'no Alertmanager in this process: contact points, policies and mute timings changed in the UI are stored but not applied (change the Alertmanager\'s alertmanager.yml instead)');
  const scheduler = new GrafanaRuleScheduler({
    rules,
    instances: new AlertInstanceStore(db),
    datasources: c.datasources,
    alertmanagerUrl: async () => o.alertmanagerUrl ?? (await c.datasources.list()).find((d) => d.type === 'alertmanager')?.url,
    rootUrl: o.rootUrl,
    logger: c.logger,
    queryTimeoutMs: c.proxyTimeoutMs,
    resendDelayMs: o.resendDelayMs,
  });
  if (o.provisioningPath) await applyAlertingProvisioning(readAlertingProvisioning(o.provisioningPath, o.env), config, rules, c.logger);
  await scheduler.sync();
  app.addHook('onClose', async () => scheduler.stop());
  registerAlertingRoutes(app, c, { rules, config, scheduler, rootUrl: o.rootUrl });
}
