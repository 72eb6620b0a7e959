/**
 * The Go `text/template` subset LogQL's `line_format` and `label_format` use: `{{.label}}`, pipelines with `|`,
 * `if`/`else if`/`else`/`end`, whitespace trimming `{{-`/`-}}`, and Loki's common template functions (sprig
 * names: upper, lower, title, trim*, replace, default, printf, regexReplaceAll, contains, len, math, ...).
 */
import { createHash } from 'node:crypto';
import { compileUnanchored, replaceAll } from '../../lib/regex/index.js';
export interface TemplateContext {
  get(name: string): string | undefined;
  line: string;
  /** Nanoseconds. */
  ts: bigint;
  /** What a field not found prints (Go prints `<no value>` for a missing key of a map of interfaces); default ''. */
  missingField?: string;
}

type Node = { t: 'text'; v: string } | { t: 'action'; p: Pipeline } | { t: 'if'; branches: Array<{ cond: Pipeline | null; body: Node[] }> };
type Operand = { t: 'field'; name: string } | { t: 'dot' } | { t: 'str'; v: string } | { t: 'num'; v: number } | { t: 'ident'; name: string } | { t: 'paren'; p: Pipeline };
type Command = Operand[];
type Pipeline = Command[];

export class TemplateError extends Error {}

export class Template {
  private readonly nodes: Node[];
  constructor(readonly source: string) {
    this.nodes = parseTemplate(source);
  }

  /** True when the template uses no action at all (a constant). */
  get isConstant(): boolean {
    return this.nodes.every((n) => n.t === 'text');
  }

  execute(ctx: TemplateContext): string {
    return run(this.nodes, ctx);
  }
}

function parseTemplate(src: string): Node[] {
  // tokenize into text / action bodies
  const parts: Array<{ text?: string; action?: string }> = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      parts.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src[start] === '-' && /\s/.test(src[start + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    const close = src.indexOf('}}', start);
    if (close < 0) throw new TemplateError(`template: unclosed action`);
    let body = src.slice(start, close);
    let next = close + 2;
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      const m = /^\s*/.exec(src.slice(next));
      next += m ? m[0].length : 0;
    }
    if (text) parts.push({ text });
    parts.push({ action: body.trim() });
    i = next;
  }
  let pos = 0;
  const parseList = (stopAt: string[]): { nodes: Node[]; stop?: string; stopBody?: string } => {
    const nodes: Node[] = [];
    while (pos < parts.length) {
      const p = parts[pos++];
      if (p.text !== undefined) {
        nodes.push({ t: 'text', v: p.text });
        continue;
      }
      const a = p.action!;
      if (a.startsWith('/*')) continue;
      const kw = /^(if|else if|else|end)\b/.exec(a)?.[1];
      if (kw && stopAt.includes(kw === 'else if' ? 'else' : kw)) return { nodes, stop: kw, stopBody: a.slice(kw.length).trim() };
      if (kw === 'if') {
        const branches: Array<{ cond: Pipeline | null; body: Node[] }> = [];
        let cond: Pipeline | null = parsePipeline(a.slice(2).trim());
        for (;;) {
          const r = parseList(['else', 'end']);
          branches.push({ cond, body: r.nodes });
          if (r.stop === 'end') break;
          if (r.stop === 'else if') cond = parsePipeline(r.stopBody!);
          else if (r.stop === 'else') cond = null;
          else throw new TemplateError('template: unexpected EOF in if');
        }
        nodes.push({ t: 'if', branches });
        continue;
      }
      if (kw) throw new TemplateError(`template: unexpected {{${kw}}}`);
      nodes.push({ t: 'action', p: parsePipeline(a) });
    }
    if (stopAt.length) throw new TemplateError('template: unexpected EOF');
    return { nodes };
  };
  return parseList([]).nodes;
}

