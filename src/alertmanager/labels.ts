/** Alert label sets as Alertmanager keeps them: a plain name → value map, fingerprinted as Prometheus does. */
export type LabelSet = Record<string, string>;

const SEP = 0xff;

/**
 * Prometheus's `LabelSet.Fingerprint`: FNV-1a 64 over the sorted names and values, each followed by 0xff. Returned
 * as the 16-digit lower-case hex Alertmanager shows. Computed on two 32-bit halves (no BigInt on this path).
 */
export function fingerprint(ls: LabelSet): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const add = (b: number) => {
    lo ^= b;
    const l = (lo >>> 0) * 0x1b3;
    const h = hi * 0x1b3 + ((lo << 8) >>> 0) + Math.floor(l / 4294967296);
    lo = l >>> 0;
    hi = h >>> 0;
  };
  const addString = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) add(c);
      else {
        // UTF-8 encode (surrogate pairs combined).
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
          const d = s.charCodeAt(i + 1);
          if (d >= 0xdc00 && d < 0xe000) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            i++;
          }
        }
        if (c < 0x800) {
          add(0xc0 | (c >> 6));
          add(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
          add(0xe0 | (c >> 12));
          add(0x80 | ((c >> 6) & 0x3f));
          add(0x80 | (c & 0x3f));
        } else {
          add(0xf0 | (c >> 18));
          add(0x80 | ((c >> 12) & 0x3f));
          add(0x80 | ((c >> 6) & 0x3f));
          add(0x80 | (c & 0x3f));
        }
      }
    }
  };
  for (const name of sortedNames(ls)) {
    addString(name);
    add(SEP);
    addString(ls[name]);
    add(SEP);
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

export function sortedNames(ls: LabelSet): string[] {
  return Object.keys(ls).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
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
