/**
 * The logs pillar's vocabulary, shared by every layer of it and importing none: the decoded push request, Loki's
 * stream notation, Loki's time formats and the contract between the stores and the query engine.
 */
export { lineAt, lineByteLength, lineBytesOf, lineCount, sameLine, type LineBytes } from './line-bytes.js';
export { rawPushStream, type PushRequest, type PushStream, type RawPushRequest, type RawPushStream } from './push-request.js';
export type { EntryBatch, IndexStats, LineFilterPushdown, LogQueryable, RawLines, SelectRequest, StreamShard, StreamVolume } from './queryable.js';
export { LabelsParseError, labelsString, parseStreamLabels } from './stream-labels.js';
export { formatGoTime, parseDurationParam, parseGoDuration, parseTimeParam } from './time.js';
