const escapeValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
const escapeRegex = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The selector for a metric and chosen label values: `m{a="x"}` or `m{a=~"x|y"}` per label. */
export function buildSelector(metric: string, chosen: Record<string, string[]>): string {
  const parts = Object.keys(chosen)
    .sort()
    .filter((l) => chosen[l].length > 0)
    .map((l) => (chosen[l].length === 1 ? `${l}="${escapeValue(chosen[l][0])}"` : `${l}=~"${escapeValue(chosen[l].map(escapeRegex).join('|'))}"`));
  return parts.length ? `${metric}{${parts.join(', ')}}` : metric;
}
