import { GoUnquoteError, unquoteGo } from '../go-string.js';

/**
 * A parser for Go's text/template language, as Prometheus uses it in alert labels, annotations and console
 * templates: text and actions with trim markers and comments, pipelines with declarations, fields, variables,
 * literals, function calls and parenthesised pipelines; `if`/`else if`/`else`, `range` (with `else`, `break`,
 * `continue`), `with`, `define`, `template` and `block`. Errors read as Go's: `template: NAME:LINE: message`.
 */

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export type Arg =
  | { k: 'dot' }
  | { k: 'field'; names: string[] }
  | { k: 'var'; name: string; fields: string[] }
  | { k: 'ident'; name: string }
  | { k: 'str'; v: string }
  | { k: 'num'; v: number | bigint }
  | { k: 'bool'; v: boolean }
  | { k: 'nil' }
  | { k: 'pipe'; pipe: Pipe; fields: string[] };

export interface Cmd {
  args: Arg[];
  /** Source text of the command, for execution errors (`at <...>`). */
  src: string;
  line: number;
  col: number;
}

export interface Pipe {
  decl: string[];
  /** `=` (assign to an existing variable) rather than `:=`. */
  assign: boolean;
  cmds: Cmd[];
}

export type Node =
  | { k: 'text'; text: string }
  | { k: 'action'; pipe: Pipe; line: number }
  | { k: 'if' | 'with' | 'range'; pipe: Pipe; list: Node[]; else: Node[] | null; line: number }
  | { k: 'template'; name: string; pipe: Pipe | null; line: number }
  | { k: 'break' | 'continue'; line: number };

export interface ParsedTemplate {
  name: string;
  root: Node[];
  /** `define`d and `block` templates by name. */
  defs: Map<string, Node[]>;
}

type Tok =
  | { t: 'ident' | 'field' | 'var' | 'str' | 'num' | 'char' | 'op'; v: string; pos: number }
  | { t: 'end'; v: ''; pos: number };

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'nil', 'true', 'false']);

interface RawAction {
  toks: Tok[];
  line: number;
  pos: number;
}

type Item = { k: 'text'; text: string } | { k: 'action'; a: RawAction };

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

/** A Go string literal's value (`strconv.Unquote`); a bad escape is the template's syntax error. */
function unquote(s: string, err: (m: string) => never): string {
  try {
    return unquoteGo(s);
  } catch (e) {
    if (e instanceof GoUnquoteError) return err(e.message);
    throw e;
  }
}

