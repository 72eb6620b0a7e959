export { parseAlertmanagerConfig, loadAlertmanagerConfig, type AlertmanagerConfig } from './config/load-config.js';
export { parseMatcher, parseMatchers, MatcherParseError } from './config/am-matchers.js';
export { startAlertmanager, type AlertmanagerComponent } from './component.js';
export { Alertmanager } from './alertmanager.js';
export { configHashValue } from './config-metrics.js';
export { buildIntegrations } from './receivers/build-integrations.js';
export { newAlert } from './alert.js';
export { MultitenantAlertmanager, type MultitenantOptions } from './multitenant.js';
