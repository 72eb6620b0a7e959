export { CorruptBodyError, DecompressedTooLargeError, SUPPORTED_ENCODINGS, UnsupportedEncodingError, decompressBody, decompressSnappyBlock, snappyDeclaredLength } from './decompress.js';
