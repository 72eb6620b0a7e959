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

/** A push body larger than `distributor.max_recv_msg_size` once decompressed (Loki answers 413). */
export class PushTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`message size too large than ${limit}`);
    this.name = 'PushTooLargeError';
  }
}
