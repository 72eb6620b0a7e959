/**
 * Go's `text/template` as Alertmanager's templates use it: text and actions with `{{-`/`-}}` trimming and comments;
 * `define`, `template`, `block`; `if`/`else if`/`else`, `range` (with `$i, $v :=` and `else`), `with`; variables
 * (`$`, `$x := ...`, `$x = ...`); pipelines with `|`; field chains and method calls on the data (`.Labels.SortedPairs`,
 * `.CommonLabels.Remove .GroupLabels.Names`); literals; and a function map.
 */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

type Arg =
  | { k: 'field'; base: Arg | null; names: string[] }
  | { k: 'var'; name: string; names: string[] }
  | { k: 'lit'; v: unknown }
  | { k: 'ident'; name: string }
  | { k: 'pipe'; p: Pipeline; names: string[] };
type Cmd = Arg[];
interface Pipeline {
  decl: string[];
  assign: boolean;
  cmds: Cmd[];
}
type Node =
  | { t: 'text'; v: string }
  | { t: 'action'; p: Pipeline }
  | { t: 'if' | 'with'; p: Pipeline; body: Node[]; else: Node[] | null }
  | { t: 'range'; p: Pipeline; body: Node[]; else: Node[] | null }
  | { t: 'template'; name: string; p: Pipeline | null };

export type TemplateFunc = (...args: unknown[]) => unknown;

// ---------------------------------------------------------------- lexing of one action

function lexAction(src: string): string[] {
  const toks: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      toks.push(src.slice(i, j + 1));
      i = j + 1;
    } else if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) throw new TemplateError('unterminated raw quoted string');
      toks.push(src.slice(i, j + 1));
      i = j + 1;
    } else if (c === '(' || c === ')' || c === '|' || c === ',') {
      toks.push(c);
      i++;
    } else if (src.startsWith(':=', i)) {
      toks.push(':=');
      i += 2;
    } else if (c === '=') {
      toks.push('=');
      i++;
    } else {
      let j = i;
      while (j < src.length && !/[\s()|,]/.test(src[j]) && !src.startsWith(':=', j) && !(src[j] === '=' && j > i)) j++;
      if (j === i) j++;
      toks.push(src.slice(i, j));
      i = j;
    }
  }
  return toks;
}

function unquote(tok: string): string {
  if (tok.startsWith('`')) return tok.slice(1, -1);
  return JSON.parse(tok.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\'/g, "'")) as string;
}

function parsePipeline(toks: string[]): Pipeline {
  let pos = 0;
  const decl: string[] = [];
  let assign = false;
  // `$x :=` / `$i, $v :=` / `$x =`
  const save = pos;
  const vars: string[] = [];
  while (toks[pos]?.startsWith('$')) {
    vars.push(toks[pos++]);
    if (toks[pos] === ',') pos++;
    else break;
  }
  if (vars.length > 0 && (toks[pos] === ':=' || toks[pos] === '=')) {
    assign = toks[pos] === '=';
    decl.push(...vars);
    pos++;
  } else pos = save;

  const parseOperand = (): Arg => {
    const t = toks[pos++];
    if (t === undefined) throw new TemplateError('missing value');
    let arg: Arg;
    if (t === '(') {
      let depth = 1;
      const start = pos;
      while (pos < toks.length && depth > 0) {
        if (toks[pos] === '(') depth++;
        else if (toks[pos] === ')') depth--;
        pos++;
      }
      arg = { k: 'pipe', p: parsePipeline(toks.slice(start, pos - 1)), names: [] };
      // (...).Field.Chain
      while (toks[pos]?.startsWith('.') && toks[pos] !== '.') {
        arg.names.push(...toks[pos++].slice(1).split('.'));
      }
      return arg;
    }
    if (t.startsWith('"') || t.startsWith('`')) return { k: 'lit', v: unquote(t) };
    if (t === 'true' || t === 'false') return { k: 'lit', v: t === 'true' };
    if (t === 'nil') return { k: 'lit', v: null };
    if (/^[-+]?(\d|\.\d)/.test(t)) return { k: 'lit', v: Number(t) };
    if (t.startsWith("'")) return { k: 'lit', v: unquote(`"${t.slice(1, -1)}"`).codePointAt(0) };
    if (t === '.') return { k: 'field', base: null, names: [] };
    if (t.startsWith('.')) return { k: 'field', base: null, names: t.slice(1).split('.') };
    if (t.startsWith('$')) {
      const [name, ...names] = t.split('.');
      return { k: 'var', name, names };
    }
    return { k: 'ident', name: t };
  };

  const cmds: Cmd[] = [];
  let cmd: Cmd = [];
  while (pos < toks.length) {
    if (toks[pos] === '|') {
      if (cmd.length === 0) throw new TemplateError('missing command');
      cmds.push(cmd);
      cmd = [];
      pos++;
      continue;
    }
    cmd.push(parseOperand());
  }
  if (cmd.length > 0) cmds.push(cmd);
  return { decl, assign, cmds };
}

// ---------------------------------------------------------------- parsing of the template

interface Part {
  text?: string;
  action?: string;
}

function split(src: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) parts.push({ text });
      break;
    }
    let start = open + 2;
    if (src[start] === '-' && /\s/.test(src[start + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      start += 2;
    }
    if (text) parts.push({ text });
    let close: number;
    if (src.slice(start).trimStart().startsWith('/*')) {
      const end = src.indexOf('*/', start);
      if (end < 0) throw new TemplateError('unclosed comment');
      close = src.indexOf('}}', end);
    } else {
      // find }} outside string literals
      let j = start;
      close = -1;
      while (j < src.length) {
        const c = src[j];
        if (c === '"') {
          j++;
          while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
          j++;
        } else if (c === '`') j = src.indexOf('`', j + 1) + 1;
        else if (src.startsWith('}}', j)) {
          close = j;
          break;
        } else j++;
      }
    }
    if (close < 0) throw new TemplateError('unclosed action');
    let body = src.slice(start, close);
    if (/\s-$/.test(body)) {
      body = body.slice(0, -2);
      trimNext = true;
    }
    body = body.trim();
    if (!body.startsWith('/*')) parts.push({ action: body });
    i = close + 2;
  }
  return parts;
}

