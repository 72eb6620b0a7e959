/**
 * CRC-32C (Castagnoli polynomial, reflected 0x82F63B78), the checksum of Prometheus's block files (index sections,
 * chunks, tombstones). node:zlib's crc32 is the IEEE polynomial, so this is computed here: slicing-by-4 tables.
 */

const T = new Uint32Array(4 * 256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  T[i] = c >>> 0;
}
for (let i = 0; i < 256; i++) {
  for (let s = 1; s < 4; s++) T[s * 256 + i] = (T[(s - 1) * 256 + i] >>> 8) ^ T[T[(s - 1) * 256 + i] & 0xff];
}

/** CRC-32C of `b[start, end)`, continuing from `crc` (0 for a fresh checksum). */
export function crc32c(b: Uint8Array, start = 0, end = b.length, crc = 0): number {
  let c = ~crc >>> 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    c ^= b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
    c = T[768 + (c & 0xff)] ^ T[512 + ((c >>> 8) & 0xff)] ^ T[256 + ((c >>> 16) & 0xff)] ^ T[c >>> 24];
  }
  for (; i < end; i++) c = T[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
