/** The Loki HTTP API: the only part of the logs pillar that knows HTTP (routes, tail, error statuses, the OTLP sink's refusals). */
export { lokiErrorHandler, toHttpError } from './errors.js';
export { otlpLogsTarget } from './otlp-logs-target.js';
export { registerLogsRoutes, type LogsApiDeps } from './routes.js';
export { attachTail, type AppendSource } from './tail.js';
