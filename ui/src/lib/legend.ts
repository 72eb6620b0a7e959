/** Series naming as Grafana's Prometheus datasource does it. */

export type Labels = Record<string, string>;

/** `{{label}}` placeholders replaced by label values (missing labels become empty). */
export function formatLegend(format: string, labels: Labels): string {
  return format.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_m, name: string) => labels[name] ?? '');
}

/** The default name: `metric{a="1", b="2"}`, or `{}` for a series without labels. */
export function defaultSeriesName(labels: Labels): string {
  const { __name__: name, ...rest } = labels;
  const pairs = Object.keys(rest)
    .sort()
    .map((k) => `${k}="${rest[k]}"`);
  if (name !== undefined && pairs.length === 0) return name;
  return `${name ?? ''}{${pairs.join(', ')}}`;
}

export function seriesName(labels: Labels, format: string): string {
  return format.trim() === '' ? defaultSeriesName(labels) : formatLegend(format, labels);
}
