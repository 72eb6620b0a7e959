/**
 * A small deterministic mutator for fuzzing decoders and parsers: a seeded PRNG and mutations of bytes (flips,
 * interesting values, inserts, deletions, truncation, splicing with another input, length fields inflated to
 * huge values, deep nesting) and of text (the same on characters, plus tokens of the language).
 */
export type Rng = () => number;

/** mulberry32: a fast 32-bit PRNG; the same seed gives the same sequence on every run. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)];

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x0a, 0x12, 0x1a, 0x22, 0x08, 0x0f, 0x0b, 0x0c];
/** Varints and big-endian i32s that claim enormous lengths. */
const HUGE_LENGTHS = [
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0x80, 0x80, 0x80, 0x80, 0x08],
  [0x7f, 0xff, 0xff, 0xff],
  [0xff, 0xff, 0xff, 0xf0],
  [0x00, 0x10, 0x00, 0x00],
];

/** Protobuf varint bytes of `n`. */
export function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** `depth` protobuf messages, each field `field` (length-delimited) of the next, around `inner`. Linear in the output. */
export function nestProtobuf(inner: Uint8Array, depth: number, field = 1): Uint8Array {
  // Headers from the innermost out: each level's length is everything inside it.
  const headers: number[][] = [];
  let len = inner.length;
  for (let i = 0; i < depth; i++) {
    const h = [(field << 3) | 2, ...varint(len)];
    headers.push(h);
    len += h.length;
  }
  const out = Buffer.alloc(len);
  let at = 0;
  for (let i = headers.length - 1; i >= 0; i--) {
    out.set(headers[i], at);
    at += headers[i].length;
  }
  out.set(inner, at);
  return out;
}

/** One random mutation (sometimes several stacked) of `input`; `other` is a second input for splicing. */
export function mutateBytes(rng: Rng, input: Uint8Array, other: Uint8Array): Uint8Array {
  let b = Buffer.from(input);
  const rounds = 1 + int(rng, 4);
  for (let r = 0; r < rounds; r++) {
    const at = b.length === 0 ? 0 : int(rng, b.length);
    switch (int(rng, 10)) {
      case 0: // bit flip
        if (b.length) b[at] ^= 1 << int(rng, 8);
        break;
      case 1: // interesting byte
        if (b.length) b[at] = pick(rng, INTERESTING);
        break;
      case 2: // random byte run
        b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(rng, 8) }, () => int(rng, 256))), b.subarray(at)]);
        break;
      case 3: // delete a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(rng, 16))]);
        break;
      case 4: // truncate
        b = b.subarray(0, at);
        break;
      case 5: {
        // splice: our head, the other's tail
        const o = other.length ? int(rng, other.length) : 0;
        b = Buffer.concat([b.subarray(0, at), Buffer.from(other.subarray(o))]);
        break;
      }
      case 6: {
        // length-field inflation: a huge length written over (or in front of) whatever is there
        const huge = Buffer.from(pick(rng, HUGE_LENGTHS));
        b = rng() < 0.5 ? Buffer.concat([b.subarray(0, at), huge, b.subarray(at + huge.length)]) : Buffer.concat([b.subarray(0, at), huge, b.subarray(at)]);
        break;
      }
      case 7: // deep nesting of the whole input
        b = Buffer.from(nestProtobuf(b, 1 + int(rng, rng() < 0.2 ? 20_000 : 200), 1 + int(rng, 4)));
        break;
      case 8: {
        // duplicate a chunk
        const len = 1 + int(rng, 32);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
        break;
      }
      default: // byte arithmetic
        if (b.length) b[at] = (b[at] + int(rng, 70) - 35) & 0xff;
    }
  }
  return b;
}

/** Text mutations: characters, tokens of the language, truncation, splicing, deep nesting. */
export function mutateText(rng: Rng, input: string, other: string, tokens: readonly string[]): string {
  let s = input;
  const rounds = 1 + int(rng, 4);
  for (let r = 0; r < rounds; r++) {
    const at = int(rng, s.length + 1);
    switch (int(rng, 9)) {
      case 0:
        s = s.slice(0, at) + pick(rng, tokens) + s.slice(at);
        break;
      case 1:
        s = s.slice(0, at) + s.slice(at + 1 + int(rng, 8));
        break;
      case 2:
        s = s.slice(0, at);
        break;
      case 3:
        s = s.slice(0, at) + other.slice(int(rng, other.length + 1));
        break;
      case 4: {
        // deep nesting: a bracket repeated, balanced or not
        const [open, close] = pick(rng, [['(', ')'], ['{', '}'], ['[', ']'], ['"', '"'], ['[', ':1s]'], ['-', '']]);
        const n = 1 + int(rng, rng() < 0.2 ? 20_000 : 100);
        s = s.slice(0, at) + open.repeat(n) + (rng() < 0.5 ? close.repeat(n) : '') + s.slice(at);
        break;
      }
      case 5:
        s = s.slice(0, at) + String.fromCharCode(int(rng, rng() < 0.8 ? 128 : 0x10000)) + s.slice(at);
        break;
      case 6: {
        // duplicate a chunk
        const len = 1 + int(rng, 16);
        s = s.slice(0, at) + s.slice(at, at + len) + s.slice(at);
        break;
      }
      case 7:
        s = s.slice(0, at) + pick(rng, ['9'.repeat(400), '1e999', '-0x7fffffffffffffff', '1y', '999999999999999999999h', 'NaN', '\\u', '\\x', '\\', '\n', '\0']) + s.slice(at);
        break;
      default:
        s = s.slice(0, at) + pick(rng, tokens).repeat(1 + int(rng, 50)) + s.slice(at);
    }
  }
  return s;
}
