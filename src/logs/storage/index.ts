/**
 * Log chunks and their index in the object store: the chunk format (and `ChunkDecoder`, a query worker's decode into
 * reused buffers), index files per tenant and period, the in-memory postings over them, the decoded-chunk and
 * stored-chunk caches and retention.
 */
export { CHUNK_ENCODINGS, ChunkDecoder, ENCODING_DEFLATE, ENCODING_GZIP, ENCODING_NONE, ENCODING_SNAPPY, chunkTs, decodeChunk, encodeChunk, type ChunkColumns, type ChunkEncodingName, type DecodedChunk } from './chunk-codec.js';
export type { ChunkRef, StoredStream } from './chunk-index.js';
export { scanChunk } from './chunk-scan.js';
export { ChunkFileReader } from './chunk-file-reader.js';
export { ChunkStore, type ChunkStoreOptions, type ChunkToWrite, type StoredChunkFile, type StreamChunks } from './chunk-store.js';
export type { WalMark } from './index-file.js';
export { StreamIndex } from './stream-index.js';
