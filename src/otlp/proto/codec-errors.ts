/** Input that is not valid OTLP (bad protobuf, bad JSON, bad IDs): 400 / INVALID_ARGUMENT. */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}
