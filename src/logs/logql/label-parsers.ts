/** LogQL's label parsers: json, logfmt, regexp, pattern, unpack. Each adds labels to a mutable map. */
import { compileUnanchored } from '../../lib/regex/index.js';
import type { ExtractionExpr } from './ast.js';
import { jsonNodeText, scanJson, type JsonNode } from './json-scan.js';

export type LabelMap = Map<string, string>;
export const ERROR_LABEL = '__error__';
export const ERROR_DETAILS_LABEL = '__error_details__';

const VALID_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function sanitizeLabelName(k: string): string {
  if (VALID_NAME.test(k)) return k;
  let out = k.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(out)) out = '_' + out;
  return out;
}

/** Add an extracted label; a name clashing with a stream label gets the `_extracted` suffix, as in Loki. */
function addExtracted(lbs: LabelMap, stream: ReadonlySet<string>, name: string, value: string): void {
  const n = stream.has(name) ? `${name}_extracted` : name;
  lbs.set(n, value);
}

export function setError(lbs: LabelMap, err: string, details: string): void {
  if (lbs.has(ERROR_LABEL)) return;
  lbs.set(ERROR_LABEL, err);
  lbs.set(ERROR_DETAILS_LABEL, details);
}

export function jsonParse(line: string, lbs: LabelMap, stream: ReadonlySet<string>, exprs: readonly ExtractionExpr[]): void {
  let doc: JsonNode;
  try {
    doc = scanJson(line);
  } catch (e) {
    setError(lbs, 'JSONParserErr', (e as Error).message);
    return;
  }
  if (doc.t !== 'o') {
    setError(lbs, 'JSONParserErr', 'Value looks like object, but can\'t find closing \'}\' symbol');
    return;
  }
  if (exprs.length > 0) {
    for (const x of exprs) {
      const v = jsonPath(doc, x.path ?? x.name);
      addExtracted(lbs, stream, x.name, v === undefined ? '' : jsonNodeText(v, line));
    }
    return;
  }
  // Numbers keep their text as written (`0.50` stays `0.50`), as Loki's parser does.
  const walk = (obj: Extract<JsonNode, { t: 'o' }>, prefix: string) => {
    for (const [k, v] of obj.entries) {
      const name = prefix ? `${prefix}_${sanitizeLabelName(k)}` : sanitizeLabelName(k);
      if (v.t === 'null' || v.t === 'a') continue;
      if (v.t === 'o') walk(v, name);
      else addExtracted(lbs, stream, name, jsonNodeText(v, line));
    }
  };
  walk(doc, '');
}

/** `a.b[0]`, `a["b c"].d` */
function jsonPath(doc: JsonNode, path: string): JsonNode | undefined {
  const re = /\.?([A-Za-z0-9_$-]+)|\[(\d+)\]|\["([^"]*)"\]/g;
  let cur: JsonNode | undefined = doc;
  let m;
  let consumed = 0;
  while ((m = re.exec(path)) && m.index === consumed) {
    consumed += m[0].length;
    if (cur === undefined) return undefined;
    if (m[2] !== undefined) cur = cur.t === 'a' ? cur.items[Number(m[2])] : undefined;
    else if (cur.t === 'o') {
      const key = m[1] ?? m[3];
      let found: JsonNode | undefined;
      for (const [k, v] of cur.entries) if (k === key) found = v;
      cur = found;
    } else return undefined;
  }
  return consumed === path.length ? cur : undefined;
}

/**
 * logfmt (`key=value key2="quoted value"`). `needed`, when given, is the set of label names the rest of the query
 * reads: other keys are skipped without building their values (Loki's required-labels hint).
 */
