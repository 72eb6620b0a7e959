/** LogQL: the parser (Grafana's lezer grammar to our AST), log pipelines and the query engine over a `LogQueryable`. */
export type * from './ast.js';
export { LogqlEngine, type DetectedFieldsParams, type InstantQueryParams, type LogSource, type LogqlEngineOptions, type LogqlQueries, type RangeQueryParams } from './engine.js';
export type { DetectedField } from './detected-fields.js';
export { QueryBytesLimitError } from './read-budget.js';
export { LogqlEvalError, QueryCanceledError, QueryTimeoutError, SeriesLimitError, abortError } from './errors.js';
export { LogqlParseError, parseLogql } from './parser.js';
export { Pipeline, labelsOf, type PipelineEntry } from './pipeline.js';
export { Template, TemplateError, type TemplateContext } from './template.js';
export type { LogqlResult, QueryStats, Sample, StreamResult } from './vector.js';
export { LogqlPool, PooledLogqlEngine, type DecodedLogSource } from './pool/index.js';
