import { createRequire } from 'node:module';
import type JmesPath from 'jmespath';
import { compileUnanchored, type Regex } from '../../model/index.js';
import { setLabel, type LogEntry, type RawEntry } from '../entry.js';
import { compileTimeLayout, parseRfc3339Bytes } from './go-time.js';
import { extractedValue, setExtracted, valueToString } from './extracted.js';
import { dropEntry, type Emit, type Stage } from './pipeline.js';
import type { StageConfig } from './stage-config.js';

const RFC3339NANO = compileTimeLayout('RFC3339Nano');

/** JMESPath (CommonJS) is required when a `json` stage is built: an agent without one does not load it (~5 MB). */
const require = createRequire(import.meta.url);
let jmespathModule: typeof JmesPath | undefined;
const jmespath = (): typeof JmesPath => (jmespathModule ??= require('jmespath') as typeof JmesPath);

function sourceText(e: LogEntry, source: string | undefined): string | undefined {
  if (source === undefined) return e.line;
  return valueToString(extractedValue(e, source));
}

/** `docker`: `{"log": ..., "stream": ..., "time": ...}` → line `log`, label `stream`, timestamp `time`. */
export function dockerStage(): Stage {
  return {
    name: 'docker',
    process(e, emit) {
      let obj: { log?: unknown; stream?: unknown; time?: unknown };
      try {
        obj = JSON.parse(e.line) as typeof obj;
      } catch {
        emit(e);
        return;
      }
      if (obj === null || typeof obj !== 'object') {
        emit(e);
        return;
      }
      setExtracted(e, 'output', obj.log);
      setExtracted(e, 'stream', obj.stream);
      setExtracted(e, 'timestamp', obj.time);
      if (typeof obj.stream === 'string') setLabel(e, 'stream', obj.stream);
      if (typeof obj.time === 'string') {
        const t = RFC3339NANO.parse(obj.time);
        if (t) {
          e.tsMs = t.ms;
          e.tsNs = t.ns;
        }
      }
      if (typeof obj.log === 'string') e.line = obj.log;
      emit(e);
    },
  };
}

const CRI_RE = /^(\S+?) (stdout|stderr) (\S+?) ([\s\S]*)$/;

