import { SPAN_KIND, STATUS_CODE } from '../../otlp/index.js';
import type { AttrValue, SpanRow, TraceView } from '../model/index.js';
import { compareValues, type ComparisonOp, type SpanCondition } from '../model/index.js';
import { TraceqlParseError, type FieldExpr, type Stage, type TraceqlQuery } from './ast.js';

/** A set of spans of one trace produced by a query, with the attributes `by()` grouped it on. */
export interface Spanset {
  spans: SpanRow[];
  attrs: [string, AttrValue | null][];
  /** Fields asked for with select(). */
  select: FieldExpr[];
}

type Value = AttrValue | undefined | null | AttrValue[];

const COMPARISONS = new Set(['=', '!=', '>', '>=', '<', '<=', '=~', '!~']);

/** Evaluate a field expression on one span. Events and links yield lists (a comparison holds if any element does). */
export function evalField(e: FieldExpr, s: SpanRow, t: TraceView): Value {
  switch (e.type) {
    case 'static':
      return e.value;
    case 'intrinsic':
      switch (e.name) {
        case 'name':
          return s.name;
        case 'status':
          return STATUS_CODE[s.statusCode] ?? 'unset';
        case 'statusMessage':
          return s.statusMessage;
        case 'duration':
          return s.durationNs;
        case 'kind':
          return SPAN_KIND[s.kind] ?? 'unspecified';
        case 'rootName':
          return t.rootName;
        case 'rootServiceName':
          return t.rootServiceName;
        case 'traceDuration':
          return t.durationNs;
        case 'span:id':
          return s.spanId;
        case 'span:parentID':
          return s.parentSpanId;
        case 'trace:id':
          return t.traceId;
        case 'event:name':
          return s.events.map((x) => x.name);
        case 'link:traceID':
          return s.links.map((x) => x.traceId);
        case 'link:spanID':
          return s.links.map((x) => x.spanId);
        case 'instrumentation:name':
          return s.scopeName;
        case 'instrumentation:version':
          return s.scopeVersion;
      }
      return undefined;
    case 'attr':
      switch (e.scope) {
        case 'span':
          return s.attrs.get(e.key);
        case 'resource':
          return s.resourceAttrs.get(e.key);
        case 'any':
          return s.attrs.get(e.key) ?? s.resourceAttrs.get(e.key);
        case 'instrumentation':
          return s.scopeAttrs.get(e.key);
        case 'parent':
          return s.parent ? (s.parent.attrs.get(e.key) ?? s.parent.resourceAttrs.get(e.key)) : undefined;
        case 'event':
          return s.events.map((x) => x.attrs.get(e.key)).filter((v): v is AttrValue => v !== undefined);
        case 'link':
          return s.links.map((x) => x.attrs.get(e.key)).filter((v): v is AttrValue => v !== undefined);
      }
      return undefined;
    case 'not':
      return evalField(e.expr, s, t) !== true;
    case 'neg': {
      const v = evalField(e.expr, s, t);
      return typeof v === 'number' ? -v : undefined;
    }
    case 'binary': {
      if (e.op === '&&') return evalField(e.left, s, t) === true && evalField(e.right, s, t) === true;
      if (e.op === '||') return evalField(e.left, s, t) === true || evalField(e.right, s, t) === true;
      const a = evalField(e.left, s, t);
      const b = evalField(e.right, s, t);
      if (COMPARISONS.has(e.op)) return compare(e.op as ComparisonOp, a, b);
      if (typeof a !== 'number' || typeof b !== 'number') return undefined;
      switch (e.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return b === 0 ? undefined : a / b;
        case '%':
          return b === 0 ? undefined : a % b;
        case '^':
          return a ** b;
      }
      return undefined;
    }
  }
}

function compare(op: ComparisonOp, a: Value, b: Value): boolean {
  if (b === null) return op === '=' ? a === undefined || (Array.isArray(a) && a.length === 0) : op === '!=' ? a !== undefined && !(Array.isArray(a) && a.length === 0) : false;
  if (a === null) return compare(op === '=' || op === '!=' ? op : flip(op), b, a);
  if (b === undefined || Array.isArray(b)) {
    if (a === undefined || Array.isArray(a)) return false;
    return Array.isArray(b) ? b.some((x) => compareValues(flip(op), x, a)) : false;
  }
  if (Array.isArray(a)) return a.some((x) => compareValues(op, x, b));
  return compareValues(op, a, b);
}

