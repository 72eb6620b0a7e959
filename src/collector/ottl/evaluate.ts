import { anyValueToJs, bytesToHex, int64ToNumber, type AnyValue, type KeyValue } from '../../otlp/index.js';
import { compileAnchored, compileUnanchored, replaceAll, type Regex } from '../../lib/regex/index.js';
import { deleteAttr, getAttr, setAttr, toAnyValue, touch } from '../pipeline/otlp-data.js';
import type { CallExpr, Condition, PathExpr, Statement, Value } from './ast.js';
import { OttlSyntaxError, parseCondition, parseStatement } from './parser.js';

/** The telemetry an OTTL expression is evaluated against, by context. */
export type OttlContextName = 'resource' | 'scope' | 'span' | 'spanevent' | 'metric' | 'datapoint' | 'log';

export interface OttlTarget {
  context: OttlContextName;
  /** The item itself (span, log record, data point, metric, resource, scope). */
  item: Record<string, unknown>;
  resource?: { attributes?: KeyValue[]; raw?: Uint8Array };
  scope?: { name?: string; version?: string; attributes?: KeyValue[]; raw?: Uint8Array };
  metric?: Record<string, unknown>;
  /** The span a span event belongs to (marked changed with it). */
  span?: { raw?: Uint8Array };
}

/** A map reference (`attributes`, `resource.attributes`): read and changed in place. */
interface MapRef {
  map: true;
  holder: { attributes?: KeyValue[]; raw?: Uint8Array };
  owner?: { raw?: Uint8Array };
}

type Js = string | number | boolean | null | undefined | Uint8Array | MapRef | Js[];

/** A runtime failure (wrong argument type, unknown path): handled by `error_mode`. */
export class OttlRuntimeError extends Error {
  override name = 'OttlRuntimeError';
}

const isMap = (v: Js): v is MapRef => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && (v as MapRef).map === true;

function anyToJs(v: AnyValue | null | undefined): Js {
  if (!v) return null;
  if (v.value === 'intValue') return int64ToNumber(v.intValue);
  if (v.value === 'bytesValue') return v.bytesValue ?? null;
  if (v.value === 'arrayValue') return (v.arrayValue?.values ?? []).map(anyToJs);
  return anyValueToJs(v) ?? null;
}

function jsToAny(v: Js): AnyValue | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return toAnyValue(v);
  if (v instanceof Uint8Array) return { bytesValue: v, value: 'bytesValue' };
  if (Array.isArray(v)) return { arrayValue: { values: v.map((x) => jsToAny(x) ?? toAnyValue('')) }, value: 'arrayValue' };
  return { kvlistValue: { values: (v.holder.attributes ?? []).map((kv) => ({ key: kv.key, value: kv.value })) }, value: 'kvlistValue' };
}

const DATA_TYPE: Record<string, number> = { gauge: 1, sum: 2, histogram: 3, exponentialHistogram: 4, summary: 5 };