/** Splits the source into text and actions (tokenised), applying trim markers and dropping comments. */
function lex(name: string, src: string): Item[] {
  const items: Item[] = [];
  let i = 0;
  let line = 1;
  const countLines = (from: number, to: number) => {
    for (let j = from; j < to; j++) if (src.charCodeAt(j) === 10) line++;
  };
  let trimNext = false;
  while (i <= src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    const trimLeft = open >= 0 && src[open + 2] === '-' && isSpace(src[open + 3] ?? '');
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    if (text !== '') items.push({ k: 'text', text });
    if (open < 0) break;
    countLines(i, open);
    const actionLine = line;
    let p = open + 2 + (trimLeft ? 2 : 0);
    const err = (m: string): never => {
      throw new TemplateError(`template: ${name}:${line}: ${m}`);
    };
    // Comment.
    if (src.startsWith('/*', p)) {
      const close = src.indexOf('*/', p + 2);
      if (close < 0) err('unclosed comment');
      countLines(p, close);
      p = close + 2;
      let trimRight = false;
      if (src.startsWith(' -}}', p)) {
        trimRight = true;
        p += 4;
      } else if (src.startsWith('}}', p)) p += 2;
      else err('comment ends before closing delimiter');
      trimNext = trimRight;
      i = p;
      continue;
    }
    const toks: Tok[] = [];
    let trimRight = false;
    for (;;) {
      if (p >= src.length) {
        line = actionLine;
        err('unclosed action');
      }
      const c = src[p];
      if (src.startsWith(' -}}', p) || src.startsWith('\t-}}', p) || src.startsWith('\n-}}', p)) {
        trimRight = true;
        countLines(p, p + 1);
        p += 4;
        break;
      }
      if (src.startsWith('}}', p)) {
        p += 2;
        break;
      }
      if (isSpace(c)) {
        if (c === '\n') line++;
        p++;
        continue;
      }
      const start = p;
      if (c === '"') {
        p++;
        while (p < src.length && src[p] !== '"') {
          if (src[p] === '\\') p++;
          if (src[p] === '\n') err('unterminated quoted string');
          p++;
        }
        if (p >= src.length) err('unterminated quoted string');
        p++;
        toks.push({ t: 'str', v: unquote(src.slice(start, p), err), pos: start });
        continue;
      }
      if (c === '`') {
        const close = src.indexOf('`', p + 1);
        if (close < 0) err('unterminated raw quoted string');
        countLines(p, close);
        p = close + 1;
        toks.push({ t: 'str', v: src.slice(start + 1, p - 1), pos: start });
        continue;
      }
      if (c === "'") {
        p++;
        while (p < src.length && src[p] !== "'") {
          if (src[p] === '\\') p++;
          p++;
        }
        p++;
        const ch = unquote(src.slice(start, p), err);
        toks.push({ t: 'char', v: String(ch.codePointAt(0) ?? 0), pos: start });
        continue;
      }
      if (c === ':' && src[p + 1] === '=') {
        toks.push({ t: 'op', v: ':=', pos: p });
        p += 2;
        continue;
      }
      if (c === '|' || c === '(' || c === ')' || c === ',' || c === '=') {
        toks.push({ t: 'op', v: c, pos: p });
        p++;
        continue;
      }
      if (c === '$') {
        p++;
        while (p < src.length && /[\p{L}\p{N}_]/u.test(src[p])) p++;
        toks.push({ t: 'var', v: src.slice(start, p), pos: start });
        continue;
      }
      if (c === '.' && !/[0-9]/.test(src[p + 1] ?? '')) {
        p++;
        while (p < src.length && /[\p{L}\p{N}_]/u.test(src[p])) p++;
        toks.push({ t: 'field', v: src.slice(start, p), pos: start });
        continue;
      }
      if (/[0-9+\-.]/.test(c)) {
        const m = /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(\d[\d_]*)?\.?\d*([eE][+-]?\d+)?)/.exec(src.slice(p));
        if (!m || m[0] === '' || m[0] === '+' || m[0] === '-') err(`unexpected ${JSON.stringify(c)} in command`);
        p += m![0].length;
        toks.push({ t: 'num', v: m![0], pos: start });
        continue;
      }
      if (/[\p{L}_]/u.test(c)) {
        while (p < src.length && /[\p{L}\p{N}_]/u.test(src[p])) p++;
        toks.push({ t: 'ident', v: src.slice(start, p), pos: start });
        continue;
      }
      err(`unexpected ${JSON.stringify(c)} in command`);
    }
    items.push({ k: 'action', a: { toks, line: actionLine, pos: open } });
    trimNext = trimRight;
    i = p;
  }
  return items;
}

function parseNumber(s: string): number | bigint {
  const clean = s.replace(/_/g, '');
  if (/^[+-]?(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|\d+)$/.test(clean)) {
    const neg = clean.startsWith('-');
    const body = clean.replace(/^[+-]/, '');
    const lower = body.toLowerCase();
    let v: bigint;
    if (lower.startsWith('0x') || lower.startsWith('0b') || lower.startsWith('0o')) v = BigInt(lower);
    else if (/^0[0-7]+$/.test(body)) v = BigInt('0o' + body.slice(1));
    else v = BigInt(body);
    return neg ? -v : v;
  }
  return Number(clean);
}

