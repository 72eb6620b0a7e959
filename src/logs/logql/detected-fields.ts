import type { LogqlResult } from './vector.js';

/** A field of `detected_fields`: its name, type, distinct values seen and the parsers that found it. */
export interface DetectedField {
  label: string;
  type: string;
  cardinality: number;
  parsers: string[];
}

/**
 * A logfmt `key=value` starting a token. The key must follow the start of the line or whitespace: without that,
 * every position inside a long token would retry the key and backtrack over the rest of it (quadratic, seconds on
 * one 5,000-character line).
 */
const LOGFMT_PAIR = /(?<!\S)([A-Za-z_][\w.]*)=("(?:[^"\\]|\\.)*"|\S*)/g;

function typeOf(v: string): string {
  if (/^-?\d+$/.test(v)) return 'int';
  if (/^-?\d*\.\d+$/.test(v)) return 'float';
  if (/^(true|false)$/i.test(v)) return 'boolean';
  if (/^\d+(\.\d+)?(ns|us|ms|s|m|h)$/.test(v)) return 'duration';
  if (/^\d+(\.\d+)?\s?[KMGT]i?B$/i.test(v)) return 'bytes';
  return 'string';
}

/** The fields of one line: a JSON object's leaves (nested keys joined by `_`), else its logfmt pairs. */
function fieldsOf(line: string): { parser: string; pairs: Array<[string, string]> } {
  const t = line.trimStart();
  if (t.startsWith('{')) {
    const pairs: Array<[string, string]> = [];
    try {
      const walk = (o: Record<string, unknown>, pre: string) => {
        for (const [k, v] of Object.entries(o)) {
          if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, `${pre}${k}_`);
          else if (!Array.isArray(v) && v !== null) pairs.push([`${pre}${k}`, String(v)]);
        }
      };
      walk(JSON.parse(t) as Record<string, unknown>, '');
      return { parser: 'json', pairs };
    } catch {
      return { parser: 'json', pairs: [] };
    }
  }
  const pairs: Array<[string, string]> = [];
  for (const m of line.matchAll(LOGFMT_PAIR)) pairs.push([m[1], m[2].replace(/^"|"$/g, '')]);
  return { parser: 'logfmt', pairs };
}

/** `detected_fields` over a log query's result: fields found by json/logfmt, with their type and cardinality. */
export function detectFields(r: LogqlResult): DetectedField[] {
  if (r.resultType !== 'streams') return [];
  const fields = new Map<string, { values: Set<string>; type: string; parsers: Set<string> }>();
  for (const s of r.streams) {
    for (const line of s.lines) {
      const { parser, pairs } = fieldsOf(line);
      for (const [k, v] of pairs) {
        let f = fields.get(k);
        if (!f) fields.set(k, (f = { values: new Set(), type: '', parsers: new Set() }));
        f.values.add(v);
        f.parsers.add(parser);
        const type = typeOf(v);
        f.type = f.type === '' || f.type === type ? type : 'string';
      }
    }
  }
  return [...fields].map(([label, f]) => ({ label, type: f.type, cardinality: f.values.size, parsers: [...f.parsers] }));
}
