import { sanitizeLabelName, unescapeLogfmt } from './label-parsers.js';

/**
 * logfmt over a line's UTF-8 bytes for the few keys a query reads, so a chunk's lines are parsed where they lie
 * without a string per line or per key. Same results as `logfmtParse` in its needed-keys mode (not `--strict`, no
 * `--keep-empty`, no expressions): keys are compared in place, an empty value is no value, a later occurrence
 * replaces an earlier one, and the scan stops once every key was found by its own name (Loki's required-labels hint).
 */
export class LogfmtKeyScanner {
  private readonly keys: Buffer[];
  private readonly allMask: number;
  /** Value of key q after `scan`: data[start[q], end[q]), `escaped[q]` when it holds backslash escapes. */
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly escaped: Uint8Array;

  constructor(readonly names: readonly string[]) {
    if (names.length >= 31) throw new Error('LogfmtKeyScanner: at most 30 keys');
    this.keys = names.map((n) => Buffer.from(n, 'utf8'));
    this.allMask = (1 << names.length) - 1;
    this.start = new Int32Array(names.length);
    this.end = new Int32Array(names.length);
    this.escaped = new Uint8Array(names.length);
  }

  /** Scan the line data[s, e); bit q of the result is set when key q has a value. */
  scan(data: Buffer, s: number, e: number): number {
    const keys = this.keys;
    let present = 0;
    let found = 0;
    let i = s;
    while (i < e) {
      while (i < e && data[i] <= 32) i++;
      if (i >= e) break;
      const ks = i;
      let c = 0;
      while (i < e && (c = data[i]) !== 61 /* = */ && c > 32 && c !== 34 /* " */) i++;
      if (i === ks || c === 34) {
        i++;
        continue;
      }
      const kl = i - ks;
      let q = -1;
      let byName = false;
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k];
        if (key.length !== kl) continue;
        let j = 0;
        while (j < kl && data[ks + j] === key[j]) j++;
        if (j === kl) {
          q = k;
          byName = true;
          break;
        }
      }
      if (q < 0 && !plainKeyBytes(data, ks, i)) q = this.names.indexOf(sanitizeLabelName(data.toString('utf8', ks, i)));
      if (i >= e || data[i] !== 61) continue; // a key without a value
      i++;
      let vs = i;
      let ve: number;
      let esc = false;
      if (i < e && data[i] === 34) {
        vs = ++i;
        for (;;) {
          const at = data.indexOf(34, i);
          if (at < 0 || at >= e) {
            i = e;
            break;
          }
          let bs = 0;
          for (let k = at - 1; k >= vs && data[k] === 92; k--) bs++;
          if (bs > 0) esc = true;
          i = at + 1;
          if (bs % 2 === 0) break;
        }
        ve = Math.max(vs, i - 1);
      } else {
        while (i < e && data[i] > 32) i++;
        ve = i;
      }
      if (q < 0 || ve === vs) continue;
      this.start[q] = vs;
      this.end[q] = ve;
      this.escaped[q] = esc ? 1 : 0;
      present |= 1 << q;
      if (byName && (found |= 1 << q) === this.allMask) break;
    }
    return present;
  }

  /** The value of key q found by the last `scan` (escapes resolved). */
  value(data: Buffer, q: number): string {
    const v = data.toString('utf8', this.start[q], this.end[q]);
    return this.escaped[q] ? unescapeLogfmt(v) : v;
  }
}

/** True when data[s, e) is already a valid label name (sanitizing cannot change it). */
function plainKeyBytes(data: Buffer, s: number, e: number): boolean {
  for (let k = s; k < e; k++) {
    const c = data[k];
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (k > s && c >= 48 && c <= 57);
    if (!ok) return false;
  }
  return true;
}
