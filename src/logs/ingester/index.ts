/** The logs ingester: WAL, in-memory head of per-stream blocks, and the flush of sealed blocks to the chunk store. */
export { Head, type HeadStream, type SealedBlocks, type StreamWrite } from './head.js';
export { scanBlock, sliceBlock, type BlockSlice } from './head-scan.js';
export { Ingester, type AppendListener, type IngesterOptions } from './ingester.js';
export { MemBlock } from './mem-block.js';