export class TemplateSet {
  private readonly defs = new Map<string, Node[]>();

  constructor(private readonly funcs: Record<string, TemplateFunc>) {}

  /** Parse template text: its `define`s are added; the rest becomes a template named `name`. */
  parse(name: string, src: string): void {
    const parts = split(src);
    let pos = 0;
    const parseList = (stops: string[]): { nodes: Node[]; stop: string; rest: string } => {
      const nodes: Node[] = [];
      while (pos < parts.length) {
        const p = parts[pos++];
        if (p.text !== undefined) {
          nodes.push({ t: 'text', v: p.text });
          continue;
        }
        const a = p.action!;
        const kw = /^(if|else if|else with|else|end|range|with|define|template|block)\b/.exec(a)?.[1];
        const rest = kw ? a.slice(kw.length).trim() : a;
        if (kw && stops.includes(kw.startsWith('else') ? 'else' : kw)) return { nodes, stop: kw, rest };
        switch (kw) {
          case 'if':
          case 'with':
          case 'range': {
            nodes.push(parseControl(kw, rest));
            break;
          }
          case 'define': {
            const nm = unquote(lexAction(rest)[0]);
            const body = parseList(['end']);
            this.defs.set(nm, body.nodes);
            break;
          }
          case 'block': {
            const toks = lexAction(rest);
            const nm = unquote(toks[0]);
            const body = parseList(['end']);
            if (!this.defs.has(nm)) this.defs.set(nm, body.nodes);
            nodes.push({ t: 'template', name: nm, p: toks.length > 1 ? parsePipeline(toks.slice(1)) : null });
            break;
          }
          case 'template': {
            const toks = lexAction(rest);
            nodes.push({ t: 'template', name: unquote(toks[0]), p: toks.length > 1 ? parsePipeline(toks.slice(1)) : null });
            break;
          }
          case undefined:
            nodes.push({ t: 'action', p: parsePipeline(lexAction(a)) });
            break;
          default:
            throw new TemplateError(`unexpected {{${kw}}}`);
        }
      }
      if (stops.length > 0) throw new TemplateError(`unexpected EOF, expected {{${stops.join(' or ')}}}`);
      return { nodes, stop: '', rest: '' };
    };
    const parseControl = (kw: 'if' | 'with' | 'range', cond: string): Node => {
      const p = parsePipeline(lexAction(cond));
      const body = parseList(['else', 'end']);
      let elseNodes: Node[] | null = null;
      if (body.stop === 'else if' || body.stop === 'else with') {
        elseNodes = [parseControl(body.stop === 'else if' ? 'if' : 'with', body.rest)];
      } else if (body.stop === 'else') {
        elseNodes = parseList(['end']).nodes;
      }
      return kw === 'range' ? { t: 'range', p, body: body.nodes, else: elseNodes } : { t: kw, p, body: body.nodes, else: elseNodes };
    };
    const top = parseList([]);
    if (top.nodes.some((n) => n.t !== 'text' || n.v.trim() !== '') || !this.defs.has(name)) this.defs.set(name, top.nodes);
  }

