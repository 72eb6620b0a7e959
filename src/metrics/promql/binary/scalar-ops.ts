import type { BinaryOp } from '../ast.js';

/** One arithmetic or comparison operation on two floats: the value, and for comparisons whether the sample is kept. */
export function scalarOp(op: BinaryOp, a: number, b: number): { v: number; keep: boolean } {
  switch (op) {
    case '+':
      return { v: a + b, keep: true };
    case '-':
      return { v: a - b, keep: true };
    case '*':
      return { v: a * b, keep: true };
    case '/':
      return { v: a / b, keep: true };
    case '^':
      return { v: goPow(a, b), keep: true };
    case '%':
      return { v: a % b, keep: true };
    case 'atan2':
      return { v: Math.atan2(a, b), keep: true };
    case '==':
      return { v: a, keep: a === b };
    case '!=':
      return { v: a, keep: a !== b };
    case '>':
      return { v: a, keep: a > b };
    case '<':
      return { v: a, keep: a < b };
    case '>=':
      return { v: a, keep: a >= b };
    case '<=':
      return { v: a, keep: a <= b };
    default:
      return { v: NaN, keep: false };
  }
}

/** Go's math.Pow special cases differ from JS `**` for a base of ±1 and NaN/Inf exponents. */
export function goPow(x: number, y: number): number {
  if (y === 0) return 1;
  if (x === 1) return 1;
  if ((x === -1) && (y === Infinity || y === -Infinity)) return 1;
  return x ** y;
}
