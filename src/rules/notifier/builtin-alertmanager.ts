import type { AlertingConfig } from '../../metrics/promconfig/index.js';
import type { ComponentContext } from '../../server/index.js';
import { alertingFromUrls } from './tenant-notifiers.js';

/**
 * The URL of the Alertmanager started in this same process (`--target all`), or undefined when none is: rules of
 * every pillar send there unless their own configuration names an Alertmanager. Read when a component starts, so
 * the Alertmanager must be started before the rule evaluators.
 */
export function builtinAlertmanagerUrl(ctx: Pick<ComponentContext, 'config' | 'ports'>): string | undefined {
  const port = ctx.ports?.alertmanager;
  if (port === undefined) return undefined;
  const addr = ctx.config.alertmanager.listen_address;
  let host = addr.slice(0, addr.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  if (host === '' || host === '0.0.0.0' || host === '::') host = '127.0.0.1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** prometheus.yml's `alerting` section, or the built-in Alertmanager when it names none and one runs in this process. */
export function alertingOrBuiltin(alerting: AlertingConfig, builtinUrl: string | undefined): AlertingConfig {
  if (alerting.alertmanagers.length > 0 || builtinUrl === undefined) return alerting;
  return { ...alerting, alertmanagers: alertingFromUrls(builtinUrl).alertmanagers };
}