  has(name: string): boolean {
    return this.defs.has(name);
  }

  /** Execute a named template with `data` as dot. */
  execute(name: string, data: unknown): string {
    const nodes = this.defs.get(name);
    if (!nodes) throw new TemplateError(`template: no template ${JSON.stringify(name)} associated with template`);
    const out: string[] = [];
    this.run(nodes, data, [['$', data]], out, 0);
    return out.join('');
  }

  private run(nodes: Node[], dot: unknown, vars: [string, unknown][], out: string[], depth: number): void {
    if (depth > 100) throw new TemplateError('exceeded maximum template depth (100)');
    const scope = vars.length;
    for (const n of nodes) {
      switch (n.t) {
        case 'text':
          out.push(n.v);
          break;
        case 'action': {
          const v = this.pipeline(n.p, dot, vars);
          if (n.p.decl.length === 0) out.push(printValue(v));
          break;
        }
        case 'if':
        case 'with': {
          const mark = vars.length;
          const v = this.pipeline(n.p, dot, vars);
          if (truthy(v)) this.run(n.body, n.t === 'with' ? v : dot, vars, out, depth + 1);
          else if (n.else) this.run(n.else, dot, vars, out, depth + 1);
          vars.length = mark;
          break;
        }
        case 'range': {
          const mark = vars.length;
          const p = { ...n.p, decl: [] as string[] };
          const v = this.pipeline(p, dot, vars);
          const items: [unknown, unknown][] = Array.isArray(v)
            ? v.map((x, i) => [i, x])
            : v instanceof KV
              ? v.pairs.map((x) => [x.Name, x.Value])
              : v && typeof v === 'object'
                ? Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])
                : typeof v === 'number'
                  ? Array.from({ length: v }, (_x, i) => [i, i])
                  : [];
          if (items.length === 0) {
            if (n.else) this.run(n.else, dot, vars, out, depth + 1);
          } else {
            for (const [k, x] of items) {
              vars.length = mark;
              if (n.p.decl.length === 1) vars.push([n.p.decl[0], x]);
              else if (n.p.decl.length === 2) vars.push([n.p.decl[0], k], [n.p.decl[1], x]);
              this.run(n.body, x, vars, out, depth + 1);
            }
          }
          vars.length = mark;
          break;
        }
        case 'template': {
          const nodes2 = this.defs.get(n.name);
          if (!nodes2) throw new TemplateError(`template: no such template ${JSON.stringify(n.name)}`);
          const d = n.p ? this.pipeline(n.p, dot, vars) : null;
          this.run(nodes2, d, [['$', d]], out, depth + 1);
          break;
        }
      }
    }
    vars.length = scope;
  }

  private pipeline(p: Pipeline, dot: unknown, vars: [string, unknown][]): unknown {
    let v: unknown = undefined;
    let first = true;
    for (const cmd of p.cmds) {
      v = this.command(cmd, dot, vars, first ? undefined : { v });
      first = false;
    }
    if (p.decl.length > 0) {
      if (p.assign) {
        for (let i = vars.length - 1; i >= 0; i--) {
          if (vars[i][0] === p.decl[0]) {
            vars[i][1] = v;
            break;
          }
        }
      } else vars.push([p.decl[0], v]);
    }
    return v;
  }

  private command(cmd: Cmd, dot: unknown, vars: [string, unknown][], piped: { v: unknown } | undefined): unknown {
    const head = cmd[0];
    const args = () => {
      const a = cmd.slice(1).map((x) => this.arg(x, dot, vars));
      if (piped) a.push(piped.v);
      return a;
    };
    if (head.k === 'ident') {
      const f = this.funcs[head.name];
      if (!f) throw new TemplateError(`function ${JSON.stringify(head.name)} not defined`);
      return f(...args());
    }
    // A method at the end of a chain takes the command's other arguments: `.CommonLabels.Remove .GroupLabels.Names`.
    if ((head.k === 'field' || head.k === 'var') && head.names.length > 0 && (cmd.length > 1 || piped)) {
      const base = head.k === 'field' ? walk(dot, head.names.slice(0, -1)) : walk(lookupVar(vars, head.name), head.names.slice(0, -1));
      return callMember(base, head.names[head.names.length - 1], args());
    }
    if (cmd.length > 1) throw new TemplateError(`can't give argument to non-function ${JSON.stringify(cmd[0])}`);
    return this.arg(head, dot, vars);
  }

  private arg(a: Arg, dot: unknown, vars: [string, unknown][]): unknown {
    switch (a.k) {
      case 'lit':
        return a.v;
      case 'field':
        return walk(a.base ? this.arg(a.base, dot, vars) : dot, a.names);
      case 'var':
        return walk(lookupVar(vars, a.name), a.names);
      case 'pipe':
        return walk(this.pipeline(a.p, dot, vars), a.names);
      case 'ident': {
        const f = this.funcs[a.name];
        if (!f) throw new TemplateError(`function ${JSON.stringify(a.name)} not defined`);
        return f();
      }
    }
  }
}

