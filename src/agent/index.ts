export { loadPromtailConfig, parsePromtailConfig, type PromtailLoadOptions } from './config/load.js';
export { promtailConfigSchema, type PromtailConfig, type PromtailScrapeConfig, type PromtailClientConfig, type PromtailLimits } from './config/promtail-schema.js';
export { parseGoDuration } from './config/go-duration.js';
