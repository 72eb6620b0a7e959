export { BlockList, type BlockListOptions } from './block-list.js';
export { Compactor, type CompactorOptions } from './compactor.js';
export { applyRetention } from './retention.js';
export { TraceBlock, writeBlock, type BlockMeta, type SpanToWrite, type TraceToWrite } from './trace-block.js';
