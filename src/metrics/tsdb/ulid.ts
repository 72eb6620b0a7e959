import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID (48-bit millisecond time + 80 random bits, Crockford base32), as Prometheus names its blocks. */
export function ulid(now = Date.now()): string {
  let out = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  const r = randomBytes(10);
  // 80 bits -> 16 base32 characters
  let acc = 0;
  let bits = 0;
  for (const b of r) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

export const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;
