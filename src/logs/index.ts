/**
 * The logs pillar (Loki's job), cut as every pillar: `adapters` (decode) → `distributor` (validation, per-tenant
 * limits) → `ingester` (WAL, head, flush) → `storage` (chunks and index in the object store, retention) →
 * `querier` (head + store) → `logql` (the engine) → `api` (HTTP). `LogStore` assembles the store of one process.
 */
export { startLogs, type LogsComponent, type LogsDeps, type LogsRulerHost } from './component.js';
export { LogStore, type LogStoreOptions } from './log-store.js';
export { LogqlEngine, LogqlEvalError, LogqlParseError, LogqlPool, PooledLogqlEngine, QueryCanceledError, QueryTimeoutError, parseLogql, type InstantQueryParams, type LogqlEngineOptions, type LogqlQueries, type LogqlResult, type RangeQueryParams, type Sample, type StreamResult } from './logql/index.js';
export type { Expr, LogSelectorExpr, MetricExpr } from './logql/index.js';
export type { EntryBatch, IndexStats, LineFilterPushdown, LogQueryable, SelectRequest } from './model/index.js';
// Used by the log agent (src/agent): its `loki_push_api` receiver decodes pushes as Loki does; its `template` stage
// runs Go templates with Loki's functions.
export { decodePushBody, PushDecodeError, PushTooLargeError, UnsupportedContentEncodingError } from './adapters/index.js';
export { parseStreamLabels, LabelsParseError } from './model/index.js';
export type { PushRequest, PushStream } from './model/index.js';
export { Template, type TemplateContext } from './logql/index.js';