function parsePipeline(s: string): Pipeline {
  let i = 0;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  const pipeline = (closing?: string): Pipeline => {
    const cmds: Pipeline = [];
    let cmd: Command = [];
    for (;;) {
      ws();
      if (i >= s.length || (closing && s[i] === closing)) break;
      const c = s[i];
      if (c === '|') {
        i++;
        cmds.push(cmd);
        cmd = [];
        continue;
      }
      if (c === '(') {
        i++;
        const p = pipeline(')');
        if (s[i] !== ')') throw new TemplateError('template: unclosed (');
        i++;
        cmd.push({ t: 'paren', p });
        continue;
      }
      if (c === '"' || c === '`') {
        const q = c;
        let j = i + 1;
        while (j < s.length && s[j] !== q) j += s[j] === '\\' && q === '"' ? 2 : 1;
        const raw = s.slice(i, j + 1);
        i = j + 1;
        cmd.push({ t: 'str', v: q === '`' ? raw.slice(1, -1) : (JSON.parse(raw) as string) });
        continue;
      }
      const m = /^(\.[A-Za-z0-9_]*|-?\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*)/.exec(s.slice(i));
      if (!m) throw new TemplateError(`template: unexpected ${JSON.stringify(s.slice(i, i + 10))}`);
      i += m[0].length;
      const tok = m[0];
      if (tok === '.') cmd.push({ t: 'dot' });
      else if (tok.startsWith('.')) cmd.push({ t: 'field', name: tok.slice(1) });
      else if (/^-?\d/.test(tok)) cmd.push({ t: 'num', v: Number(tok) });
      else if (tok === 'true' || tok === 'false') cmd.push({ t: 'str', v: tok === 'true' ? 'true' : '' });
      else cmd.push({ t: 'ident', name: tok });
    }
    if (cmd.length) cmds.push(cmd);
    return cmds;
  };
  const p = pipeline();
  if (p.length === 0) throw new TemplateError('template: missing value for command');
  return p;
}

type Val = string | number | boolean | undefined;

function run(nodes: Node[], ctx: TemplateContext): string {
  let out = '';
  for (const n of nodes) {
    if (n.t === 'text') out += n.v;
    else if (n.t === 'action') out += str(evalPipeline(n.p, ctx));
    else {
      for (const b of n.branches) {
        if (b.cond === null || truthy(evalPipeline(b.cond, ctx))) {
          out += run(b.body, ctx);
          break;
        }
      }
    }
  }
  return out;
}

function str(v: Val): string {
  if (v === undefined) return '<no value>';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  return String(v);
}

function truthy(v: Val): boolean {
  return v !== undefined && v !== '' && v !== 0 && v !== false;
}

function evalPipeline(p: Pipeline, ctx: TemplateContext): Val {
  let prev: Val;
  let has = false;
  for (const cmd of p) {
    prev = evalCommand(cmd, ctx, has ? prev : undefined, has);
    has = true;
  }
  return prev;
}

function evalOperand(o: Operand, ctx: TemplateContext): Val {
  switch (o.t) {
    case 'field': {
      const v = ctx.get(o.name);
      return v === undefined ? (ctx.missingField ?? '') : v;
    }
    case 'dot':
      return '';
    case 'str':
      return o.v;
    case 'num':
      return o.v;
    case 'paren':
      return evalPipeline(o.p, ctx);
    case 'ident':
      return callFn(o.name, [], ctx);
  }
}

function evalCommand(cmd: Command, ctx: TemplateContext, piped: Val, hasPiped: boolean): Val {
  const head = cmd[0];
  if (head.t === 'ident') {
    const args = cmd.slice(1).map((o) => evalOperand(o, ctx));
    if (hasPiped) args.push(piped);
    return callFn(head.name, args, ctx);
  }
  if (cmd.length > 1) throw new TemplateError(`template: can't give argument to non-function`);
  return evalOperand(head, ctx);
}

const num = (v: Val): number => (typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : Number(v ?? 0));
const s = (v: Val): string => (v === undefined ? '' : String(v));

