import { parseExpr } from '../metrics/promql/index.js';
import type { ExprValidator } from './rule-file.js';

/** PromQL expressions of rule files, checked by the PromQL parser (message `1:8: parse error: ...`). */
export const validatePromql: ExprValidator = (expr) => {
  try {
    parseExpr(expr);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
};
