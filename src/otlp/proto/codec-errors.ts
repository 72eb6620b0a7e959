/** Input that is not valid OTLP (bad protobuf, bad JSON, bad IDs): 400 / INVALID_ARGUMENT. */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}

/**
 * Run a decoder over client input: whatever it throws is the client's fault (400 / INVALID_ARGUMENT) — a stack
 * exhausted by nesting, a JSON value of the wrong type — never a 500 carrying internals.
 */
export function decodeOrReject<T>(decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof OtlpDecodeError) throw e;
    if (e instanceof RangeError && /call stack/i.test(e.message)) throw new OtlpDecodeError('request nested too deeply');
    throw new OtlpDecodeError(`unable to decode the request: ${(e as Error).message}`);
  }
}
