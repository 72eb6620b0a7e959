/** A push body that cannot be decoded (Loki answers 400 with the decoder's message). */
export class PushDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PushDecodeError';
  }
}

/** A push body in a `Content-Encoding` no adapter reads (Loki answers 415). */
export class UnsupportedContentEncodingError extends Error {
  constructor(readonly encoding: string) {
    super(`Content-Encoding "${encoding}" not supported`);
    this.name = 'UnsupportedContentEncodingError';
  }
}
