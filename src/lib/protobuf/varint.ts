/**
 * Unsigned varints (protobuf's and Go's encoding/binary's, the same bytes) for every writer in the tree: remote
 * write and OTLP encoders, the agent's push encoder, the TSDB's WAL and block files. Values up to 2^53.
 */

/** Bytes the unsigned varint of `v` takes. */
export function uvarintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

/** Unsigned varint of `v` at `p` (capacity ensured by the caller); returns the position after it. */
export function putUvarint(b: Uint8Array, p: number, v: number): number {
  // Above 2^31 bit operations would truncate: divide until the value fits, then shift.
  while (v >= 0x80000000) {
    b[p++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  while (v >= 0x80) {
    b[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  b[p++] = v;
  return p;
}
