export { startLogs, type LogsDeps, type LogsComponent } from './component.js';
export { LogqlEngine, type InstantQueryParams, type RangeQueryParams, type LogqlEngineOptions } from './logql/engine.js';
export { parseLogql, LogqlParseError } from './logql/parser.js';
export type * from './logql/ast.js';
export type { LogqlResult, Sample, StreamResult } from './logql/vector.js';
export type { LogQueryable, EntryBatch, SelectRequest, LineFilterPushdown, IndexStats } from './store/interface.js';
export { LogStore, type LogStoreOptions } from './store/log-store.js';
