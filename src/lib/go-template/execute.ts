import { sprintValue, sprintf } from './go-fmt.js';
import { TemplateError, type Arg, type Cmd, type Node, type ParsedTemplate, type Pipe } from './parse.js';

/**
 * Executes a parsed Go text/template. Values: strings, float64 (JS numbers), int (bigint), bool, maps (JS `Map`,
 * `map[string]string` semantics: a missing key is ""), `InterfaceMap` (missing key is `<no value>`), slices
 * (arrays), structs (plain objects with exported field names), methods (function-valued members whose name is
 * exported, i.e. starts with an upper-case letter, called as Go calls a method: `.Alerts.Firing`,
 * `.CommonLabels.Remove .GroupLabels.Names`), `Date`s (Go's `time.Time`) and objects that resolve their own
 * fields (`FIELDS`).
 *
 * One executor serves both callers: it is a generator that yields the promises functions return. `execute`
 * drives it synchronously (a function returning a promise is an error there); `executeAsync` awaits them
 * (Prometheus's `query`).
 */

export type TemplateFunc = (...args: unknown[]) => unknown;

/** A `map[string]interface{}` (Prometheus's `args`): a missing key is Go's zero Value. */
export class InterfaceMap extends Map<string, unknown> {}

/** An object that answers `.Name` itself (LogQL's line context: a label, or "" when absent). */
export const FIELDS = Symbol('go-template fields');
export interface FieldSource {
  [FIELDS](name: string): unknown;
}

const NO_VALUE = Symbol('no value');

class BreakSignal {}
class ContinueSignal {}

export function truth(v: unknown): boolean {
  if (v === undefined || v === null || v === NO_VALUE) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'string':
      return v !== '';
    case 'number':
      return v !== 0;
    case 'bigint':
      return v !== 0n;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

type Kind = 'bool' | 'int' | 'float' | 'string' | 'other';
function kindOf(v: unknown): Kind {
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
  }
  return 'other';
}

function eqBasic(a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'other' || kb === 'other') {
    if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
    throw new Error('invalid type for comparison');
  }
  if (ka !== kb) throw new Error('incompatible types for comparison');
  return a === b;
}

function ltBasic(a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'other' || kb === 'other' || ka === 'bool' || kb === 'bool') throw new Error('invalid type for comparison');
  if (ka !== kb) throw new Error('incompatible types for comparison');
  return (a as number) < (b as number);
}

function htmlEscape(s: string): string {
  return s.replace(/[&'<>"\0]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD' })[c] ?? c);
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === '<') out += '\\u003C';
    else if (ch === '>') out += '\\u003E';
    else if (ch === '&') out += '\\u0026';
    else if (ch === '=') out += '\\u003D';
    else if (c < 0x20) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

