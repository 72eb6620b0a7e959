export { registerPrometheusApi, registerRulesApi, type RulesApiDeps } from './register.js';
export type {
  AlertStatus,
  AlertingRuleStatus,
  BuildInfo,
  PrometheusApiDeps,
  PrometheusApiOptions,
  RecordingRuleStatus,
  RuleGroupStatus,
  RuleStatus,
  RuntimeInfo,
  TargetMetadata,
  TsdbStat,
  TsdbStatus,
} from './deps.js';
export { ApiError, type ApiErrorType } from './api-error.js';
export { formatFloatF, formatFloatG, formatSampleValue, formatTimestamp } from './float-format.js';
export { MAX_TIME_MS, MIN_TIME_MS, parseDurationNs, parseTime } from './params.js';
export { prometheusFlags } from './prometheus-flags.js';
export { registerFederation, federatedSamples, federationText, type FederationDeps } from './federation.js';
export { registerWebPages, type WebPagesOptions } from './web-pages.js';
