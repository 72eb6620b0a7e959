/** Alert label sets as Alertmanager keeps them: a plain name → value map, fingerprinted as Prometheus does. */
export type LabelSet = Record<string, string>;

const SEP = 0xff;
/**
 * FNV-1a 64 state as four 16-bit limbs, least significant first: every product stays a small integer, which V8
 * keeps in registers (no BigInt, no doubles on the ingest path).
 */
let v0 = 0;
let v1 = 0;
let v2 = 0;
let v3 = 0;

function fnvByte(b: number): void {
  v0 ^= b;
  // × 0x100000001b3 (2⁴⁰ + 0x1b3) mod 2⁶⁴: 0x1b3 times each limb, plus limbs 0 and 1 shifted up by 40 bits.
  const t0 = v0 * 0x1b3;
  let t1 = v1 * 0x1b3;
  let t2 = v2 * 0x1b3 + (v0 << 8);
  const t3 = v3 * 0x1b3 + (v1 << 8);
  t1 += t0 >>> 16;
  t2 += t1 >>> 16;
  v0 = t0 & 0xffff;
  v1 = t1 & 0xffff;
  v2 = t2 & 0xffff;
  v3 = (t3 + (t2 >>> 16)) & 0xffff;
}

function fnvString(s: string): void {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      fnvByte(c);
      continue;
    }
    // UTF-8 encode (surrogate pairs combined).
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x800) {
      fnvByte(0xc0 | (c >> 6));
    } else if (c < 0x10000) {
      fnvByte(0xe0 | (c >> 12));
      fnvByte(0x80 | ((c >> 6) & 0x3f));
    } else {
      fnvByte(0xf0 | (c >> 18));
      fnvByte(0x80 | ((c >> 12) & 0x3f));
      fnvByte(0x80 | ((c >> 6) & 0x3f));
    }
    fnvByte(0x80 | (c & 0x3f));
  }
}

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

/**
 * Prometheus's `LabelSet.Fingerprint`: FNV-1a 64 over the sorted names and values, each followed by 0xff. Returned
 * as the 16-digit lower-case hex Alertmanager shows.
 */
export function fingerprint(ls: LabelSet): string {
  v3 = 0xcbf2;
  v2 = 0x9ce4;
  v1 = 0x8422;
  v0 = 0x2325;
  for (const name of sortedNames(ls)) {
    fnvString(name);
    fnvByte(SEP);
    fnvString(ls[name]);
    fnvByte(SEP);
  }
  return hex4(v3) + hex4(v2) + hex4(v1) + hex4(v0);
}

const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The string as Go's JSON decoder yields it: each lone UTF-16 surrogate replaced by U+FFFD. */
export function wellFormed(s: string): string {
  return SURROGATE.test(s) ? s.replace(LONE_SURROGATE, '\ufffd') : s;
}

export function sortedNames(ls: LabelSet): string[] {
  // Default sort: by UTF-16 code units, as `<` compares (label names are ASCII).
  return Object.keys(ls).sort();
}

/** Go's `%q` of a string, as far as label values need it. */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u007f/g, '\\x7f');
}

/** `LabelSet.String()`: `{a="1", b="2"}`, sorted. */
export function labelSetString(ls: LabelSet): string {
  return `{${sortedNames(ls)
    .map((n) => `${n}=${goQuote(ls[n])}`)
    .join(', ')}}`;
}

/** A copy with only the given names (those present). */
export function pick(ls: LabelSet, names: readonly string[]): LabelSet {
  const out: LabelSet = {};
  for (const n of names) if (n in ls) out[n] = ls[n];
  return out;
}

export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