function evalArgsString(args: unknown[]): string {
  // fmt.Sprint: spaces between operands when neither is a string.
  let out = '';
  for (let i = 0; i < args.length; i++) {
    if (i > 0 && typeof args[i] !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += sprintValue(args[i]);
  }
  return out;
}

/** Go's builtin template functions. */
export const BUILTIN_FUNCS: Record<string, TemplateFunc> = {
  and: (...a) => {
    for (const v of a) if (!truth(v)) return v;
    return a[a.length - 1];
  },
  or: (...a) => {
    for (const v of a) if (truth(v)) return v;
    return a[a.length - 1];
  },
  not: (v) => !truth(v),
  len: (v) => {
    if (typeof v === 'string') return BigInt(Buffer.byteLength(v, 'utf8'));
    if (Array.isArray(v)) return BigInt(v.length);
    if (v instanceof Map) return BigInt(v.size);
    throw new Error(`len of type ${typeof v}`);
  },
  index: (v, ...keys) => {
    let cur = v;
    for (const k of keys) {
      if (cur instanceof Map) cur = cur.has(k as string) ? cur.get(k as string) : cur instanceof InterfaceMap ? NO_VALUE : '';
      else if (Array.isArray(cur)) {
        const i = Number(k);
        if (i < 0 || i >= cur.length) throw new Error(`error calling index: index out of range: ${i}`);
        cur = cur[i];
      } else if (typeof cur === 'string') {
        cur = BigInt(Buffer.from(cur, 'utf8')[Number(k)] ?? 0);
      } else throw new Error(`error calling index: can't index item of type ${typeof cur}`);
    }
    return cur;
  },
  slice: (v, ...idx) => {
    const n = idx.map(Number);
    if (typeof v === 'string') return v.slice(n[0] ?? 0, n[1]);
    if (Array.isArray(v)) return v.slice(n[0] ?? 0, n[1]);
    throw new Error(`error calling slice: can't slice item of type ${typeof v}`);
  },
  print: (...a) => evalArgsString(a),
  println: (...a) => a.map(sprintValue).join(' ') + '\n',
  printf: (f, ...a) => sprintf(String(f), a),
  html: (...a) => htmlEscape(evalArgsString(a)),
  js: (...a) => jsEscape(evalArgsString(a)),
  urlquery: (...a) => encodeURIComponent(evalArgsString(a)).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  eq: (a, ...bs) => {
    if (bs.length === 0) throw new Error('missing argument for comparison');
    return bs.some((b) => eqBasic(a, b));
  },
  ne: (a, b) => !eqBasic(a, b),
  lt: (a, b) => ltBasic(a, b),
  le: (a, b) => ltBasic(a, b) || eqBasic(a, b),
  gt: (a, b) => !ltBasic(a, b) && !eqBasic(a, b),
  ge: (a, b) => !ltBasic(a, b),
  call: (fn, ...a) => {
    if (typeof fn !== 'function') throw new Error('non-function of type');
    return (fn as TemplateFunc)(...a);
  },
};

const SHORT_CIRCUIT = new Set(['and', 'or']);
const MAX_TEMPLATE_DEPTH = 1000;

interface Scope {
  vars: [string, unknown][];
}

/** What the executor yields: a promise a function returned, to be resolved by the driver. */
type Steps<T> = Generator<Promise<unknown>, T, unknown>;

/** Go's exported-method rule: only names starting with an upper-case letter are callable from a template. */
const isExported = (name: string): boolean => {
  const c = name.charCodeAt(0);
  return c >= 65 && c <= 90;
};

/** Runs a template against `data` with the given functions; returns the output. Any async function is an error. */
export function execute(t: ParsedTemplate, data: unknown, funcs: Record<string, TemplateFunc>, defs: ReadonlyMap<string, Node[]> = t.defs): string {
  const steps = run(t, data, funcs, defs);
  const r = steps.next();
  if (!r.done) throw new TemplateError(`template: ${t.name}: a function returned a promise in a synchronous template`);
  return r.value;
}

/** Runs a template whose functions may be async (Prometheus's `query`). */
export async function executeAsync(t: ParsedTemplate, data: unknown, funcs: Record<string, TemplateFunc>, defs: ReadonlyMap<string, Node[]> = t.defs): Promise<string> {
  const steps = run(t, data, funcs, defs);
  let r = steps.next();
  while (!r.done) {
    let v: unknown;
    try {
      v = await r.value;
    } catch (e) {
      r = steps.throw(e);
      continue;
    }
    r = steps.next(v);
  }
  return r.value;
}

function* run(t: ParsedTemplate, data: unknown, funcs: Record<string, TemplateFunc>, defs: ReadonlyMap<string, Node[]>): Steps<string> {
  let out = '';
  const fail = (cmd: Cmd | null, line: number, msg: string): never => {
    if (!cmd) throw new TemplateError(`template: ${t.name}:${line}: ${msg}`);
    throw new TemplateError(`template: ${t.name}:${cmd.line}:${cmd.col}: executing ${JSON.stringify(t.name)} at <${cmd.src}>: ${msg}`);
  };

  const lookupVar = (s: Scope, name: string): unknown => {
    for (let i = s.vars.length - 1; i >= 0; i--) if (s.vars[i][0] === name) return s.vars[i][1];
    throw new Error(`undefined variable: ${name}`);
  };
  const setVar = (s: Scope, name: string, v: unknown) => {
    for (let i = s.vars.length - 1; i >= 0; i--)
      if (s.vars[i][0] === name) {
        s.vars[i][1] = v;
        return;
      }
  };

  /** `.name` on `v`, as Go resolves it: an exported method first, then a map key, then a struct field. */
  const field = (v: unknown, name: string, args: unknown[] = []): unknown => {
    if (v === undefined || v === null || v === NO_VALUE) throw new Error(`nil pointer evaluating interface {}.${name}`);
    if (typeof v === 'object' || typeof v === 'function') {
      const m = (v as Record<string, unknown>)[name];
      if (typeof m === 'function' && isExported(name)) return (m as TemplateFunc).apply(v, args);
      if (args.length > 0) throw new Error(`${name} has arguments but cannot be invoked as function`);
      if (v instanceof Map) return v.has(name) ? v.get(name) : v instanceof InterfaceMap ? NO_VALUE : '';
      if (FIELDS in v) return (v as FieldSource)[FIELDS](name);
      if (!Array.isArray(v) && !(v instanceof Date) && Object.prototype.hasOwnProperty.call(v, name)) return m;
    }
    throw new Error(`can't evaluate field ${name} in type ${Array.isArray(v) ? '[]interface {}' : typeof v === 'object' ? 'struct' : typeof v}`);
  };
  const fields = (v: unknown, names: string[]): unknown => {
    for (const n of names) v = field(v, n);
    return v;
  };

  function* evalArg(a: Arg, dot: unknown, s: Scope, cmd: Cmd): Steps<unknown> {
    switch (a.k) {
      case 'dot':
        return dot;
      case 'field':
        return fields(dot, a.names);
      case 'var':
        return fields(lookupVar(s, a.name), a.fields);
      case 'str':
      case 'num':
      case 'bool':
        return a.v;
      case 'nil':
        return null;
      case 'ident':
        return yield* callFunc(a.name, [], dot, s, cmd, undefined);
      case 'pipe':
        return fields(yield* evalPipe(a.pipe, dot, s), a.fields);
    }
  }

  function* callFunc(name: string, argNodes: Arg[], dot: unknown, s: Scope, cmd: Cmd, final: unknown | undefined): Steps<unknown> {
    const fn = funcs[name] ?? BUILTIN_FUNCS[name];
    if (!fn) throw new Error(`"${name}" is not a defined function`);
    if (SHORT_CIRCUIT.has(name)) {
      const n = final === undefined ? argNodes.length : argNodes.length + 1;
      let last: unknown = undefined;
      for (let i = 0; i < n; i++) {
        last = i < argNodes.length ? yield* evalArg(argNodes[i], dot, s, cmd) : final;
        if (name === 'and' ? !truth(last) : truth(last)) return last;
      }
      return last;
    }
    const args: unknown[] = [];
    for (const a of argNodes) args.push(yield* evalArg(a, dot, s, cmd));
    if (final !== undefined) args.push(final);
    try {
      const r = fn(...args);
      return r instanceof Promise ? yield r : r;
    } catch (e) {
      throw new Error(`error calling ${name}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** A method at the end of a chain takes the command's other arguments: `.CommonLabels.Remove .GroupLabels.Names`. */
  function* callMethod(base: unknown, names: string[], argNodes: Arg[], dot: unknown, s: Scope, cmd: Cmd, final: unknown | undefined): Steps<unknown> {
    const recv = fields(base, names.slice(0, -1));
    const args: unknown[] = [];
    for (const a of argNodes) args.push(yield* evalArg(a, dot, s, cmd));
    if (final !== undefined) args.push(final);
    return field(recv, names[names.length - 1], args);
  }

  function* evalCmd(cmd: Cmd, dot: unknown, s: Scope, final: unknown | undefined): Steps<unknown> {
    const [first, ...rest] = cmd.args;
    try {
      if (first.k === 'ident') return yield* callFunc(first.name, rest, dot, s, cmd, final);
      if (rest.length > 0 || final !== undefined) {
        if (first.k === 'field' && first.names.length > 0) return yield* callMethod(dot, first.names, rest, dot, s, cmd, final);
        if (first.k === 'var' && first.fields.length > 0) return yield* callMethod(lookupVar(s, first.name), first.fields, rest, dot, s, cmd, final);
        throw new Error(`can't give argument to non-function ${cmd.src.split(' ')[0]}`);
      }
      return yield* evalArg(first, dot, s, cmd);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      return fail(cmd, 0, (e as Error).message);
    }
  }

  function* evalPipe(p: Pipe, dot: unknown, s: Scope): Steps<unknown> {
    let v: unknown = undefined;
    for (let i = 0; i < p.cmds.length; i++) v = yield* evalCmd(p.cmds[i], dot, s, i === 0 ? undefined : v);
    for (const d of p.decl) {
      if (p.assign) setVar(s, d, v);
      else s.vars.push([d, v]);
    }
    return v;
  }

  const print = (v: unknown) => {
    if (v === NO_VALUE || v === undefined || v === null) out += '<no value>';
    else out += sprintValue(v);
  };

  const rangeEntries = (v: unknown, line: number): [unknown, unknown][] => {
    if (Array.isArray(v)) return v.map((e, i) => [BigInt(i), e]);
    if (v instanceof Map) return [...v.keys()].sort().map((k) => [k, v.get(k)]);
    if (typeof v === 'bigint') return Array.from({ length: Number(v) }, (_, i) => [BigInt(i), BigInt(i)]);
    if (v !== undefined && v !== null && v !== NO_VALUE) fail(null, line, `range can't iterate over ${sprintValue(v)}`);
    return [];
  };

  let depth = 0;
  function* walk(list: Node[], dot: unknown, s: Scope): Steps<void> {
    for (const n of list) {
      switch (n.k) {
        case 'text':
          out += n.text;
          break;
        case 'action': {
          const v = yield* evalPipe(n.pipe, dot, s);
          if (n.pipe.decl.length === 0) print(v);
          break;
        }
        case 'if':
        case 'with': {
          const mark = s.vars.length;
          const v = yield* evalPipe(n.pipe, dot, s);
          if (truth(v)) yield* walk(n.list, n.k === 'with' ? v : dot, s);
          else if (n.else) yield* walk(n.else, dot, s);
          s.vars.length = mark;
          break;
        }
        case 'range': {
          const mark = s.vars.length;
          const decl = n.pipe.decl;
          const entries = rangeEntries(yield* evalPipe({ ...n.pipe, decl: [] }, dot, s), n.line);
          if (entries.length === 0) {
            if (n.else) yield* walk(n.else, dot, s);
            break;
          }
          for (const [k, e] of entries) {
            s.vars.length = mark;
            if (decl.length === 1) s.vars.push([decl[0], e]);
            else if (decl.length === 2) s.vars.push([decl[0], k], [decl[1], e]);
            try {
              yield* walk(n.list, e, s);
            } catch (x) {
              if (x instanceof BreakSignal) break;
              if (x instanceof ContinueSignal) continue;
              throw x;
            }
          }
          s.vars.length = mark;
          break;
        }
        case 'break':
          throw new BreakSignal();
        case 'continue':
          throw new ContinueSignal();
        case 'template': {
          const body = defs.get(n.name);
          if (!body) fail(null, n.line, `no such template ${JSON.stringify(n.name)}`);
          // Go stops nested template invocations at 100,000 (maxExecDepth); the JavaScript stack is smaller, so
          // the limit here is 1,000 — it also stops a template that calls itself forever.
          if (++depth > MAX_TEMPLATE_DEPTH) fail(null, n.line, `exceeded maximum template depth (${MAX_TEMPLATE_DEPTH})`);
          const d = n.pipe ? yield* evalPipe(n.pipe, dot, s) : null;
          yield* walk(body!, d, { vars: [['$', d]] });
          depth--;
          break;
        }
      }
    }
  }

  yield* walk(t.root, data, { vars: [['$', data]] });
  return out;
}