export function logfmtParse(
  line: string,
  lbs: LabelMap,
  stream: ReadonlySet<string>,
  strict: boolean,
  keepEmpty: boolean,
  exprs: readonly ExtractionExpr[],
  needed?: ReadonlySet<string>,
): void {
  // A needed `x_extracted` can come from a key `x` that clashes with a stream label: then parse every key.
  if (needed && hasExtractedSuffix(needed)) needed = undefined;
  const want = exprs.length > 0 ? new Map(exprs.map((e) => [e.path ?? e.name, e.name])) : undefined;
  const neededList = !want && needed ? neededNames(needed) : undefined;
  // As Loki: once every label the query reads is extracted, the rest of the line is not parsed (not in --strict).
  const allMask = neededList && neededList.length < 31 && !strict ? (1 << neededList.length) - 1 : -1;
  let foundMask = 0;
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && line.charCodeAt(i) <= 32) i++;
    if (i >= n) break;
    const ks = i;
    let c = 0;
    while (i < n && (c = line.charCodeAt(i)) !== 61 /* = */ && c > 32 && c !== 34 /* " */) i++;
    if (i === ks || c === 34) {
      if (strict) {
        setError(lbs, 'LogfmtParserErr', `logfmt syntax error at pos ${i + 1} : unexpected '${c === 34 ? '"' : '='}'`);
        return;
      }
      i++;
      continue;
    }
    let name: string | undefined;
    let hit = -1;
    if (neededList) {
      // Compare the key in place with the few names the query reads: no string per key that is not needed.
      const kl = i - ks;
      for (let q = 0; q < neededList.length; q++) {
        const nn = neededList[q];
        if (nn.length === kl && line.startsWith(nn, ks)) {
          name = nn;
          hit = q;
          break;
        }
      }
      if (name === undefined && !plainKey(line, ks, i)) {
        const n2 = sanitizeLabelName(line.slice(ks, i));
        if (needed!.has(n2)) name = n2;
      }
    } else if (want) name = want.get(line.slice(ks, i));
    else name = sanitizeLabelName(line.slice(ks, i));
    if (name !== undefined && needed !== undefined && !needed.has(name)) name = undefined;
    const skip = name === undefined;
    let value = '';
    let hasValue = false;
    if (i < n && line.charCodeAt(i) === 61) {
      i++;
      hasValue = true;
      if (line.charCodeAt(i) === 34) {
        const vs = ++i;
        let esc = false;
        for (;;) {
          const q = line.indexOf('"', i);
          if (q < 0) {
            if (strict) {
              setError(lbs, 'LogfmtParserErr', `logfmt syntax error at pos ${n + 1} : unterminated quoted value`);
              return;
            }
            i = n;
            break;
          }
          let bs = 0;
          for (let k = q - 1; k >= vs && line.charCodeAt(k) === 92; k--) bs++;
          if (bs > 0) esc = true;
          i = q + 1;
          if (bs % 2 === 0) break;
        }
        if (!skip) {
          const raw = line.slice(vs, Math.max(vs, i - 1));
          value = esc ? unescapeLogfmt(raw) : raw;
        }
      } else {
        const vs = i;
        while (i < n && line.charCodeAt(i) > 32) i++;
        if (!skip) value = line.slice(vs, i);
      }
    }
    if (skip) continue;
    if (!hasValue && !keepEmpty) continue;
    if (value === '' && !keepEmpty && hasValue) continue;
    addExtracted(lbs, stream, name!, value);
    if (hit >= 0 && (foundMask |= 1 << hit) === allMask) return;
  }
}

/** A quoted logfmt value's escapes (`\n`, `\t`, `\r`, `\x` = x). */
export function unescapeLogfmt(raw: string): string {
  return raw.replace(/\\(.)/g, (_m, e: string) => (e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e));
}

const suffixCache = new WeakMap<ReadonlySet<string>, boolean>();
function hasExtractedSuffix(needed: ReadonlySet<string>): boolean {
  let b = suffixCache.get(needed);
  if (b === undefined) suffixCache.set(needed, (b = [...needed].some((n) => n.endsWith('_extracted'))));
  return b;
}

const neededCache = new WeakMap<ReadonlySet<string>, string[]>();
function neededNames(needed: ReadonlySet<string>): string[] {
  let l = neededCache.get(needed);
  if (!l) neededCache.set(needed, (l = [...needed]));
  return l;
}

/** True when line[s, e) is already a valid label name (so sanitizing cannot change it). */
function plainKey(line: string, s: number, e: number): boolean {
  for (let k = s; k < e; k++) {
    const c = line.charCodeAt(k);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (k > s && c >= 48 && c <= 57);
    if (!ok) return false;
  }
  return true;
}

export function compileRegexpParser(pattern: string): (line: string, lbs: LabelMap, stream: ReadonlySet<string>) => void {
  const re = compileUnanchored(pattern);
  return (line, lbs, stream) => {
    const m = re.exec(line);
    if (!m?.groups) return;
    for (const [k, v] of Object.entries(m.groups)) if (v !== undefined) addExtracted(lbs, stream, sanitizeLabelName(k), v);
  };
}

/** Compile a pattern (`<ip> - <_> "<method> <path>"`) to a regex; names of captures (`_` = unnamed). */
export function compilePattern(pattern: string): { re: RegExp; names: string[] } {
  const parts = pattern.split(/(<[A-Za-z_][A-Za-z0-9_]*>)/);
  let src = '^';
  const names: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p === '') continue;
    const m = /^<([A-Za-z_][A-Za-z0-9_]*)>$/.exec(p);
    if (m) {
      const isLast = parts.slice(i + 1).every((x) => x === '');
      src += isLast ? '(.*)' : '(.*?)';
      names.push(m[1]);
    } else src += p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return { re: new RegExp(src, 's'), names };
}

export function compilePatternParser(pattern: string): (line: string, lbs: LabelMap, stream: ReadonlySet<string>) => void {
  const { re, names } = compilePattern(pattern);
  return (line, lbs, stream) => {
    const m = re.exec(line);
    if (!m) return;
    for (let i = 0; i < names.length; i++) if (names[i] !== '_') addExtracted(lbs, stream, names[i], m[i + 1]);
  };
}

/** `unpack`: a JSON object of strings (as Promtail's `pack` stage writes); `_entry` becomes the line. */
export function unpack(line: string, lbs: LabelMap, stream: ReadonlySet<string>): string {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch (e) {
    setError(lbs, 'JSONParserErr', (e as Error).message);
    return line;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return line;
  let out = line;
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof v !== 'string') continue;
    if (k === '_entry') out = v;
    else addExtracted(lbs, stream, sanitizeLabelName(k), v);
  }
  return out;
}
