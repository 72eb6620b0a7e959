import type { DurationExpr, Expr } from './ast.js';
import { parseExpr } from './parser.js';

/** Prometheus's `format_query`: the expression re-printed in canonical form (one line). */
export function formatQuery(query: string): string {
  return formatExpr(parseExpr(query));
}

export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  let neg = '';
  if (ms < 0) {
    neg = '-';
    ms = -ms;
  }
  const units: [string, number][] = [
    ['y', 365 * 86400_000],
    ['w', 7 * 86400_000],
    ['d', 86400_000],
    ['h', 3600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  let out = '';
  for (const [u, n] of units) {
    if (ms >= n) {
      out += `${Math.floor(ms / n)}${u}`;
      ms %= n;
    }
  }
  return neg + out;
}

function dur(d: DurationExpr): string {
  switch (d.kind) {
    case 'num':
      return formatDurationMs(d.ms);
    case 'step':
      return 'step()';
    case 'range':
      return 'range()';
    case 'paren':
      return `(${dur(d.expr)})`;
    case 'unary':
      return `${d.op}${dur(d.expr)}`;
    case 'minmax':
      return `${d.op}(${dur(d.lhs)}, ${dur(d.rhs)})`;
    case 'binary':
      return `${dur(d.lhs)} ${d.op} ${dur(d.rhs)}`;
  }
}

function fmtNumber(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return 'Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function modifiers(offset: DurationExpr | null, at: number | null, atMod: 'start' | 'end' | null): string {
  let s = '';
  if (at !== null) s += ` @ ${(at / 1000).toFixed(3)}`;
  else if (atMod) s += ` @ ${atMod}()`;
  if (offset) {
    const d = dur(offset);
    s += ` offset ${d}`;
  }
  return s;
}

export function formatExpr(e: Expr): string {
  switch (e.kind) {
    case 'number':
      return fmtNumber(e.val);
    case 'string':
      return JSON.stringify(e.val);
    case 'paren':
      return `(${formatExpr(e.expr)})`;
    case 'unary':
      return `${e.op}${formatExpr(e.expr)}`;
    case 'vector': {
      const ms = e.matchers.filter((m) => !(m.name === '__name__' && m.type === '=' && m.value === e.name && e.name !== ''));
      const name = e.matchers.some((m) => m.name === '__name__' && m.type === '=' && m.value === e.name) ? e.name : '';
      const inner = ms.map((m) => `${m.name}${m.type}${JSON.stringify(m.value)}`).join(', ');
      const sel = name && ms.length === 0 ? name : `${name}{${inner}}`;
      return sel + modifiers(e.offset, e.at, e.atMod);
    }
    case 'matrix': {
      const vs = formatExpr({ ...e.vs, offset: null, at: null, atMod: null });
      return `${vs}[${dur(e.range)}]${modifiers(e.vs.offset, e.vs.at, e.vs.atMod)}`;
    }
    case 'subquery':
      return `${formatExpr(e.expr)}[${dur(e.range)}:${e.step ? dur(e.step) : ''}]${modifiers(e.offset, e.at, e.atMod)}`;
    case 'call':
      return `${e.name}(${e.args.map(formatExpr).join(', ')})`;
    case 'aggregate': {
      let s = e.op;
      if (e.hasGrouping) s += ` ${e.without ? 'without' : 'by'} (${e.grouping.join(', ')})`;
      s += ' (';
      if (e.param) s += `${formatExpr(e.param)}, `;
      return s + `${formatExpr(e.expr)})`;
    }
    case 'binary': {
      let mod = '';
      if (e.bool) mod += ' bool';
      const m = e.matching;
      if (m && m.explicit && (m.on || m.labels.length > 0)) {
        mod += ` ${m.on ? 'on' : 'ignoring'} (${m.labels.join(', ')})`;
        if (m.card === 'many-to-one' || m.card === 'one-to-many') {
          mod += ` ${m.card === 'many-to-one' ? 'group_left' : 'group_right'}`;
          if (m.include.length) mod += ` (${m.include.join(', ')})`;
        }
      } else if (m && (m.card === 'many-to-one' || m.card === 'one-to-many')) {
        mod += ` ${m.card === 'many-to-one' ? 'group_left' : 'group_right'}`;
        if (m.include.length) mod += ` (${m.include.join(', ')})`;
      }
      return `${formatExpr(e.lhs)} ${e.op}${mod} ${formatExpr(e.rhs)}`;
    }
  }
}
