import { Labels, isValidLabelName } from '../../model/index.js';

/** Loki's canonical notation of a stream: `{app="api", level="error"}` (sorted by name). */
export function labelsString(l: Labels): string {
  const parts: string[] = [];
  l.forEach((n, v) => parts.push(`${n}=${JSON.stringify(v)}`));
  return `{${parts.join(', ')}}`;
}

export class LabelsParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelsParseError';
  }
}

/**
 * Parse a stream's label set as Loki's clients send it: `{job="x", level="info"}` (equality matchers only, values
 * as Go-quoted strings). Errors are phrased as Loki's LogQL parser phrases them.
 */
export function parseStreamLabels(s: string): { labels: Labels; names: string[] } {
  let i = 0;
  const n = s.length;
  const ws = () => {
    while (i < n && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  };
  const fail = (what: string): never => {
    throw new LabelsParseError(`parse error at line 1, col ${i + 1}: syntax error: ${what}`);
  };
  ws();
  if (s[i] !== '{') fail(`unexpected ${i < n ? JSON.stringify(s[i]) : 'end of input'}, expecting {`);
  i++;
  const pairs: Array<[string, string]> = [];
  const names: string[] = [];
  ws();
  if (s[i] === '}') {
    i++;
  } else {
    for (;;) {
      ws();
      const start = i;
      while (i < n && isNameChar(s.charCodeAt(i))) i++;
      const name = s.slice(start, i);
      if (name === '') fail(`unexpected ${i < n ? JSON.stringify(s[i]) : 'end of input'}, expecting IDENTIFIER`);
      ws();
      if (s[i] !== '=' || s[i + 1] === '~') fail(`unexpected ${i < n ? JSON.stringify(s[i]) : 'end of input'}, expecting =`);
      i++;
      ws();
      if (s[i] !== '"' && s[i] !== '`') fail(`unexpected ${i < n ? JSON.stringify(s[i]) : 'end of input'}, expecting STRING`);
      const value = readQuoted();
      if (!isValidLabelName(name)) throw new LabelsParseError(`invalid label name ${JSON.stringify(name)}`);
      pairs.push([name, value]);
      names.push(name);
      ws();
      if (s[i] === ',') {
        i++;
        continue;
      }
      if (s[i] === '}') {
        i++;
        break;
      }
      fail(`unexpected ${i < n ? JSON.stringify(s[i]) : 'end of input'}, expecting } or ,`);
    }
  }
  ws();
  if (i < n) fail(`unexpected ${JSON.stringify(s[i])}`);
  return { labels: Labels.fromPairs(pairs), names };

  function readQuoted(): string {
    const q = s[i];
    const start = i;
    i++;
    if (q === '`') {
      const end = s.indexOf('`', i);
      if (end < 0) fail('unterminated raw string');
      i = end + 1;
      return s.slice(start + 1, end);
    }
    while (i < n && s[i] !== '"') {
      if (s[i] === '\\') i++;
      i++;
    }
    if (i >= n) fail('unterminated string');
    i++;
    try {
      return JSON.parse(s.slice(start, i)) as string;
    } catch {
      return fail(`invalid string ${s.slice(start, i)}`);
    }
  }
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 58;
}
