/** What was wrong with a remote-write body; the receiver answers 400 with the message. */
export type DecodeErrorKind = 'snappy' | 'protobuf' | 'too_large';

export class DecodeError extends Error {
  constructor(
    readonly kind: DecodeErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}