function callFn(name: string, a: Val[], ctx: TemplateContext): Val {
  switch (name) {
    case '__line__':
      return ctx.line;
    case '__timestamp__':
      return new Date(Number(ctx.ts / 1_000_000n)).toISOString();
    case 'ToLower':
    case 'lower':
      return s(a[0]).toLowerCase();
    case 'ToUpper':
    case 'upper':
      return s(a[0]).toUpperCase();
    case 'title':
      return s(a[0]).replace(/\b\w/g, (c) => c.toUpperCase());
    case 'trim':
    case 'trimSpace':
    case 'TrimSpace':
      return s(a[0]).trim();
    case 'trimAll': {
      const cut = s(a[0]);
      let v = s(a[1]);
      while (cut && v.length && cut.includes(v[0])) v = v.slice(1);
      while (cut && v.length && cut.includes(v[v.length - 1])) v = v.slice(0, -1);
      return v;
    }
    // sprig's trimPrefix/trimSuffix take (affix, s); Go's strings.TrimPrefix/TrimSuffix (Loki's and Promtail's
    // capitalised names) take (s, affix).
    case 'trimPrefix':
    case 'TrimPrefix': {
      const [v, pre] = name === 'trimPrefix' ? [s(a[1]), s(a[0])] : [s(a[0]), s(a[1])];
      return v.startsWith(pre) ? v.slice(pre.length) : v;
    }
    case 'trimSuffix':
    case 'TrimSuffix': {
      const [v, suf] = name === 'trimSuffix' ? [s(a[1]), s(a[0])] : [s(a[0]), s(a[1])];
      return suf && v.endsWith(suf) ? v.slice(0, -suf.length) : v;
    }
    case 'replace':
      return s(a[2]).split(s(a[0])).join(s(a[1]));
    case 'Replace': {
      // Go's strings.Replace(s, old, new, n): the first n occurrences, all when n < 0 (or not given).
      const n = a.length > 3 ? num(a[3]) : -1;
      const parts = s(a[0]).split(s(a[1]));
      if (n < 0 || n >= parts.length - 1) return parts.join(s(a[2]));
      return parts.slice(0, n + 1).join(s(a[2])) + s(a[1]) + parts.slice(n + 1).join(s(a[1]));
    }
    case 'Trim':
      return trimSet(s(a[0]), s(a[1]), true, true);
    case 'TrimLeft':
      return trimSet(s(a[0]), s(a[1]), true, false);
    case 'TrimRight':
      return trimSet(s(a[0]), s(a[1]), false, true);
    case 'Hash':
      // Promtail: hex SHA3-256 of salt + input, called as {{ Hash .Value "salt" }} (salt is the first argument).
      return createHash('sha3-256').update(s(a[0]) + s(a[1])).digest('hex');
    case 'Sha2Hash':
      return createHash('sha256').update(s(a[0]) + s(a[1])).digest('hex');
    case 'substr': {
      const v = s(a[2]);
      const start = num(a[0]);
      const end = num(a[1]);
      return start < 0 ? v.slice(0, end) : end < 0 || end > v.length ? v.slice(start) : v.slice(start, end);
    }
    case 'contains':
      return s(a[1]).includes(s(a[0]));
    case 'hasPrefix':
      return s(a[1]).startsWith(s(a[0]));
    case 'hasSuffix':
      return s(a[1]).endsWith(s(a[0]));
    case 'repeat':
      return s(a[1]).repeat(Math.max(0, num(a[0])));
    case 'indent':
      return s(a[1]).replace(/^/gm, ' '.repeat(num(a[0])));
    case 'nindent':
      return '\n' + s(a[1]).replace(/^/gm, ' '.repeat(num(a[0])));
    case 'default':
      return a.length < 2 || !truthy(a[1]) ? a[0] : a[1];
    case 'printf':
      return sprintf(s(a[0]), a.slice(1));
    case 'regexReplaceAll':
      // sprig: regexReplaceAll REGEX STRING REPLACEMENT
      return replaceAll(compileUnanchored(s(a[0])), s(a[1]), s(a[2]));
    case 'regexReplaceAllLiteral':
      return replaceAll(compileUnanchored(s(a[0])), s(a[1]), s(a[2]), { literal: true });
    case 'count':
      return [...compileUnanchored(s(a[0])).matchAll(s(a[1]))].length;
    case 'len':
      return s(a[0]).length;
    case 'eq':
      return a.slice(1).some((x) => s(x) === s(a[0]));
    case 'ne':
      return s(a[0]) !== s(a[1]);
    case 'lt':
      return cmp(a[0], a[1]) < 0;
    case 'le':
      return cmp(a[0], a[1]) <= 0;
    case 'gt':
      return cmp(a[0], a[1]) > 0;
    case 'ge':
      return cmp(a[0], a[1]) >= 0;
    case 'and':
      return a.every(truthy) ? a[a.length - 1] : a.find((x) => !truthy(x));
    case 'or':
      return a.find(truthy) ?? a[a.length - 1];
    case 'not':
      return !truthy(a[0]);
    case 'add':
      return a.reduce<number>((x, y) => Math.trunc(x + num(y)), 0);
    case 'sub':
      return Math.trunc(num(a[0]) - num(a[1]));
    case 'mul':
      return a.reduce<number>((x, y) => Math.trunc(x * num(y)), 1);
    case 'div':
      return Math.trunc(num(a[0]) / num(a[1]));
    case 'mod':
      return num(a[0]) % num(a[1]);
    case 'addf':
      return a.reduce<number>((x, y) => x + num(y), 0);
    case 'subf':
      return num(a[0]) - a.slice(1).reduce<number>((x, y) => x + num(y), 0);
    case 'mulf':
      return a.reduce<number>((x, y) => x * num(y), 1);
    case 'divf':
      return num(a[0]) / num(a[1]);
    case 'ceil':
      return Math.ceil(num(a[0]));
    case 'floor':
      return Math.floor(num(a[0]));
    case 'round':
      return Number(num(a[0]).toFixed(a.length > 1 ? num(a[1]) : 0));
    case 'int':
      return Math.trunc(num(a[0]));
    case 'float64':
      return num(a[0]);
    case 'b64enc':
      return Buffer.from(s(a[0])).toString('base64');
    case 'b64dec':
      return Buffer.from(s(a[0]), 'base64').toString('utf8');
    case 'urlencode':
      return encodeURIComponent(s(a[0]));
    case 'urldecode':
      return decodeURIComponent(s(a[0]));
    case 'alignLeft':
      return s(a[1]).slice(0, num(a[0])).padEnd(num(a[0]));
    case 'alignRight':
      return s(a[1]).slice(-num(a[0])).padStart(num(a[0]));
    case 'unixEpoch':
      return String(Math.floor(Date.parse(s(a[0])) / 1000));
    case 'unixEpochMillis':
      return String(Date.parse(s(a[0])));
    case 'unixEpochNanos':
      return String(BigInt(Date.parse(s(a[0]))) * 1_000_000n);
    case 'unixToTime': {
      const v = s(a[0]);
      const n = Number(v);
      const ms = v.length <= 10 ? n * 1000 : v.length <= 13 ? n : v.length <= 16 ? n / 1000 : n / 1e6;
      return new Date(ms).toISOString();
    }
    case 'now':
      return new Date().toISOString();
    case 'fromJson':
      return s(a[0]);
    default:
      throw new TemplateError(`template: function "${name}" not defined`);
  }
}

