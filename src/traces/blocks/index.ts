export { BlockList, type BlockListOptions } from './block-list.js';
export { Compactor, type CompactorOptions } from './compactor.js';
export { applyRetention } from './retention.js';
export { TraceBlock, storeBlock, type BlockMeta } from './trace-block.js';
export { encodeBlock, type EncodedBlock, type SpanToWrite, type TraceToWrite } from './block-encoder.js';
export { dataBytesOfInput, dataBytesOfMerge, tracesOfInput, tracesOfMerge, type BlockInput, type MergeInput } from './block-input.js';
export { BlockWriterPool } from './block-writer-pool.js';