/** Parses `src` into a template; `funcs` are the defined function names (Go checks them at parse time). */
export function parseTemplate(name: string, src: string, funcs: ReadonlySet<string>): ParsedTemplate {
  const items = lex(name, src);
  const defs = new Map<string, Node[]>();
  let idx = 0;
  let curLine = 1;
  const err = (m: string): never => {
    throw new TemplateError(`template: ${name}:${curLine}: ${m}`);
  };
  // Variable scopes: a stack of frames; '$' always defined.
  const scopes: string[][] = [['$']];
  const hasVar = (v: string) => scopes.some((s) => s.includes(v));

  const parsePipe = (a: RawAction, toks: Tok[], ctx: string, allowDecl: boolean, rangeDecl: boolean): Pipe => {
    let ti = 0;
    const decl: string[] = [];
    let assign = false;
    // Declarations: $x := / $x = / $i, $e :=
    if (allowDecl && toks[0]?.t === 'var') {
      const j = toks.findIndex((t) => t.t === 'op' && (t.v === ':=' || t.v === '='));
      const before = j < 0 ? [] : toks.slice(0, j);
      const isDecl = j > 0 && before.every((t, k) => (k % 2 === 0 ? t.t === 'var' : t.t === 'op' && t.v === ','));
      if (isDecl) {
        for (let k = 0; k < before.length; k += 2) decl.push(before[k].v);
        if (decl.length > (rangeDecl ? 2 : 1)) err(`too many declarations in ${ctx}`);
        assign = toks[j].v === '=';
        ti = j + 1;
        if (assign) for (const d of decl) if (!hasVar(d)) err(`undefined variable ${JSON.stringify(d)}`);
      }
    }
    const cmds: Cmd[] = [];
    const parseOperand = (): Arg | null => {
      const t = toks[ti];
      if (!t) return null;
      let arg: Arg;
      switch (t.t) {
        case 'field': {
          ti++;
          if (t.v === '.') return { k: 'dot' };
          const names = [t.v.slice(1)];
          while (toks[ti]?.t === 'field' && toks[ti].v !== '.' && toks[ti].pos === toks[ti - 1].pos + toks[ti - 1].v.length) {
            names.push(toks[ti].v.slice(1));
            ti++;
          }
          return { k: 'field', names };
        }
        case 'var': {
          if (!hasVar(t.v)) err(`undefined variable ${JSON.stringify(t.v)}`);
          ti++;
          arg = { k: 'var', name: t.v, fields: [] };
          break;
        }
        case 'ident': {
          ti++;
          if (t.v === 'true' || t.v === 'false') return { k: 'bool', v: t.v === 'true' };
          if (t.v === 'nil') return { k: 'nil' };
          if (KEYWORDS.has(t.v)) err(`unexpected <${t.v}> in ${ctx}`);
          if (!funcs.has(t.v)) err(`function ${JSON.stringify(t.v)} not defined`);
          return { k: 'ident', name: t.v };
        }
        case 'str':
          ti++;
          return { k: 'str', v: t.v };
        case 'char':
          ti++;
          return { k: 'num', v: BigInt(t.v) };
        case 'num': {
          ti++;
          const v = parseNumber(t.v);
          if (typeof v === 'number' && Number.isNaN(v)) err(`bad number syntax: ${JSON.stringify(t.v)}`);
          return { k: 'num', v };
        }
        case 'op': {
          if (t.v !== '(') return null;
          ti++;
          const start = ti;
          let d = 1;
          while (ti < toks.length) {
            const u = toks[ti];
            if (u.t === 'op' && u.v === '(') d++;
            if (u.t === 'op' && u.v === ')') {
              d--;
              if (d === 0) break;
            }
            ti++;
          }
          if (ti >= toks.length) err('unclosed left paren');
          const inner = parsePipe(a, toks.slice(start, ti), 'parenthesized pipeline', false, false);
          ti++;
          arg = { k: 'pipe', pipe: inner, fields: [] };
          break;
        }
        default:
          return null;
      }
      // Field chain directly after a variable or a parenthesised pipeline.
      while (toks[ti]?.t === 'field' && toks[ti].v !== '.' && toks[ti].pos === toks[ti - 1].pos + (toks[ti - 1].t === 'op' ? 1 : toks[ti - 1].v.length)) {
        arg.fields.push(toks[ti].v.slice(1));
        ti++;
      }
      return arg;
    };
    let cmdStart = ti;
    let args: Arg[] = [];
    const srcOf = (from: number, to: number) => {
      const f = toks[from];
      const l = toks[to - 1];
      if (!f || !l) return '';
      return `${toks
        .slice(from, to)
        .map((t) => (t.t === 'str' ? JSON.stringify(t.v) : t.v))
        .join(' ')}`;
    };
    const endCmd = () => {
      if (args.length === 0) err(`missing value for ${ctx}`);
      cmds.push({ args, src: srcOf(cmdStart, ti), line: a.line, col: (toks[cmdStart]?.pos ?? a.pos) - a.pos });
      args = [];
    };
    while (ti < toks.length) {
      const t = toks[ti];
      if (t.t === 'op' && t.v === '|') {
        endCmd();
        ti++;
        cmdStart = ti;
        continue;
      }
      if (t.t === 'op' && (t.v === ')' || t.v === ',' || t.v === '=' || t.v === ':=')) err(`unexpected ${JSON.stringify(t.v)} in ${ctx}`);
      const arg = parseOperand();
      if (!arg) err(`unexpected ${JSON.stringify(t.v)} in ${ctx}`);
      args.push(arg!);
    }
    if (args.length > 0) endCmd();
    else if (cmds.length > 0) err(`missing value for ${ctx}`);
    if (cmds.length === 0) err(`missing value for ${ctx}`);
    // Non-first commands of a pipeline must be callable (Go: "non executable command in pipeline stage N").
    for (let k = 1; k < cmds.length; k++) {
      const first = cmds[k].args[0];
      if (first.k === 'str' || first.k === 'num' || first.k === 'bool' || first.k === 'nil') err(`non executable command in pipeline stage ${k + 1}`);
    }
    for (const d of decl) if (!assign) scopes[scopes.length - 1].push(d);
    return { decl, assign, cmds };
  };

  // Parses a list until one of the `stops` keywords; returns the list and the stopping keyword's action.
  const parseList = (stops: string[]): { list: Node[]; stop: string; stopAction: RawAction | null } => {
    const list: Node[] = [];
    while (idx < items.length) {
      const it = items[idx++];
      if (it.k === 'text') {
        list.push({ k: 'text', text: it.text });
        continue;
      }
      const a = it.a;
      curLine = a.line;
      const first = a.toks[0];
      if (!first) err('missing value for command');
      const kw = first.t === 'ident' ? first.v : '';
      if (kw === 'end' || kw === 'else') {
        if (!stops.includes(kw)) err(`unexpected {{${kw}}}`);
        return { list, stop: kw, stopAction: a };
      }
      switch (kw) {
        case 'if':
        case 'with':
        case 'range':
          list.push(parseControl(kw, a, a.toks.slice(1)));
          break;
        case 'break':
        case 'continue':
          if (!stops.includes('$range')) err(`{{${kw}}} outside {{range}}`);
          list.push({ k: kw, line: a.line });
          break;
        case 'template': {
          const nameTok = a.toks[1];
          if (!nameTok || nameTok.t !== 'str') err('unexpected  in template clause');
          const rest = a.toks.slice(2);
          list.push({ k: 'template', name: nameTok.v, pipe: rest.length > 0 ? parsePipe(a, rest, 'template clause', false, false) : null, line: a.line });
          break;
        }
        case 'define':
        case 'block': {
          const nameTok = a.toks[1];
          if (!nameTok || nameTok.t !== 'str') err(`unexpected  in ${kw} clause`);
          const rest = a.toks.slice(2);
          const pipe = kw === 'block' ? parsePipe(a, rest, 'block clause', false, false) : null;
          scopes.push(['$']);
          const body = parseList(['end']);
          scopes.pop();
          if (body.stop !== 'end') err('unexpected EOF');
          defs.set(nameTok.v, body.list);
          if (kw === 'block') list.push({ k: 'template', name: nameTok.v, pipe, line: a.line });
          break;
        }
        default:
          list.push({ k: 'action', pipe: parsePipe(a, a.toks, 'command', true, false), line: a.line });
      }
    }
    if (stops.length > 0) err('unexpected EOF');
    return { list, stop: '', stopAction: null };
  };

  const parseControl = (kw: 'if' | 'with' | 'range', a: RawAction, toks: Tok[]): Node => {
    scopes.push([]);
    const pipe = parsePipe(a, toks, kw, true, kw === 'range');
    const inner = parseList(kw === 'range' ? ['end', 'else', '$range'] : ['end', 'else']);
    scopes.pop();
    let elseList: Node[] | null = null;
    if (inner.stop === 'else') {
      const sa = inner.stopAction!;
      const rest = sa.toks.slice(1);
      if (rest.length > 0 && rest[0].t === 'ident' && (rest[0].v === 'if' || rest[0].v === 'with') && kw !== 'range') {
        // `else if` / `else with`: a nested control whose `end` closes both.
        elseList = [parseControl(rest[0].v as 'if' | 'with', sa, rest.slice(1))];
        return { k: kw, pipe, list: inner.list, else: elseList, line: a.line };
      }
      if (rest.length > 0) err(`unexpected ${rest[0].v} in else`);
      scopes.push([]);
      const e = parseList(['end']);
      scopes.pop();
      elseList = e.list;
    }
    return { k: kw, pipe, list: inner.list, else: elseList, line: a.line };
  };

  const root = parseList([]).list;
  return { name, root, defs };
}
