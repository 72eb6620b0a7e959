import { Labels, compileUnanchored } from '../../model/index.js';
import { parseGoDuration, type LineFilterPushdown } from '../model/index.js';
import type { CompareOp, LabelFilter, Stage } from './ast.js';
import { ERROR_DETAILS_LABEL, ERROR_LABEL, compilePattern, compilePatternParser, compileRegexpParser, jsonParse, logfmtParse, setError, unpack, type LabelMap } from './label-parsers.js';
import { parseBytes } from './parser.js';
import { Template, TemplateError } from './template.js';

/** One entry flowing through a pipeline; reused between entries. */
export interface PipelineEntry {
  line: string;
  ts: bigint;
  labels: LabelMap;
  /** Names of the stream's own labels (for `_extracted` suffixing). */
  stream: ReadonlySet<string>;
}

type StageFn = (e: PipelineEntry) => boolean;

/**
 * A compiled log pipeline. Leading line filters are handed to the store (`pushdown`) and not re-run; the rest run
 * per entry. When no stage touches labels, entries keep their stream's labels and no label map is built.
 */
export class Pipeline {
  private readonly fns: StageFn[] = [];
  readonly pushdown: LineFilterPushdown | undefined;
  /** True when some stage can change labels (parsers, label filters, formats, drop/keep). */
  readonly touchesLabels: boolean;

  /**
   * @param needed when known, the only labels the query reads after the pipeline (e.g. a `by (...)` grouping);
   *   parsers then skip other keys. Only used when every stage after the last parser is a label filter.
   */
  constructor(stages: readonly Stage[], needed?: readonly string[]) {
    let lead = 0;
    while (lead < stages.length && stages[lead].kind === 'lineFilter') lead++;
    if (lead > 0) {
      const tests = stages.slice(0, lead).map((s) => lineFilter(s as Extract<Stage, { kind: 'lineFilter' }>));
      const required: string[] = [];
      for (const s of stages.slice(0, lead)) {
        const f = s as Extract<Stage, { kind: 'lineFilter' }>;
        if (f.op === '|=' && f.values.length === 1 && !f.ip && f.values[0] !== '') required.push(f.values[0]);
      }
      this.pushdown = { required, test: (line) => tests.every((t) => t(line)) };
    }
    this.touchesLabels = stages.slice(lead).some((s) => s.kind !== 'lineFilter' && s.kind !== 'lineFormat' && s.kind !== 'decolorize');
    const neededSet = needed ? requiredLabels(stages.slice(lead), needed) : undefined;
    for (const s of stages.slice(lead)) this.fns.push(compileStage(s, neededSet));
  }

  /** Run the non-pushed-down stages; false = the entry is dropped. */
  process(e: PipelineEntry): boolean {
    for (const f of this.fns) if (!f(e)) return false;
    return true;
  }

  get isNoop(): boolean {
    return this.fns.length === 0;
  }
}

/** The label map of an entry as a sorted label set (empty values dropped). */
export function labelsOf(m: LabelMap): Labels {
  const obj: Record<string, string> = {};
  for (const [k, v] of m) obj[k] = v;
  return Labels.fromObject(obj);
}

export function lineFilter(f: Extract<Stage, { kind: 'lineFilter' }>): (line: string) => boolean {
  let any: (line: string) => boolean;
  if (f.ip) {
    const ms = f.values.map(ipMatcher);
    any = (line) => {
      const found = line.match(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g) ?? [];
      return found.some((ip) => ms.some((m) => m(ip)));
    };
  } else if (f.op === '|=' || f.op === '!=') {
    const vs = f.values;
    any = vs.length === 1 ? (line) => line.includes(vs[0]) : (line) => vs.some((v) => line.includes(v));
  } else if (f.op === '|~' || f.op === '!~') {
    const res = f.values.map((v) => compileUnanchored(v));
    any = (line) => res.some((r) => r.test(line));
  } else {
    const res = f.values.map((v) => compilePattern(v).re);
    any = (line) => res.some((r) => r.test(line));
  }
  const negate = f.op === '!=' || f.op === '!~' || f.op === '!>';
  return negate ? (line) => !any(line) : any;
}

/** Labels the stages after the parsers read, plus `needed`; undefined when that cannot be known (formats, ...). */
function requiredLabels(stages: readonly Stage[], needed: readonly string[]): Set<string> | undefined {
  const out = new Set(needed);
  const walk = (f: LabelFilter): void => {
    switch (f.kind) {
      case 'and':
      case 'or':
        walk(f.left);
        walk(f.right);
        return;
      case 'matcher':
        out.add(f.matcher.name);
        return;
      default:
        out.add(f.name);
    }
  };
  for (const s of stages) {
    if (s.kind === 'labelFilter') walk(s.filter);
    else if (s.kind !== 'logfmt' && s.kind !== 'lineFilter') return undefined;
  }
  return out;
}

