/** Protocol adapters of the logs pillar: push bodies (JSON, protobuf, gzip/deflate/snappy) and OTLP logs to a `PushRequest`. Decode only. */
export { decodePushRequestJson } from './decode-json.js';
export { decodePushRequestProto, decodePushRequestProtoRaw } from './decode-protobuf.js';
export { DEFAULT_MAX_PUSH_SIZE, decodePushBody, decodePushBodyRaw } from './decode-push-body.js';
export { pushRequestFromOtlp } from './otlp-streams.js';
export { PushDecodeError, PushTooLargeError, UnsupportedContentEncodingError } from './push-decode-error.js';