/** Resolve a path to a getter/setter in a context (the context prefix — `span.`, `log.` — is optional). */
function resolve(t: OttlTarget, p: PathExpr): { get(): Js; set?(v: Js): void } {
  let parts = p.parts;
  const ctxPrefix: Record<OttlContextName, string> = { span: 'span', log: 'log', datapoint: 'datapoint', metric: 'metric', resource: 'resource', scope: 'scope', spanevent: 'spanevent' };
  if (parts[0] === ctxPrefix[t.context] && parts.length > 1 && !(t.context === 'resource' && parts[1] !== 'attributes' && parts[1] !== 'dropped_attributes_count')) parts = parts.slice(1);
  const key = p.keys[0];
  const attrsOf = (holder: { attributes?: KeyValue[]; raw?: Uint8Array } | undefined, owner?: { raw?: Uint8Array }) => {
    if (!holder) throw new OttlRuntimeError(`path ${p.parts.join('.')} is not available in the ${t.context} context`);
    if (key === undefined) return { get: (): Js => ({ map: true, holder, owner }) };
    const k = String(key);
    return {
      get: (): Js => anyToJs(getAttr(holder.attributes, k)?.value),
      set: (v: Js) => {
        const a = jsToAny(v);
        if (!a) return;
        if (owner) touch(owner);
        setAttr(holder, k, a);
      },
    };
  };
  const head = parts.join('.');
  const item = t.item;
  const field = (name: string, changed?: () => void) => ({
    get: (): Js => {
      const v = item[name];
      return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) ? int64ToNumber(v as never) : (v as Js);
    },
    set: (v: Js) => {
      item[name] = v;
      touch(item as { raw?: Uint8Array });
      changed?.();
    },
  });
  if (head === 'resource.attributes' || (t.context === 'resource' && head === 'attributes')) return attrsOf(t.resource);
  if (head === 'instrumentation_scope.attributes' || (t.context === 'scope' && head === 'attributes')) return attrsOf(t.scope ?? undefined);
  if (head === 'instrumentation_scope.name' || (t.context === 'scope' && head === 'name')) return { get: () => t.scope?.name ?? '' };
  if (head === 'instrumentation_scope.version' || (t.context === 'scope' && head === 'version')) return { get: () => t.scope?.version ?? '' };
  if (head === 'attributes') return attrsOf(item as { attributes?: KeyValue[] }, t.span);
  if (t.context === 'span' || t.context === 'spanevent') {
    switch (head) {
      case 'name':
        return field('name', () => t.span && touch(t.span));
      case 'kind':
        return field('kind');
      case 'trace_state':
        return field('traceState');
      case 'status.code':
        return {
          get: () => ((item.status as { code?: number } | null)?.code ?? 0),
          set: (v) => {
            item.status = { ...((item.status as object) ?? {}), code: Number(v) };
            touch(item as { raw?: Uint8Array });
          },
        };
      case 'status.message':
        return {
          get: () => ((item.status as { message?: string } | null)?.message ?? ''),
          set: (v) => {
            item.status = { ...((item.status as object) ?? {}), message: String(v) };
            touch(item as { raw?: Uint8Array });
          },
        };
      case 'trace_id.string':
        return { get: () => bytesToHex(item.traceId as Uint8Array) };
      case 'span_id.string':
        return { get: () => bytesToHex(item.spanId as Uint8Array) };
      case 'parent_span_id.string':
        return { get: () => bytesToHex(item.parentSpanId as Uint8Array) };
      case 'start_time_unix_nano':
        return field('startTimeUnixNano');
      case 'end_time_unix_nano':
        return field('endTimeUnixNano');
      case 'time_unix_nano':
        return field('timeUnixNano');
    }
  }
  if (t.context === 'log') {
    switch (head) {
      case 'body':
        return {
          get: () => anyToJs(item.body as AnyValue),
          set: (v) => {
            item.body = jsToAny(v) ?? null;
          },
        };
      case 'body.string':
        return { get: () => String(anyValueToJs(item.body as AnyValue) ?? '') };
      case 'severity_number':
        return field('severityNumber');
      case 'severity_text':
        return field('severityText');
      case 'time_unix_nano':
        return field('timeUnixNano');
      case 'observed_time_unix_nano':
        return field('observedTimeUnixNano');
      case 'trace_id.string':
        return { get: () => bytesToHex(item.traceId as Uint8Array) };
      case 'span_id.string':
        return { get: () => bytesToHex(item.spanId as Uint8Array) };
      case 'flags':
        return field('flags');
      case 'event_name':
        return field('eventName');
    }
  }
  const metric = t.context === 'metric' ? item : t.metric;
  if (metric && (t.context === 'metric' || head.startsWith('metric.'))) {
    const f = t.context === 'metric' ? head : head.slice('metric.'.length);
    if (f === 'name' || f === 'description' || f === 'unit') return { get: () => (metric[f] as string) ?? '', set: (v) => void (metric[f] = String(v)) };
    if (f === 'type') return { get: () => DATA_TYPE[metric.data as string] ?? 0 };
  }
  if (t.context === 'datapoint') {
    switch (head) {
      case 'value_double':
        return { get: () => (item.value === 'asDouble' ? (item.asDouble as number) : null), set: (v) => Object.assign(item, { asDouble: Number(v), asInt: undefined, value: 'asDouble' }) };
      case 'value_int':
        return { get: () => (item.value === 'asInt' ? int64ToNumber(item.asInt as never) : null), set: (v) => Object.assign(item, { asInt: Math.trunc(Number(v)), asDouble: undefined, value: 'asInt' }) };
      case 'time_unix_nano':
        return field('timeUnixNano');
      case 'start_time_unix_nano':
        return field('startTimeUnixNano');
      case 'count':
        return field('count');
      case 'sum':
        return field('sum');
    }
  }
  throw new OttlRuntimeError(`unknown path ${p.parts.join('.')} in the ${t.context} context`);
}

function str(v: Js, what: string): string {
  if (typeof v !== 'string') throw new OttlRuntimeError(`${what}: expected a string, got ${v === null ? 'nil' : typeof v}`);
  return v;
}

function mapArg(v: Js, what: string): MapRef {
  if (!isMap(v)) throw new OttlRuntimeError(`${what}: expected a map (e.g. attributes)`);
  return v;
}

