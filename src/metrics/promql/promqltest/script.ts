import { CUSTOM_BUCKETS_SCHEMA, FloatHistogram, Labels, METRIC_NAME, STALE_NAN, type CounterResetHint } from '../../../model/index.js';
import { parseDurationMs, parseNumber } from '../parser.js';
import { unquoteGo as unquoteString } from '../../../lib/go-string.js';

/**
 * The promqltest script language (Prometheus's `promql/promqltest`): `load`, `clear`, `eval instant|range` with
 * expected results and `expect` lines, plus the deprecated `eval_fail`/`eval_warn`/`eval_info`/`eval_ordered` and
 * `expected_fail_message`/`expected_fail_regexp` forms.
 */

/** A value of a series description; `undefined` = no sample (`_`). */
export type SeqValue = number | FloatHistogram | undefined;

export interface LoadCommand {
  kind: 'load';
  line: number;
  intervalMs: number;
  /** `load_with_nhcb`: classic histograms are also converted to native histograms with custom buckets. */
  nhcb: boolean;
  series: { labels: Labels; values: SeqValue[]; native: boolean }[];
}

export interface ExpectMatch {
  type: 'ordered' | 'fail' | 'warn' | 'no_warn' | 'info' | 'no_info';
  match?: { kind: 'msg' | 'regex'; text: string };
}

export interface EvalCommand {
  kind: 'eval';
  line: number;
  expr: string;
  instant: boolean;
  /** ms */
  at: number;
  start: number;
  end: number;
  step: number;
  fail: boolean;
  warn: boolean;
  info: boolean;
  ordered: boolean;
  failMessage?: string;
  failRegexp?: RegExp;
  expects: ExpectMatch[];
  expectScalar?: number;
  expectString?: string;
  expectRange?: { start: number; end: number; step: number };
  /** Expected series, in order of appearance. */
  expected: { labels: Labels; values: SeqValue[]; native: boolean }[];
  /** True if the case involves native histograms (loaded or expected). */
  native: boolean;
}

export type Command = LoadCommand | { kind: 'clear'; line: number } | EvalCommand;

export class ScriptError extends Error {}

const PAT_LOAD = /^load(?:_(with_nhcb))?\s+(.+?)$/;
const PAT_EVAL_INSTANT = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/;
const PAT_EVAL_RANGE = /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$/;
const PAT_EXPECT = /^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$/;
const PAT_EXPECT_RANGE = /^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$/;

/** Durations in scripts are Prometheus model durations (`5m`, `1h30m`, `0`). */
export function scriptDuration(s: string): number {
  if (s === '0') return 0;
  const d = parseDurationMs(s);
  if (d === undefined) throw new ScriptError(`invalid duration ${JSON.stringify(s)}`);
  return d;
}

export function parseScript(input: string): Command[] {
  const lines = input.split('\n').map((l) => {
    const t = l.trim();
    return t.startsWith('#') ? '' : t;
  });
  const out: Command[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l === '') continue;
    const word = l.split(/[\t ]+/, 1)[0].toLowerCase();
    if (word === 'clear') {
      out.push({ kind: 'clear', line: i + 1 });
      continue;
    }
    if (word.startsWith('load')) {
      const m = PAT_LOAD.exec(l);
      if (!m) throw new ScriptError(`line ${i + 1}: invalid load command`);
      const cmd: LoadCommand = { kind: 'load', line: i + 1, intervalMs: scriptDuration(m[2]), nhcb: m[1] === 'with_nhcb', series: [] };
      while (i + 1 < lines.length && lines[i + 1] !== '') {
        i++;
        cmd.series.push(parseSeriesDesc(lines[i]));
      }
      out.push(cmd);
      continue;
    }
    if (word.startsWith('eval')) {
      const [cmd, next] = parseEval(lines, i);
      out.push(cmd);
      i = next;
      continue;
    }
    throw new ScriptError(`line ${i + 1}: unknown command ${JSON.stringify(word)}`);
  }
  return out;
}

