export { loadPromtailConfig, parsePromtailConfig, type PromtailLoadOptions } from './config/load.js';
export { promtailConfigSchema, type PromtailConfig, type PromtailScrapeConfig, type PromtailClientConfig, type PromtailLimits } from './config/promtail-schema.js';
export { parseGoDuration } from './config/go-duration.js';
export { Agent, type AgentOptions } from './agent.js';
export { AgentMetrics } from './agent-metrics.js';
export { Positions } from './positions/positions.js';
export { encodePushRequest, labelsString } from './client/push-encoder.js';
export { startAgent } from './component.js';
export { loadPromtailHelmValues, promtailConfigFromHelmValues } from './config/helm-values.js';
export { JournalTarget, type JournalTargetOptions } from './journal/journal-target.js';
export { PushTarget } from './push/push-target.js';
// Used by the collector's filelog receiver (src/collector): the same tailing (rotation, truncation, positions).
export { FileReader, type FileReaderOptions } from './tail/file-reader.js';
export { PathGlob } from './tail/glob.js';
export type { LogEntry } from './entry.js';
export { compileTimeLayout, type ParsedTime, type TimeParser } from './pipeline/go-time.js';
