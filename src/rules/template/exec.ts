import { sprintValue, sprintf } from './go-fmt.js';
import { TemplateError, type Arg, type Cmd, type Node, type ParsedTemplate, type Pipe } from './parse.js';

/**
 * Executes a parsed Go text/template. Values: strings, float64 (JS numbers), int (bigint), bool, maps (JS `Map`,
 * `map[string]string` semantics: a missing key is ""), `InterfaceMap` (missing key is `<no value>`), slices
 * (arrays) and structs (plain objects with exported field names). Functions may be async (`query`).
 */

export type TemplateFunc = (...args: unknown[]) => unknown;

/** A `map[string]interface{}` (Prometheus's `args`): a missing key is Go's zero Value. */
export class InterfaceMap extends Map<string, unknown> {}

const NO_VALUE = Symbol('no value');

class BreakSignal {}
class ContinueSignal {}

function truth(v: unknown): boolean {
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

interface Scope {
  vars: [string, unknown][];
}

/** Runs a template against `data` with the given functions; returns the output. */
export async function executeTemplate(t: ParsedTemplate, data: unknown, funcs: Record<string, TemplateFunc>): Promise<string> {
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

  const field = (v: unknown, name: string): unknown => {
    if (v instanceof Map) return v.has(name) ? v.get(name) : v instanceof InterfaceMap ? NO_VALUE : '';
    if (v === undefined || v === null || v === NO_VALUE) throw new Error(`nil pointer evaluating interface {}.${name}`);
    if (typeof v === 'object' && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, name)) return (v as Record<string, unknown>)[name];
    throw new Error(`can't evaluate field ${name} in type ${Array.isArray(v) ? '[]interface {}' : typeof v === 'object' ? 'struct' : typeof v}`);
  };

  const evalArg = async (a: Arg, dot: unknown, s: Scope, cmd: Cmd): Promise<unknown> => {
    switch (a.k) {
      case 'dot':
        return dot;
      case 'field': {
        let v = dot;
        for (const n of a.names) v = field(v, n);
        return v;
      }
      case 'var': {
        let v = lookupVar(s, a.name);
        for (const n of a.fields) v = field(v, n);
        return v;
      }
      case 'str':
      case 'num':
      case 'bool':
        return a.v;
      case 'nil':
        return null;
      case 'ident':
        return callFunc(a.name, [], dot, s, cmd, undefined);
      case 'pipe': {
        let v = await evalPipe(a.pipe, dot, s);
        for (const n of a.fields) v = field(v, n);
        return v;
      }
    }
  };

  const callFunc = async (name: string, argNodes: Arg[], dot: unknown, s: Scope, cmd: Cmd, final: unknown | undefined): Promise<unknown> => {
    const fn = funcs[name] ?? BUILTIN_FUNCS[name];
    if (!fn) throw new Error(`"${name}" is not a defined function`);
    if (SHORT_CIRCUIT.has(name)) {
      const all = final === undefined ? argNodes : [...argNodes, null];
      let last: unknown = undefined;
      for (let i = 0; i < all.length; i++) {
        last = i < argNodes.length ? await evalArg(argNodes[i], dot, s, cmd) : final;
        if (name === 'and' ? !truth(last) : truth(last)) return last;
      }
      return last;
    }
    const args: unknown[] = [];
    for (const a of argNodes) args.push(await evalArg(a, dot, s, cmd));
    if (final !== undefined) args.push(final);
    try {
      return await fn(...args);
    } catch (e) {
      throw new Error(`error calling ${name}: ${(e as Error).message}`, { cause: e });
    }
  };

  const evalCmd = async (cmd: Cmd, dot: unknown, s: Scope, final: unknown | undefined): Promise<unknown> => {
    const [first, ...rest] = cmd.args;
    try {
      if (first.k === 'ident') return await callFunc(first.name, rest, dot, s, cmd, final);
      if (rest.length > 0 || final !== undefined) {
        if (first.k === 'field' || first.k === 'var') throw new Error(`can't give argument to non-function ${cmd.src.split(' ')[0]}`);
        throw new Error(`can't give argument to non-function ${cmd.src.split(' ')[0]}`);
      }
      return await evalArg(first, dot, s, cmd);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      return fail(cmd, 0, (e as Error).message);
    }
  };

  const evalPipe = async (p: Pipe, dot: unknown, s: Scope): Promise<unknown> => {
    let v: unknown = undefined;
    for (let i = 0; i < p.cmds.length; i++) v = await evalCmd(p.cmds[i], dot, s, i === 0 ? undefined : v);
    for (const d of p.decl) {
      if (p.assign) setVar(s, d, v);
      else s.vars.push([d, v]);
    }
    return v;
  };

  const print = (v: unknown) => {
    if (v === NO_VALUE) out += '<no value>';
    else if (v === undefined || v === null) out += '<no value>';
    else out += sprintValue(v);
  };

  const walk = async (list: Node[], dot: unknown, s: Scope): Promise<void> => {
    for (const n of list) {
      switch (n.k) {
        case 'text':
          out += n.text;
          break;
        case 'action': {
          const v = await evalPipe(n.pipe, dot, s);
          if (n.pipe.decl.length === 0) print(v);
          break;
        }
        case 'if':
        case 'with': {
          const mark = s.vars.length;
          const v = await evalPipe(n.pipe, dot, s);
          if (truth(v)) await walk(n.list, n.k === 'with' ? v : dot, s);
          else if (n.else) await walk(n.else, dot, s);
          s.vars.length = mark;
          break;
        }
        case 'range': {
          const mark = s.vars.length;
          const decl = n.pipe.decl;
          const v = await evalPipe({ ...n.pipe, decl: [] }, dot, s);
          let entries: [unknown, unknown][] = [];
          if (Array.isArray(v)) entries = v.map((e, i) => [BigInt(i), e]);
          else if (v instanceof Map) entries = [...v.keys()].sort().map((k) => [k, v.get(k)]);
          else if (typeof v === 'bigint') entries = Array.from({ length: Number(v) }, (_, i) => [BigInt(i), BigInt(i)]);
          else if (v !== undefined && v !== null && v !== NO_VALUE) fail(null, n.line, `range can't iterate over ${sprintValue(v)}`);
          if (entries.length === 0) {
            if (n.else) await walk(n.else, dot, s);
            break;
          }
          for (const [k, e] of entries) {
            s.vars.length = mark;
            if (decl.length === 1) s.vars.push([decl[0], e]);
            else if (decl.length === 2) s.vars.push([decl[0], k], [decl[1], e]);
            try {
              await walk(n.list, e, s);
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
          const body = t.defs.get(n.name);
          if (!body) fail(null, n.line, `no such template ${JSON.stringify(n.name)}`);
          const d = n.pipe ? await evalPipe(n.pipe, dot, s) : null;
          await walk(body!, d, { vars: [['$', d]] });
          break;
        }
      }
    }
  };

  await walk(t.root, data, { vars: [['$', data]] });
  return out;
}