function flip(op: ComparisonOp): ComparisonOp {
  return op === '>' ? '<' : op === '<' ? '>' : op === '>=' ? '<=' : op === '<=' ? '>=' : op;
}

const one = (spans: SpanRow[]): Spanset => ({ spans, attrs: [], select: [] });

function uniq(spans: SpanRow[]): SpanRow[] {
  const seen = new Set<SpanRow>();
  const out: SpanRow[] = [];
  for (const s of spans) if (!seen.has(s)) {
    seen.add(s);
    out.push(s);
  }
  return out.sort((a, b) => a.index - b.index);
}

function isAncestor(a: SpanRow, b: SpanRow): boolean {
  for (let p = b.parent; p; p = p.parent) if (p === a) return true;
  return false;
}

/** Spans of `rhs` related to some span of `lhs` by a structural operator (and, for union operators, the lhs side too). */
function structural(op: string, lhs: SpanRow[], rhs: SpanRow[]): SpanRow[] {
  const L = new Set(lhs);
  const base = op.replace(/^[!&]/, '');
  const rel = (r: SpanRow): SpanRow[] => {
    switch (base) {
      case '>':
        return r.parent && L.has(r.parent) ? [r.parent] : [];
      case '>>':
        return lhs.filter((l) => isAncestor(l, r));
      case '<':
        return r.children.filter((c) => L.has(c));
      case '<<':
        return lhs.filter((l) => isAncestor(r, l));
      case '~':
        return r.parent ? r.parent.children.filter((c) => c !== r && L.has(c)) : lhs.filter((l) => l !== r && !l.parent && !r.parent);
    }
    return [];
  };
  if (op.startsWith('!')) return rhs.filter((r) => rel(r).length === 0);
  const out: SpanRow[] = [];
  for (const r of rhs) {
    const m = rel(r);
    if (m.length === 0) continue;
    out.push(r);
    if (op.startsWith('&')) out.push(...m);
  }
  return uniq(out);
}

function aggregate(fn: string, field: FieldExpr | null, ss: Spanset, t: TraceView): number {
  if (fn === 'count') return ss.spans.length;
  const vals: number[] = [];
  for (const s of ss.spans) {
    const v = field ? evalField(field, s, t) : undefined;
    if (typeof v === 'number') vals.push(v);
  }
  if (vals.length === 0) return NaN;
  switch (fn) {
    case 'avg':
      return vals.reduce((a, b) => a + b, 0) / vals.length;
    case 'sum':
      return vals.reduce((a, b) => a + b, 0);
    case 'min':
      return Math.min(...vals);
    case 'max':
      return Math.max(...vals);
  }
  throw new TraceqlParseError(`unsupported aggregate ${fn}()`);
}

export function fieldName(f: FieldExpr): string {
  switch (f.type) {
    case 'intrinsic':
      return f.name;
    case 'attr':
      return f.scope === 'any' ? `.${f.key}` : `${f.scope}.${f.key}`;
    case 'static':
      return String(f.value);
    default:
      return 'expr';
  }
}