function lookupVar(vars: [string, unknown][], name: string): unknown {
  for (let i = vars.length - 1; i >= 0; i--) if (vars[i][0] === name) return vars[i][1];
  throw new TemplateError(`undefined variable: ${name}`);
}

function callMember(base: unknown, name: string, args: unknown[]): unknown {
  if (base === null || base === undefined) throw new TemplateError(`nil pointer evaluating .${name}`);
  const o = base as Record<string, unknown>;
  const m = o[name];
  if (typeof m === 'function') return (m as (...a: unknown[]) => unknown).apply(base, args);
  if (args.length > 0) throw new TemplateError(`${name} is not a method but has arguments`);
  if (base instanceof KV) return base.get(name);
  if (name in o) return m;
  if (base instanceof Map) return base.get(name);
  throw new TemplateError(`can't evaluate field ${name}`);
}

function walk(v: unknown, names: string[]): unknown {
  let cur = v;
  for (const n of names) cur = callMember(cur, n, []);
  return cur;
}

export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof KV) return v.pairs.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0 || typeof (v as { toString?: unknown }).toString === 'function';
  return true;
}

/** How Go's fmt prints a value with `%v` (as far as templates need it). */
export function printValue(v: unknown): string {
  if (v === null || v === undefined) return '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(printValue).join(' ')}]`;
  if (v instanceof KV) return `map[${v.pairs.map((p) => `${p.Name}:${p.Value}`).join(' ')}]`;
  if (typeof v === 'object' && (v as object).toString !== Object.prototype.toString) return String(v);
  if (typeof v === 'object') return `map[${Object.keys(v).sort().map((k) => `${k}:${printValue((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  return String(v);
}

// ---------------------------------------------------------------- Alertmanager's template data types

export interface Pair {
  Name: string;
  Value: string;
}

/** A sorted list of pairs (`KV.SortedPairs`). */
export class Pairs extends Array<Pair> {
  Names(): string[] {
    return this.map((p) => p.Name);
  }
  Values(): string[] {
    return this.map((p) => p.Value);
  }
}

/** Alertmanager's `template.KV`: a label or annotation map with its methods. */
export class KV {
  readonly pairs: Pair[];
  constructor(readonly map: Record<string, string>) {
    this.pairs = Object.keys(map)
      .sort()
      .map((k) => ({ Name: k, Value: map[k] }));
  }
  get(name: string): string {
    return this.map[name] ?? '';
  }
  /** Sorted by name, except that `alertname` comes first. */
  SortedPairs(): Pairs {
    const ps = Pairs.from(this.pairs) as Pairs;
    Object.setPrototypeOf(ps, Pairs.prototype);
    const i = ps.findIndex((p) => p.Name === 'alertname');
    if (i > 0) ps.unshift(...ps.splice(i, 1));
    return ps;
  }
  Names(): string[] {
    return this.SortedPairs().Names();
  }
  Values(): string[] {
    return this.SortedPairs().Values();
  }
  Remove(keys: string[]): KV {
    const m = { ...this.map };
    for (const k of keys) delete m[k];
    return new KV(m);
  }
  get length(): number {
    return this.pairs.length;
  }
}
