export { Tsdb, type TsdbOptions, type TsdbStatus } from './tsdb.js';
export { TsdbWalReader } from './wal-reader.js';
export type { BlockMeta } from './block-writer.js';
export { XorChunkAppender, decodeXorChunk, SAMPLES_PER_CHUNK } from './xor-chunk.js';
export { tsdbOptionsFromConfig } from './options-from-config.js';