/** Go's strings.Trim/TrimLeft/TrimRight: remove leading/trailing characters contained in `cut`. */
function trimSet(v: string, cut: string, left: boolean, right: boolean): string {
  const set = new Set(cut);
  const chars = [...v];
  let i = 0;
  let j = chars.length;
  if (left) while (i < j && set.has(chars[i])) i++;
  if (right) while (j > i && set.has(chars[j - 1])) j--;
  return chars.slice(i, j).join('');
}

function cmp(a: Val, b: Val): number {
  const x = Number(a);
  const y = Number(b);
  if (!Number.isNaN(x) && !Number.isNaN(y) && s(a) !== '' && s(b) !== '') return x - y;
  return s(a) < s(b) ? -1 : s(a) > s(b) ? 1 : 0;
}

function sprintf(fmt: string, args: Val[]): string {
  let i = 0;
  return fmt.replace(/%([-+ 0#]*)(\d+)?(?:\.(\d+))?([sdvfqxXtgeo%])/g, (_m, flags: string, width: string | undefined, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    const v = args[i++];
    let out: string;
    switch (verb) {
      case 'd':
        out = String(Math.trunc(num(v)));
        break;
      case 'f':
        out = num(v).toFixed(prec !== undefined ? Number(prec) : 6);
        break;
      case 'g':
      case 'e':
        out = String(num(v));
        break;
      case 'q':
        out = JSON.stringify(s(v));
        break;
      case 'x':
        out = typeof v === 'number' ? v.toString(16) : Buffer.from(s(v)).toString('hex');
        break;
      case 'X':
        out = (typeof v === 'number' ? v.toString(16) : Buffer.from(s(v)).toString('hex')).toUpperCase();
        break;
      default:
        out = s(v);
        if (prec !== undefined) out = out.slice(0, Number(prec));
    }
    if (width) out = flags.includes('-') ? out.padEnd(Number(width)) : out.padStart(Number(width), flags.includes('0') ? '0' : ' ');
    return out;
  });
}