/** Run the stages over input spansets of one trace. */
export function evalStages(stages: Stage[], input: Spanset[], t: TraceView): Spanset[] {
  let cur = input;
  for (const st of stages) {
    if (cur.length === 0) return cur;
    switch (st.type) {
      case 'filter':
        cur = st.expr === null ? cur : cur.map((ss) => ({ ...ss, spans: ss.spans.filter((s) => evalField(st.expr!, s, t) === true) })).filter((ss) => ss.spans.length > 0);
        break;
      case 'spansetOp': {
        const L = evalStages(st.left, cur, t);
        const R = evalStages(st.right, cur, t);
        const ls = L.flatMap((x) => x.spans);
        const rs = R.flatMap((x) => x.spans);
        if (st.op === '&&') cur = ls.length > 0 && rs.length > 0 ? [one(uniq([...ls, ...rs]))] : [];
        else if (st.op === '||') cur = [...L, ...R];
        else {
          const out = structural(st.op, ls, rs);
          cur = out.length > 0 ? [one(out)] : [];
        }
        break;
      }
      case 'scalarFilter':
        cur = cur.filter((ss) => {
          const v = aggregate(st.fn, st.field, ss, t);
          if (Number.isNaN(v)) return false;
          ss.attrs.push([`${st.fn}(${st.field ? fieldName(st.field) : ''})`, v]);
          return compareValues(st.op, v, st.value);
        });
        break;
      case 'select':
        cur = cur.map((ss) => ({ ...ss, select: [...ss.select, ...st.fields] }));
        break;
      case 'by': {
        const out: Spanset[] = [];
        for (const ss of cur) {
          const groups = new Map<string, Spanset>();
          for (const s of ss.spans) {
            const vals = st.fields.map((f) => evalField(f, s, t));
            const key = JSON.stringify(vals);
            let g = groups.get(key);
            if (!g) {
              g = { spans: [], attrs: [...ss.attrs, ...st.fields.map((f, i): [string, AttrValue | null] => [`by(${fieldName(f)})`, scalarOf(vals[i])])], select: ss.select };
              groups.set(key, g);
            }
            g.spans.push(s);
          }
          out.push(...groups.values());
        }
        cur = out;
        break;
      }
      case 'coalesce':
        cur = [{ spans: uniq(cur.flatMap((x) => x.spans)), attrs: [], select: cur.flatMap((x) => x.select) }];
        break;
      case 'metrics':
        throw new TraceqlParseError(`metrics functions like ${st.fn}() are only supported by the metrics query API (/api/metrics/query_range)`);
    }
  }
  return cur;
}

function scalarOf(v: Value): AttrValue | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.length ? v[0] : null;
  return v;
}

/** Evaluate a query against one trace: the spansets it matches (empty when the trace does not match). */
export function evalQuery(q: TraceqlQuery, t: TraceView): Spanset[] {
  return evalStages(q.stages, [one(t.spans)], t);
}

// ---------------------------------------------------------------------------------------------------------------
// Pushdown

const PUSHABLE_INTRINSICS = new Set(['name', 'status', 'kind', 'duration']);

/** Span conditions every matching trace must satisfy on at least one span (a relaxation of the query), for the store. */
export function pushdownConditions(stages: Stage[]): SpanCondition[] {
  const first = stages[0];
  if (!first) return [];
  if (first.type === 'filter') return first.expr ? conjuncts(first.expr) : [];
  if (first.type === 'spansetOp' && first.op !== '||') return pushdownConditions(first.right);
  return [];
}

function conjuncts(e: FieldExpr): SpanCondition[] {
  if (e.type !== 'binary') return [];
  if (e.op === '&&') return [...conjuncts(e.left), ...conjuncts(e.right)];
  if (!COMPARISONS.has(e.op) || e.right.type !== 'static' || e.right.value === null) return [];
  const l = e.left;
  let value = e.right.value;
  if (l.type === 'intrinsic' && PUSHABLE_INTRINSICS.has(l.name)) {
    if (l.name === 'status') value = STATUS_CODE.indexOf(String(value) as (typeof STATUS_CODE)[number]);
    else if (l.name === 'kind') value = SPAN_KIND.indexOf(String(value) as (typeof SPAN_KIND)[number]);
    if (value === -1) return [];
    return [{ target: { kind: 'intrinsic', name: l.name as 'name' | 'status' | 'kind' | 'duration' }, op: e.op as ComparisonOp, value }];
  }
  if (l.type === 'attr' && (l.scope === 'span' || l.scope === 'resource' || l.scope === 'any')) {
    return [{ target: { kind: 'attr', scope: l.scope, key: l.key }, op: e.op as ComparisonOp, value }];
  }
  return [];
}

/** Attribute fields a query's filters reference (returned with matched spans, as Tempo does). */
export function referencedAttributes(stages: Stage[]): FieldExpr[] {
  const out = new Map<string, FieldExpr>();
  const walkField = (e: FieldExpr | null) => {
    if (!e) return;
    if (e.type === 'attr') out.set(fieldName(e), e);
    else if (e.type === 'binary') {
      walkField(e.left);
      walkField(e.right);
    } else if (e.type === 'not' || e.type === 'neg') walkField(e.expr);
  };
  const walk = (ss: Stage[]) => {
    for (const st of ss) {
      if (st.type === 'filter') walkField(st.expr);
      else if (st.type === 'spansetOp') {
        walk(st.left);
        walk(st.right);
      } else if (st.type === 'by') st.fields.forEach(walkField);
    }
  };
  walk(stages);
  return [...out.values()];
}