function parseEval(lines: string[], i: number): [EvalCommand, number] {
  const l = lines[i];
  const im = PAT_EVAL_INSTANT.exec(l);
  const rm = im ? null : PAT_EVAL_RANGE.exec(l);
  if (!im && !rm) throw new ScriptError(`line ${i + 1}: invalid evaluation command`);
  const mod = (im ? im[1] : rm![1]) ?? '';
  const cmd: EvalCommand = {
    kind: 'eval',
    line: i + 1,
    expr: im ? im[3] : rm![5],
    instant: !!im,
    at: im ? scriptDuration(im[2] ?? '0') : 0,
    start: rm ? scriptDuration(rm[2]) : 0,
    end: rm ? scriptDuration(rm[3]) : 0,
    step: rm ? scriptDuration(rm[4]) : 0,
    fail: mod === 'fail',
    warn: mod === 'warn',
    info: mod === 'info',
    ordered: mod === 'ordered',
    expects: [],
    expected: [],
    native: false,
  };
  while (i + 1 < lines.length) {
    i++;
    const def = lines[i];
    if (def === '') {
      i--;
      break;
    }
    if (cmd.fail && def.startsWith('expected_fail_message')) {
      cmd.failMessage = def.slice('expected_fail_message'.length).trim();
      break;
    }
    if (cmd.fail && def.startsWith('expected_fail_regexp')) {
      cmd.failRegexp = new RegExp(def.slice('expected_fail_regexp'.length).trim());
      break;
    }
    const er = PAT_EXPECT_RANGE.exec(def);
    if (er) {
      cmd.expectRange = { start: scriptDuration(er[1]), end: scriptDuration(er[2]), step: scriptDuration(er[3]) };
      continue;
    }
    if (def.startsWith('expect string')) {
      cmd.expectString = unquoteString(def.slice('expect string'.length).trim());
      continue;
    }
    if (def.split(' ')[0] === 'expect') {
      const m = PAT_EXPECT.exec(def);
      if (!m) throw new ScriptError(`line ${i + 1}: invalid expect statement`);
      const e: ExpectMatch = { type: m[1] as ExpectMatch['type'] };
      if (m[2]) e.match = { kind: m[2] as 'msg' | 'regex', text: m[3].trim() };
      cmd.expects.push(e);
      if (e.type === 'ordered') cmd.ordered = true;
      if (e.type === 'fail') cmd.fail = true;
      continue;
    }
    const num = tryNumber(def);
    if (num !== undefined) {
      cmd.expectScalar = num;
      break;
    }
    const s = parseSeriesDesc(def);
    if (s.native) cmd.native = true;
    cmd.expected.push(s);
  }
  return [cmd, i];
}

function tryNumber(s: string): number | undefined {
  if (!/^[+-]?(\d|\.\d|inf|nan|0x)/i.test(s) || /\s/.test(s) || /[{}]/.test(s)) return undefined;
  const v = parseNumber(s);
  if (v !== v && !/nan/i.test(s)) return undefined;
  return v;
}

/** `metric{a="b"} 1 2+3x4 _ stale {{...}}` */
export function parseSeriesDesc(line: string): { labels: Labels; values: SeqValue[]; native: boolean } {
  let i = 0;
  const pairs: [string, string][] = [];
  const idm = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (idm) {
    pairs.push([METRIC_NAME, idm[0]]);
    i = idm[0].length;
  }
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      let name: string;
      if (line[i] === '"') {
        const end = findQuoteEnd(line, i);
        name = unquoteString(line.slice(i, end + 1));
        i = end + 1;
      } else {
        const nm = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
        if (!nm) throw new ScriptError(`invalid series description ${JSON.stringify(line)}`);
        name = nm[0];
        i += name.length;
      }
      while (line[i] === ' ') i++;
      if (line[i] !== '=') {
        // A bare quoted name is the metric name.
        pairs.push([METRIC_NAME, name]);
        continue;
      }
      i++;
      while (line[i] === ' ') i++;
      const end = findQuoteEnd(line, i);
      const val = unquoteString(line.slice(i, end + 1));
      i = end + 1;
      pairs.push([name, val]);
    }
  }
  const rest = line.slice(i).trim();
  const { values, native } = parseValues(rest);
  return { labels: Labels.fromPairs(pairs), values, native };
}

function findQuoteEnd(s: string, start: number): number {
  const q = s[start];
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === q) return i;
  }
  throw new ScriptError(`unterminated string in ${JSON.stringify(s)}`);
}

