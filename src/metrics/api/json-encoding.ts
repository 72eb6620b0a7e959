import type { Labels } from '../../model/index.js';

const NEEDS_HTML_ESCAPE = /[<>&\u2028\u2029]/;
const HTML_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/** A JSON string literal as Go's encoding/json (and Prometheus's jsoniter configuration) writes it: HTML-escaped. */
export function jsonString(s: string): string {
  const out = JSON.stringify(s);
  return NEEDS_HTML_ESCAPE.test(s) ? out.replace(/[<>&\u2028\u2029]/g, (c) => HTML_ESCAPES[c]) : out;
}

/** A label set as a JSON object in label order (`{"__name__":"up","job":"x"}`). */
export function labelsJson(labels: Labels): string {
  const f = labels.flat;
  if (f.length === 0) return '{}';
  let out = '{';
  for (let i = 0; i < f.length; i += 2) {
    if (i > 0) out += ',';
    out += jsonString(f[i]) + ':' + jsonString(f[i + 1]);
  }
  return out + '}';
}

/** A string -> string record as a JSON object, keys in the given order. */
export function recordJson(rec: Readonly<Record<string, string>>): string {
  let out = '{';
  let first = true;
  for (const k of Object.keys(rec)) {
    if (!first) out += ',';
    first = false;
    out += jsonString(k) + ':' + jsonString(rec[k]);
  }
  return out + '}';
}

/** Any plain value (objects, arrays, strings, numbers, booleans) with Go-compatible string escaping. */
export function valueJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return jsonString(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(v)) return '[' + v.map(valueJson).join(',') + ']';
      let out = '{';
      let first = true;
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (x === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += jsonString(k) + ':' + valueJson(x);
      }
      return out + '}';
    }
    default:
      return 'null';
  }
}