function compileStage(s: Stage, needed?: ReadonlySet<string>): StageFn {
  switch (s.kind) {
    case 'lineFilter': {
      const t = lineFilter(s);
      return (e) => t(e.line);
    }
    case 'json':
      return (e) => {
        jsonParse(e.line, e.labels, e.stream, s.exprs);
        return true;
      };
    case 'logfmt':
      return (e) => {
        logfmtParse(e.line, e.labels, e.stream, s.strict, s.keepEmpty, s.exprs, needed);
        return true;
      };
    case 'regexp': {
      const p = compileRegexpParser(s.pattern);
      return (e) => {
        p(e.line, e.labels, e.stream);
        return true;
      };
    }
    case 'pattern': {
      const p = compilePatternParser(s.pattern);
      return (e) => {
        p(e.line, e.labels, e.stream);
        return true;
      };
    }
    case 'unpack':
      return (e) => {
        e.line = unpack(e.line, e.labels, e.stream);
        return true;
      };
    case 'labelFilter': {
      const f = compileLabelFilter(s.filter);
      return (e) => f(e.labels);
    }
    case 'lineFormat': {
      const t = new Template(s.template);
      return (e) => {
        // Loki keeps the line and marks it when the template fails on it (TemplateFormatErr).
        try {
          e.line = t.execute({ get: (n) => e.labels.get(n), line: e.line, ts: e.ts });
        } catch (err) {
          if (!(err instanceof TemplateError)) throw err;
          setError(e.labels, 'TemplateFormatErr', err.message);
        }
        return true;
      };
    }
    case 'labelFormat': {
      const items = s.items.map((it) => ({ dst: it.dst, src: it.src, tpl: it.template !== undefined ? new Template(it.template) : undefined }));
      return (e) => {
        const snapshot = new Map(e.labels);
        const ctx = { get: (n: string) => snapshot.get(n), line: e.line, ts: e.ts };
        for (const it of items) {
          if (it.src !== undefined) {
            const v = snapshot.get(it.src);
            if (it.src !== it.dst) e.labels.delete(it.src);
            if (v !== undefined) e.labels.set(it.dst, v);
          } else {
            try {
              e.labels.set(it.dst, it.tpl!.execute(ctx));
            } catch (err) {
              if (!(err instanceof TemplateError)) throw err;
              setError(e.labels, 'TemplateFormatErr', err.message);
            }
          }
        }
        return true;
      };
    }
    case 'drop':
      return (e) => {
        for (const it of s.items) {
          const v = e.labels.get(it.name);
          if (v === undefined) continue;
          if (!it.matcher || it.matcher.matches(v)) {
            e.labels.delete(it.name);
            if (it.name === ERROR_LABEL && !it.matcher) e.labels.delete(ERROR_DETAILS_LABEL);
          }
        }
        return true;
      };
    case 'keep':
      return (e) => {
        for (const [k, v] of [...e.labels]) {
          const it = s.items.find((x) => x.name === k);
          if (!it || (it.matcher && !it.matcher.matches(v))) e.labels.delete(k);
        }
        return true;
      };
    case 'decolorize':
      return (e) => {
        // eslint-disable-next-line no-control-regex
        e.line = e.line.replace(/\x1b\[[0-9;]*m/g, '');
        return true;
      };
  }
}

function compare(op: CompareOp, a: number, b: number): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
  }
}

export function compileLabelFilter(f: LabelFilter): (l: LabelMap) => boolean {
  switch (f.kind) {
    case 'and': {
      const a = compileLabelFilter(f.left);
      const b = compileLabelFilter(f.right);
      return (l) => a(l) && b(l);
    }
    case 'or': {
      const a = compileLabelFilter(f.left);
      const b = compileLabelFilter(f.right);
      return (l) => a(l) || b(l);
    }
    case 'matcher': {
      const m = f.matcher;
      return (l) => m.matches(l.get(m.name) ?? '');
    }
    case 'duration': {
      // Loki: time.ParseDuration on the value; a bare number (no unit) is an error with Go's message.
      return (l) => {
        const v = l.get(f.name);
        if (v === undefined) return false;
        const d = parseGoDuration(v);
        if ('error' in d) {
          setError(l, 'LabelFilterErr', d.error);
          return true;
        }
        return compare(f.op, d.ms / 1000, f.value);
      };
    }
    case 'number':
    case 'bytes': {
      const conv = f.kind === 'number' ? (v: string) => (v.trim() === '' ? NaN : Number(v)) : (v: string) => parseBytes(v) ?? NaN;
      return (l) => {
        const v = l.get(f.name);
        if (v === undefined) return false;
        const x = conv(v);
        if (Number.isNaN(x)) {
          setError(l, 'LabelFilterErr', `error while parsing label ${f.name}: ${JSON.stringify(v)} is not a ${f.kind === 'number' ? 'float' : 'bytes'}`);
          return true;
        }
        return compare(f.op, x, f.value);
      };
    }
    case 'ip': {
      const m = ipMatcher(f.pattern);
      return (l) => {
        const v = l.get(f.name) ?? '';
        return f.negate ? !m(v) : m(v);
      };
    }
  }
}

function ipToNum(ip: string): number | undefined {
  const p = ip.split('.');
  if (p.length !== 4) return undefined;
  let n = 0;
  for (const x of p) {
    const v = Number(x);
    if (!/^\d{1,3}$/.test(x) || v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** `ip("192.168.0.1")`, `ip("192.168.0.0/24")`, `ip("10.0.0.1-10.0.0.9")` (IPv4). */
function ipMatcher(pattern: string): (ip: string) => boolean {
  let lo: number | undefined;
  let hi: number | undefined;
  if (pattern.includes('/')) {
    const [base, bits] = pattern.split('/');
    const b = ipToNum(base);
    const k = Number(bits);
    if (b !== undefined && k >= 0 && k <= 32) {
      const size = 2 ** (32 - k);
      lo = Math.floor(b / size) * size;
      hi = lo + size - 1;
    }
  } else if (pattern.includes('-')) {
    const [a, z] = pattern.split('-');
    lo = ipToNum(a.trim());
    hi = ipToNum(z.trim());
  } else {
    lo = hi = ipToNum(pattern);
  }
  return (ip) => {
    const n = ipToNum(ip);
    return n !== undefined && lo !== undefined && hi !== undefined && n >= lo && n <= hi;
  };
}
