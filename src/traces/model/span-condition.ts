import { compileAnchored, type Regex } from '../../lib/regex/index.js';
import type { AttrValue } from './span-row.js';

/**
 * A condition on one span that a store can evaluate on its own columns before materialising a trace (TraceQL
 * filters pushed down). A trace is a candidate when one of its spans satisfies every condition of the list.
 */
export type ComparisonOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | '=~' | '!~';

export type ConditionTarget =
  | { kind: 'intrinsic'; name: 'name' | 'status' | 'kind' | 'duration' | 'statusMessage' }
  | { kind: 'attr'; scope: 'span' | 'resource' | 'any'; key: string };

export interface SpanCondition {
  target: ConditionTarget;
  op: ComparisonOp;
  value: AttrValue;
  /** Compiled for =~ and !~ (anchored, as TraceQL regexes are). */
  regex?: Regex;
}

/** TraceQL comparison of two values; values of different kinds never compare (missing → false). */
export function compareValues(op: ComparisonOp, a: AttrValue | undefined, b: AttrValue, regex?: Regex): boolean {
  if (a === undefined) return false;
  if (op === '=~' || op === '!~') {
    if (typeof a !== 'string') return false;
    const m = (regex ?? anchoredRegex(String(b))).test(a);
    return op === '=~' ? m : !m;
  }
  if (typeof a !== typeof b) return false;
  switch (op) {
    case '=':
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
  return false;
}

const regexCache = new Map<string, Regex>();

export function anchoredRegex(src: string): Regex {
  let r = regexCache.get(src);
  if (!r) {
    r = compileAnchored(src);
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(src, r);
  }
  return r;
}
