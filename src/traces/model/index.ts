export { attrMap, buildTraceView, entriesOf, groupByResource, groupEntries, normalizeTraceId, type SpanGroup } from './span-row.js';
export type { AttrMap, AttrValue, SpanEntry, SpanRow, TraceView } from './span-row.js';
export { anchoredRegex, compareValues, type ComparisonOp, type ConditionTarget, type SpanCondition } from './span-condition.js';
export type { FindTraceOptions, FoundTrace, LookupOptions, ScanOptions, TraceQueryable } from './trace-queryable.js';
export { DistinctTagValues, tagValueType, type TagValue, type TagValuesApi } from './distinct-tag-values.js';
export { TracePushError, type DiscardReason } from './push-error.js';
export { BLOCK_START, decodeCandidate, visitCandidates, type ScanItem, type TraceCandidate, type TraceCandidateSource } from './trace-candidate.js';