function parseValues(s: string): { values: SeqValue[]; native: boolean } {
  const values: SeqValue[] = [];
  let native = false;
  // Native histograms {{...}} are recognised and skipped (no samples).
  const tokens: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (i >= s.length) break;
    let j = i;
    let hist = false;
    while (j < s.length && s[j] !== ' ' && s[j] !== '\t') {
      if (s.startsWith('{{', j)) {
        const end = s.indexOf('}}', j);
        j = end < 0 ? s.length : end + 2;
        hist = true;
        continue;
      }
      j++;
    }
    const tok = s.slice(i, j);
    if (hist) native = true;
    tokens.push(tok);
    i = j;
  }
  for (const tok of tokens) {
    if (tok.startsWith('{{')) {
      // A histogram, optionally `{{a}}xN` (repeated) or `{{a}}+{{b}}xN` / `{{a}}-{{b}}xN` (a sequence).
      const end = tok.indexOf('}}');
      const first = parseHistogram(tok.slice(2, end));
      let rest = tok.slice(end + 2);
      let inc: FloatHistogram | undefined;
      let sign = 1;
      if (rest.startsWith('+{{') || rest.startsWith('-{{')) {
        sign = rest[0] === '-' ? -1 : 1;
        const e2 = rest.indexOf('}}');
        inc = parseHistogram(rest.slice(3, e2));
        rest = rest.slice(e2 + 2);
      }
      const rep = /^x(\d+)$/.exec(rest);
      const n = rep ? Number(rep[1]) : 0;
      let cur = first;
      values.push(cur);
      for (let k = 0; k < n; k++) {
        if (inc) {
          const next = cur.copy();
          if (sign > 0) next.add(inc);
          else next.sub(inc);
          next.hint = first.hint;
          cur = next;
        }
        values.push(cur.copy());
      }
      continue;
    }
    if (tok === '_') {
      values.push(undefined);
      continue;
    }
    const blanks = /^_x(\d+)$/.exec(tok);
    if (blanks) {
      for (let k = 0; k < Number(blanks[1]); k++) values.push(undefined);
      continue;
    }
    if (tok === 'stale') {
      values.push(STALE_NAN);
      continue;
    }
    const m = /^([+-]?(?:[0-9.]+(?:e[+-]?\d+)?|inf|nan|0x[0-9a-f]+))(?:([+-])([0-9.]+(?:e[+-]?\d+)?|inf|nan))?x(\d+)$/i.exec(tok);
    if (m) {
      const start = parseNumber(m[1]);
      const delta = m[3] !== undefined ? parseNumber(m[3]) * (m[2] === '-' ? -1 : 1) : 0;
      const n = Number(m[4]);
      let cur = start;
      values.push(cur);
      for (let k = 0; k < n; k++) {
        cur += delta;
        values.push(cur);
      }
      continue;
    }
    const v = parseNumber(tok);
    if (v !== v && !/nan/i.test(tok)) {
      // Unsupported notation (e.g. start timestamps `@st`): treat the series as not loadable here.
      native = true;
      values.push(undefined);
      continue;
    }
    values.push(v);
  }
  return { values, native };
}

/** `schema:1 sum:5 count:3 z_bucket:1 z_bucket_w:0.001 offset:1 buckets:[1 2] n_offset:0 n_buckets:[1] custom_values:[1 2] counter_reset_hint:gauge` */
const explicitHints = new WeakSet<FloatHistogram>();

/** Whether a parsed histogram spelled out its counter_reset_hint (only then do results have to match it). */
export function hasExplicitHint(h: FloatHistogram): boolean {
  return explicitHints.has(h);
}

export function parseHistogram(body: string): FloatHistogram {
  const h = new FloatHistogram();
  const re = /([a-z_]+):\s*(\[[^\]]*\]|\S+)/g;
  let m: RegExpExecArray | null;
  let posOff = 0;
  let negOff = 0;
  let pos: number[] = [];
  let neg: number[] = [];
  const list = (x: string) =>
    x
      .slice(1, -1)
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '')
      .map(parseNumber);
  while ((m = re.exec(body))) {
    const [, key, val] = m;
    switch (key) {
      case 'schema':
        h.schema = Number(val);
        break;
      case 'sum':
        h.sum = parseNumber(val);
        break;
      case 'count':
        h.count = parseNumber(val);
        break;
      case 'z_bucket':
        h.zeroCount = parseNumber(val);
        break;
      case 'z_bucket_w':
        h.zeroThreshold = parseNumber(val);
        break;
      case 'offset':
        posOff = Number(val);
        break;
      case 'n_offset':
        negOff = Number(val);
        break;
      case 'buckets':
        pos = list(val);
        break;
      case 'n_buckets':
        neg = list(val);
        break;
      case 'custom_values':
        h.customValues = list(val);
        break;
      case 'counter_reset_hint':
        explicitHints.add(h);
        h.hint = (val === 'reset' || val === 'not_reset' || val === 'gauge' ? val : 'unknown') as CounterResetHint;
        break;
      default:
        throw new ScriptError(`unknown histogram field ${JSON.stringify(key)}`);
    }
  }
  if (h.schema === CUSTOM_BUCKETS_SCHEMA && !h.customValues) h.customValues = [];
  h.pOff = posOff;
  h.pos = pos;
  h.nOff = negOff;
  h.neg = neg;
  return h;
}