function isSpaceByte(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Bytes `b[from..)` up to `end` start with `word`. */
function bytesAre(b: Buffer, from: number, end: number, word: Uint8Array): boolean {
  if (from + word.length > end) return false;
  for (let i = 0; i < word.length; i++) if (b[from + i] !== word[i]) return false;
  return true;
}

const STDOUT = Buffer.from('stdout ');
const STDERR = Buffer.from('stderr ');

/** Where CRI_RE's groups lie in bytes (the same match, without a string): set by `matchCriBytes`. */
const cri = { timeEnd: 0, stream: '', flagsStart: 0, flagsEnd: 0, partial: false };

/** `CRI_RE` on `b[start..end)`: the time up to the first space, `stdout|stderr`, the flags up to the next space. */
function matchCriBytes(b: Buffer, start: number, end: number): boolean {
  let i = start;
  while (i < end && !isSpaceByte(b[i])) i++;
  if (i === start || i >= end || b[i] !== 32) return false;
  cri.timeEnd = i;
  i++;
  if (bytesAre(b, i, end, STDOUT)) cri.stream = 'stdout';
  else if (bytesAre(b, i, end, STDERR)) cri.stream = 'stderr';
  else return false;
  i += 7;
  const fs = i;
  let partial = false;
  while (i < end && !isSpaceByte(b[i])) {
    if (b[i] === 80) partial = true; // 'P'
    i++;
  }
  if (i === fs || i >= end || b[i] !== 32) return false;
  cri.flagsStart = fs;
  cri.flagsEnd = i;
  cri.partial = partial;
  return true;
}

/**
 * `cri`: `<time> <stream> <flags> <content>` → line `content`, label `stream`, timestamp `time`. Lines flagged `P`
 * (partial) are held per stream and joined with the following ones up to the `F` line (or `max_partial_lines`).
 */
export function criStage(cfg: NonNullable<StageConfig['cri']>): Stage {
  const held = new Map<Record<string, string>, LogEntry>();
  const maxSize = typeof cfg.max_partial_line_size === 'number' ? cfg.max_partial_line_size : 0;
  const counts = new Map<LogEntry, number>();
  const finish = (first: LogEntry) => {
    counts.delete(first);
    if (maxSize > 0 && first.line.length > maxSize && cfg.max_partial_line_size_truncate) first.line = first.line.slice(0, maxSize);
    return first;
  };
  return {
    name: 'cri',
    processRaw(e: RawEntry): boolean {
      const b = e.buf;
      if (!matchCriBytes(b, e.start, e.end)) return true; // not CRI: handed on unchanged
      // Partial lines are held and joined as strings.
      if (cri.partial || (held.size > 0 && held.has(e.labels))) return false;
      const t = parseRfc3339Bytes(b, e.start, cri.timeEnd);
      if (t) {
        e.tsMs = t.ms;
        e.tsNs = t.ns;
      }
      e.extract('time', undefined, e.start, cri.timeEnd);
      e.extract('stream', cri.stream);
      e.extract('flags', cri.flagsEnd - cri.flagsStart === 1 && b[cri.flagsStart] === 70 ? 'F' : undefined, cri.flagsStart, cri.flagsEnd);
      e.extract('content', undefined, cri.flagsEnd + 1, e.end);
      setLabel(e, 'stream', cri.stream);
      e.start = cri.flagsEnd + 1;
      return true;
    },
    process(e, emit) {
      const m = CRI_RE.exec(e.line);
      if (!m) {
        emit(e);
        return;
      }
      const key = e.labels;
      const [, time, stream, flags, content] = m;
      setExtracted(e, 'time', time);
      setExtracted(e, 'stream', stream);
      setExtracted(e, 'flags', flags);
      setExtracted(e, 'content', content);
      const t = RFC3339NANO.parse(time);
      if (t) {
        e.tsMs = t.ms;
        e.tsNs = t.ns;
      }
      setLabel(e, 'stream', stream);
      e.line = content;
      const first = held.get(key);
      if (first) {
        // Joined into the first part, which keeps its ticket; this part's reference is released.
        first.line += content;
        dropEntry(e);
        const n = (counts.get(first) ?? 1) + 1;
        counts.set(first, n);
        if (!flags.includes('P') || n >= cfg.max_partial_lines) {
          held.delete(key);
          emit(finish(first));
        }
        return;
      }
      if (flags.includes('P')) {
        held.set(key, e);
        counts.set(e, 1);
        return;
      }
      emit(e);
    },
    flush(emit, now) {
      // Partial lines are handed on at stop (an F line normally follows within milliseconds).
      if (now !== Number.POSITIVE_INFINITY) return;
      for (const [k, e] of held) {
        held.delete(k);
        emit(finish(e));
      }
    },
  };
}

/** `json`: JMESPath expressions over the line (or an extracted value) into the extracted map. */
export function jsonStage(cfg: NonNullable<StageConfig['json']>): Stage {
  const jp = jmespath();
  const exprs = Object.entries(cfg.expressions).map(([name, expr]) => {
    const src = expr === '' ? name : expr;
    (jp as unknown as { compile(e: string): unknown }).compile(src); // refuses a bad expression at start
    return [name, src] as const;
  });
  return {
    name: 'json',
    process(e, emit) {
      const text = sourceText(e, cfg.source);
      let obj: unknown;
      try {
        if (text === undefined) throw new Error('no source');
        obj = JSON.parse(text);
        if (obj === null || typeof obj !== 'object') throw new Error('not an object');
      } catch {
        if (cfg.drop_malformed) dropEntry(e);
        else emit(e);
        return;
      }
      for (const [name, expr] of exprs) {
        const v: unknown = jp.search(obj as never, expr);
        if (v !== null && v !== undefined) setExtracted(e, name, v);
      }
      emit(e);
    },
  };
}

/** logfmt's `key=value key2="quoted value"` pairs. */
export function parseLogfmt(s: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && s.charCodeAt(i) <= 32) i++;
    const ks = i;
    while (i < n && s[i] !== '=' && s.charCodeAt(i) > 32) i++;
    const key = s.slice(ks, i);
    let value = '';
    if (s[i] === '=') {
      i++;
      if (s[i] === '"') {
        i++;
        let v = '';
        while (i < n && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < n) {
            i++;
            v += s[i] === 'n' ? '\n' : s[i] === 't' ? '\t' : s[i];
          } else v += s[i];
          i++;
        }
        i++;
        value = v;
      } else {
        const vs = i;
        while (i < n && s.charCodeAt(i) > 32) i++;
        value = s.slice(vs, i);
      }
    }
    if (key !== '') out.set(key, value);
  }
  return out;
}

export function logfmtStage(cfg: NonNullable<StageConfig['logfmt']>): Stage {
  const mapping = Object.entries(cfg.mapping).map(([name, key]) => [name, key === '' ? name : key] as const);
  return {
    name: 'logfmt',
    process(e, emit) {
      const text = sourceText(e, cfg.source);
      if (text !== undefined) {
        const kv = parseLogfmt(text);
        for (const [name, key] of mapping) {
          const v = kv.get(key);
          if (v !== undefined) setExtracted(e, name, v);
        }
      }
      emit(e);
    },
  };
}

/** `regex`: RE2 named groups (unanchored) over the line or an extracted value. */
export function regexStage(cfg: NonNullable<StageConfig['regex']>): Stage {
  const re: Regex = compileUnanchored(cfg.expression);
  if (!re.groupNames.some((g) => g !== '')) throw new Error('regex expression must contain at least one named capture group');
  return {
    name: 'regex',
    process(e, emit: Emit) {
      const text = sourceText(e, cfg.source);
      const m = text === undefined ? null : re.exec(text);
      if (m) {
        re.groupNames.forEach((g, i) => {
          if (g !== '' && m[i + 1] !== undefined) setExtracted(e, g, m[i + 1]);
        });
      }
      emit(e);
    },
  };
}

/** `decolorize`: strips ANSI colour sequences from the line. */
export function decolorizeStage(): Stage {
  // eslint-disable-next-line no-control-regex -- the ESC character is the point
  const ansi = /\x1b\[[0-9;]*[mK]/g;
  return {
    name: 'decolorize',
    process(e, emit) {
      if (e.line.includes('\x1b')) e.line = e.line.replace(ansi, '');
      emit(e);
    },
  };
}
