export { DecodeError, type DecodeErrorKind } from './decode-error.js';
export { DEFAULT_MAX_MESSAGE_SIZE, compressSnappyBody, decompressSnappyBody, decompressSnappyBodyAsync } from './snappy-body.js';
export { snappyDeclaredLength } from '../../../lib/decompress/index.js';
export { METRIC_TYPES, WriteRequestBatch, type DecodedExemplar, type DecodedMetadata } from './write-request-batch.js';
export { decodeLabelFields, decodeWriteRequestSliced, decodeWriteRequestV1, decodeWriteRequestV2, type DecodePause } from './write-request-decoder.js';
export { encodeWriteRequestV1, encodeWriteRequestV2, type EncodeInput } from './write-request-encoder.js';
export { encodeHistogram, type EncodeHistogram } from './histogram-encoder.js';