const regexCache = new Map<string, Regex>();
/** User patterns compile with RE2 semantics (linear time), cached per pattern. */
function regex(pattern: string): Regex {
  let re = regexCache.get(pattern);
  if (!re) {
    re = compileUnanchored(pattern);
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

function convert(name: string, args: Js[]): Js {
  const a = args;
  switch (name) {
    case 'IsMatch': {
      if (a[0] === null || a[0] === undefined) return false;
      const s = typeof a[0] === 'string' ? a[0] : String(a[0]);
      return regex(str(a[1], 'IsMatch pattern')).test(s);
    }
    case 'Concat': {
      if (!Array.isArray(a[0])) throw new OttlRuntimeError('Concat: expected a list');
      return a[0].map((x) => (x === null || x === undefined ? '' : String(x))).join(str(a[1], 'Concat delimiter'));
    }
    case 'Int': {
      const n = typeof a[0] === 'boolean' ? Number(a[0]) : Number(a[0]);
      return a[0] === null || a[0] === '' || !Number.isFinite(n) ? null : Math.trunc(n);
    }
    case 'Double': {
      const n = Number(a[0]);
      return a[0] === null || a[0] === '' || !Number.isFinite(n) ? null : n;
    }
    case 'String':
      return a[0] === null || a[0] === undefined ? null : a[0] instanceof Uint8Array ? bytesToHex(a[0]) : isMap(a[0]) ? JSON.stringify(Object.fromEntries((a[0].holder.attributes ?? []).map((kv) => [kv.key, anyToJs(kv.value)]))) : String(a[0]);
    case 'Len':
      return typeof a[0] === 'string' || Array.isArray(a[0]) ? a[0].length : isMap(a[0]) ? (a[0].holder.attributes?.length ?? 0) : 0;
    case 'IsString':
      return typeof a[0] === 'string';
    case 'IsBool':
      return typeof a[0] === 'boolean';
    case 'IsInt':
      return typeof a[0] === 'number' && Number.isInteger(a[0]);
    case 'IsDouble':
      return typeof a[0] === 'number' && !Number.isInteger(a[0]);
    case 'IsMap':
      return isMap(a[0]);
    case 'ToLowerCase':
      return str(a[0], 'ToLowerCase').toLowerCase();
    case 'ToUpperCase':
      return str(a[0], 'ToUpperCase').toUpperCase();
    case 'Substring': {
      const s = str(a[0], 'Substring');
      const start = Number(a[1]);
      const len = Number(a[2]);
      if (start < 0 || len < 0 || start + len > s.length) throw new OttlRuntimeError(`Substring: invalid range start=${start} length=${len} for a string of length ${s.length}`);
      return s.slice(start, start + len);
    }
    case 'Split':
      return str(a[0], 'Split').split(str(a[1], 'Split delimiter'));
    default:
      throw new OttlRuntimeError(`unknown converter ${name}`);
  }
}

const CONVERTERS = new Set(['IsMatch', 'Concat', 'Int', 'Double', 'String', 'Len', 'IsString', 'IsBool', 'IsInt', 'IsDouble', 'IsMap', 'ToLowerCase', 'ToUpperCase', 'Substring', 'Split']);
const EDITORS = new Set(['set', 'delete_key', 'delete_matching_keys', 'keep_keys', 'keep_matching_keys', 'limit', 'truncate_all', 'replace_pattern', 'replace_all_patterns', 'replace_match', 'replace_all_matches']);

function evalValue(t: OttlTarget, v: Value): Js {
  switch (v.kind) {
    case 'literal':
      return v.value;
    case 'enum':
      return v.value;
    case 'list':
      return v.items.map((x) => evalValue(t, x));
    case 'path': {
      const r = resolve(t, v).get();
      return v.keys.length > 1 ? indexInto(r, v.keys.slice(1)) : r;
    }
    case 'call': {
      const r = convert(v.name, v.args.map((x) => evalValue(t, x)));
      return v.keys.length > 0 ? indexInto(r, v.keys) : r;
    }
    case 'math': {
      const l = evalValue(t, v.left);
      const r = evalValue(t, v.right);
      if (typeof l !== 'number' || typeof r !== 'number') {
        if (v.op === '+' && typeof l === 'string' && typeof r === 'string') return l + r;
        throw new OttlRuntimeError(`arithmetic on non-numbers`);
      }
      return v.op === '+' ? l + r : v.op === '-' ? l - r : v.op === '*' ? l * r : r === 0 ? null : l / r;
    }
  }
}

function indexInto(v: Js, keys: (string | number)[]): Js {
  let cur = v;
  for (const k of keys) {
    if (Array.isArray(cur) && typeof k === 'number') cur = cur[k];
    else if (isMap(cur)) cur = anyToJs(getAttr(cur.holder.attributes, String(k))?.value);
    else return null;
  }
  return cur;
}

function compare(op: string, l: Js, r: Js): boolean {
  if (op === '==' || op === '!=') {
    let eq: boolean;
    if ((l === null || l === undefined) && (r === null || r === undefined)) eq = true;
    else if (l instanceof Uint8Array || r instanceof Uint8Array) eq = l instanceof Uint8Array && r instanceof Uint8Array && Buffer.from(l).equals(Buffer.from(r));
    else eq = l === r;
    return op === '==' ? eq : !eq;
  }
  if (typeof l === 'number' && typeof r === 'number') return op === '<' ? l < r : op === '<=' ? l <= r : op === '>' ? l > r : l >= r;
  if (typeof l === 'string' && typeof r === 'string') return op === '<' ? l < r : op === '<=' ? l <= r : op === '>' ? l > r : l >= r;
  return false;
}

export function evalCondition(t: OttlTarget, c: Condition): boolean {
  switch (c.kind) {
    case 'or':
      return evalCondition(t, c.left) || evalCondition(t, c.right);
    case 'and':
      return evalCondition(t, c.left) && evalCondition(t, c.right);
    case 'not':
      return !evalCondition(t, c.operand);
    case 'compare':
      return compare(c.op, evalValue(t, c.left), evalValue(t, c.right));
    case 'value': {
      const v = evalValue(t, c.value);
      if (typeof v !== 'boolean') throw new OttlRuntimeError('a condition must be a comparison or a boolean function such as IsMatch');
      return v;
    }
  }
}

function setTarget(t: OttlTarget, target: Value, v: Js): void {
  if (target.kind !== 'path') throw new OttlRuntimeError('the first argument must be a path');
  const r = resolve(t, target);
  if (!r.set) throw new OttlRuntimeError(`path ${target.parts.join('.')} cannot be set`);
  if (v === null || v === undefined) return;
  r.set(v);
}

function runEditor(t: OttlTarget, e: CallExpr): void {
  const arg = (i: number) => evalValue(t, e.args[i]);
  const touchMap = (m: MapRef) => {
    touch(m.holder);
    if (m.owner) touch(m.owner);
  };
  switch (e.name) {
    case 'set':
      return setTarget(t, e.args[0], arg(1));
    case 'delete_key': {
      const m = mapArg(arg(0), 'delete_key');
      if (deleteAttr(m.holder, str(arg(1), 'delete_key key'))) touchMap(m);
      return;
    }
    case 'delete_matching_keys':
    case 'keep_matching_keys': {
      const m = mapArg(arg(0), e.name);
      const re = regex(str(arg(1), `${e.name} pattern`));
      const keep = e.name === 'keep_matching_keys';
      const before = m.holder.attributes?.length ?? 0;
      m.holder.attributes = (m.holder.attributes ?? []).filter((kv) => re.test(kv.key) === keep);
      if (m.holder.attributes.length !== before) touchMap(m);
      return;
    }
    case 'keep_keys': {
      const m = mapArg(arg(0), 'keep_keys');
      const keys = arg(1);
      if (!Array.isArray(keys)) throw new OttlRuntimeError('keep_keys: expected a list of keys');
      const set = new Set(keys.map(String));
      const before = m.holder.attributes?.length ?? 0;
      m.holder.attributes = (m.holder.attributes ?? []).filter((kv) => set.has(kv.key));
      if (m.holder.attributes.length !== before) touchMap(m);
      return;
    }
    case 'limit': {
      const m = mapArg(arg(0), 'limit');
      const n = Number(arg(1));
      const priority = e.args[2] ? (arg(2) as Js[]).map(String) : [];
      const attrs = m.holder.attributes ?? [];
      if (attrs.length <= n) return;
      const kept = [...attrs.filter((kv) => priority.includes(kv.key)), ...attrs.filter((kv) => !priority.includes(kv.key))].slice(0, n);
      m.holder.attributes = attrs.filter((kv) => kept.includes(kv));
      touchMap(m);
      return;
    }
    case 'truncate_all': {
      const m = mapArg(arg(0), 'truncate_all');
      const n = Number(arg(1));
      if (n < 0) throw new OttlRuntimeError('truncate_all: limit cannot be negative');
      for (const kv of m.holder.attributes ?? [])
        if (kv.value?.value === 'stringValue' && (kv.value.stringValue ?? '').length > n) {
          kv.value = toAnyValue((kv.value.stringValue ?? '').slice(0, n));
          touchMap(m);
        }
      return;
    }
    case 'replace_pattern': {
      const cur = arg(0);
      if (typeof cur !== 'string') return;
      const next = replaceAll(regex(str(arg(1), 'replace_pattern pattern')), cur, str(arg(2), 'replace_pattern replacement'));
      if (next !== cur) setTarget(t, e.args[0], next);
      return;
    }
    case 'replace_match': {
      const cur = arg(0);
      if (typeof cur !== 'string') return;
      if (globToRegex(str(arg(1), 'replace_match pattern')).test(cur)) setTarget(t, e.args[0], str(arg(2), 'replace_match replacement'));
      return;
    }
    case 'replace_all_patterns': {
      const m = mapArg(arg(0), 'replace_all_patterns');
      const mode = str(arg(1), 'replace_all_patterns mode');
      const re = regex(str(arg(2), 'replace_all_patterns pattern'));
      const rep = str(arg(3), 'replace_all_patterns replacement');
      for (const kv of m.holder.attributes ?? []) {
        if (mode === 'key') {
          const k = replaceAll(re, kv.key, rep);
          if (k !== kv.key) {
            kv.key = k;
            touchMap(m);
          }
        } else if (kv.value?.value === 'stringValue') {
          const v = replaceAll(re, kv.value.stringValue ?? '', rep);
          if (v !== kv.value.stringValue) {
            kv.value = toAnyValue(v);
            touchMap(m);
          }
        }
      }
      return;
    }
    case 'replace_all_matches': {
      const m = mapArg(arg(0), 'replace_all_matches');
      const g = globToRegex(str(arg(1), 'replace_all_matches pattern'));
      const rep = str(arg(2), 'replace_all_matches replacement');
      for (const kv of m.holder.attributes ?? [])
        if (kv.value?.value === 'stringValue' && g.test(kv.value.stringValue ?? '')) {
          kv.value = toAnyValue(rep);
          touchMap(m);
        }
      return;
    }
    default:
      throw new OttlRuntimeError(`unknown editor ${e.name}`);
  }
}

function globToRegex(glob: string): Regex {
  return compileAnchored(glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.'));
}

/** Check names of functions at parse time, as the Collector does at start. */
function checkFunctions(v: Value | Condition | undefined, src: string, kind: 'statement' | 'condition'): void {
  if (!v) return;
  const fail = (pos: number, why: string): never => {
    throw new Error(new OttlSyntaxError(src, pos, why).describe(kind));
  };
  const walk = (x: Value | Condition): void => {
    switch (x.kind) {
      case 'call':
        if (!CONVERTERS.has(x.name)) fail(x.pos, EDITORS.has(x.name) ? `editor ${x.name} cannot be used as a value` : `undefined function ${JSON.stringify(x.name)}`);
        x.args.forEach(walk);
        return;
      case 'list':
        x.items.forEach(walk);
        return;
      case 'math':
        walk(x.left);
        walk(x.right);
        return;
      case 'or':
      case 'and':
        walk(x.left);
        walk(x.right);
        return;
      case 'not':
        walk(x.operand);
        return;
      case 'compare':
        walk(x.left);
        walk(x.right);
        return;
      case 'value':
        walk(x.value);
        return;
      default:
        return;
    }
  };
  walk(v);
}

/** A compiled condition; throws an Error with the Collector's wording and the position when it does not parse. */
export function compileCondition(src: string): Condition {
  let c: Condition;
  try {
    c = parseCondition(src);
  } catch (e) {
    if (e instanceof OttlSyntaxError) throw new Error(e.describe('condition'), { cause: e });
    throw e;
  }
  checkFunctions(c, src, 'condition');
  return c;
}

export function compileStatement(src: string): Statement {
  let s: Statement;
  try {
    s = parseStatement(src);
  } catch (e) {
    if (e instanceof OttlSyntaxError) throw new Error(e.describe('statement'), { cause: e });
    throw e;
  }
  if (!EDITORS.has(s.editor.name)) throw new Error(new OttlSyntaxError(src, s.editor.pos, `undefined function ${JSON.stringify(s.editor.name)}`).describe('statement'));
  s.editor.args.forEach((a) => checkFunctions(a, src, 'statement'));
  checkFunctions(s.where, src, 'statement');
  return s;
}

export function runStatement(t: OttlTarget, s: Statement): void {
  if (s.where && !evalCondition(t, s.where)) return;
  runEditor(t, s.editor);
}
