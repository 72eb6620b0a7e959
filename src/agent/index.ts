export { loadPromtailConfig, parsePromtailConfig, type PromtailLoadOptions } from './config/load.js';
export { promtailConfigSchema, type PromtailConfig, type PromtailScrapeConfig, type PromtailClientConfig, type PromtailLimits } from './config/promtail-schema.js';
export { parseGoDuration } from './config/go-duration.js';
export { Agent, type AgentOptions } from './agent.js';
export { AgentMetrics } from './agent-metrics.js';
export { Positions } from './positions/positions.js';
export { encodePushRequest, labelsString } from './client/push-encoder.js';
