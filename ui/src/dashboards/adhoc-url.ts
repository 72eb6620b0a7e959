/** Ad hoc filters in the URL, as Grafana writes them (pure, without the query grammars). */
import type { AdhocFilter } from './model.js';

export const ADHOC_OPERATORS = new Set(['=', '!=', '=~', '!~']);
export const ADHOC_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Grafana's URL form of one filter: `key|operator|value` (`var-<name>`, repeated), a `|` inside a part written
 * `__gfp__`.
 */
export const adhocUrlValue = (f: AdhocFilter): string => [f.key, f.operator, f.value].map((p) => p.replace(/\|/g, '__gfp__')).join('|');

export function parseAdhocUrlValue(s: string): AdhocFilter | undefined {
  const parts = s.split('|').map((p) => p.replace(/__gfp__/g, '|'));
  if (parts.length !== 3) return undefined;
  const [key, operator, value] = parts as [string, string, string];
  return ADHOC_LABEL_NAME.test(key) && ADHOC_OPERATORS.has(operator) ? { key, operator, value } : undefined;
}
