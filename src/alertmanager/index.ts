export { parseAlertmanagerConfig, loadAlertmanagerConfig, type AlertmanagerConfig } from './config/load-config.js';
export { parseMatcher, parseMatchers, MatcherParseError } from './config/am-matchers.js';
