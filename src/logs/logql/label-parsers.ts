/** LogQL's label parsers: json, logfmt, regexp, pattern, unpack. Each adds labels to a mutable map. */
import type { ExtractionExpr } from './ast.js';

export type LabelMap = Map<string, string>;
export const ERROR_LABEL = '__error__';
export const ERROR_DETAILS_LABEL = '__error_details__';

export function sanitizeLabelName(k: string): string {
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
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch (e) {
    setError(lbs, 'JSONParserErr', (e as Error).message);
    return;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    setError(lbs, 'JSONParserErr', 'Value looks like object, but can\'t find closing \'}\' symbol');
    return;
  }
  if (exprs.length > 0) {
    for (const x of exprs) {
      const v = jsonPath(doc, x.path ?? x.name);
      addExtracted(lbs, stream, x.name, v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
    }
    return;
  }
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const name = prefix ? `${prefix}_${sanitizeLabelName(k)}` : sanitizeLabelName(k);
      if (v === null || v === undefined) continue;
      if (Array.isArray(v)) continue;
      if (typeof v === 'object') walk(v as Record<string, unknown>, name);
      else addExtracted(lbs, stream, name, String(v));
    }
  };
  walk(doc as Record<string, unknown>, '');
}

/** `a.b[0]`, `a["b c"].d` */
function jsonPath(doc: unknown, path: string): unknown {
  const re = /\.?([A-Za-z0-9_$-]+)|\[(\d+)\]|\["([^"]*)"\]/g;
  let cur: unknown = doc;
  let m;
  let consumed = 0;
  while ((m = re.exec(path)) && m.index === consumed) {
    consumed += m[0].length;
    if (cur === null || typeof cur !== 'object') return undefined;
    if (m[2] !== undefined) cur = Array.isArray(cur) ? cur[Number(m[2])] : undefined;
    else cur = (cur as Record<string, unknown>)[m[1] ?? m[3]];
  }
  return consumed === path.length ? cur : undefined;
}

export function logfmtParse(line: string, lbs: LabelMap, stream: ReadonlySet<string>, strict: boolean, keepEmpty: boolean, exprs: readonly ExtractionExpr[]): void {
  const want = exprs.length > 0 ? new Map(exprs.map((e) => [e.path ?? e.name, e.name])) : undefined;
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && line.charCodeAt(i) <= 32) i++;
    if (i >= n) break;
    const ks = i;
    while (i < n && line[i] !== '=' && line.charCodeAt(i) > 32 && line[i] !== '"') i++;
    const key = line.slice(ks, i);
    if (key === '' || line[i] === '"') {
      if (strict) {
        setError(lbs, 'LogfmtParserErr', `logfmt syntax error at pos ${i + 1} : unexpected '${line[i] === '"' ? '"' : '='}'`);
        return;
      }
      i++;
      continue;
    }
    let value = '';
    let hasValue = false;
    if (line[i] === '=') {
      i++;
      hasValue = true;
      if (line[i] === '"') {
        i++;
        let v = '';
        let closed = false;
        while (i < n) {
          const c = line[i];
          if (c === '\\' && i + 1 < n) {
            const e = line[i + 1];
            v += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
            i += 2;
            continue;
          }
          if (c === '"') {
            closed = true;
            i++;
            break;
          }
          v += c;
          i++;
        }
        if (!closed && strict) {
          setError(lbs, 'LogfmtParserErr', `logfmt syntax error at pos ${i + 1} : unterminated quoted value`);
          return;
        }
        value = v;
      } else {
        const vs = i;
        while (i < n && line.charCodeAt(i) > 32) i++;
        value = line.slice(vs, i);
      }
    }
    if (!hasValue && !keepEmpty) continue;
    if (value === '' && !keepEmpty && hasValue) continue;
    if (want) {
      const name = want.get(key);
      if (name !== undefined) addExtracted(lbs, stream, name, value);
    } else addExtracted(lbs, stream, sanitizeLabelName(key), value);
  }
}

export function compileRegexpParser(pattern: string): (line: string, lbs: LabelMap, stream: ReadonlySet<string>) => void {
  const re = new RegExp(pattern.replace(/\(\?P</g, '(?<'), 's');
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
