import type { Labels } from '../../model/index.js';

/** Loki's canonical notation of a stream: `{app="api", level="error"}` (sorted by name). */
export function labelsString(l: Labels): string {
  const parts: string[] = [];
  l.forEach((n, v) => parts.push(`${n}=${JSON.stringify(v)}`));
  return `{${parts.join(', ')}}`;
}
