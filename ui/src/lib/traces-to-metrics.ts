import { quoteLabelValue, spanTagValue } from './span-tags.js';

/**
 * Grafana's `tracesToMetrics` for the Tempo datasource: from a span to metric queries on a Prometheus datasource.
 * Each configured query has `$__tags` replaced by label matchers built from the span's tags (each configured tag
 * looked up on the span, named as mapped); without configured queries Grafana offers one default query, the span
 * metrics latency for those labels.
 */
export interface TracesToMetrics {
  datasourceUid?: string;
  tags?: (string | { key: string; value?: string })[];
  queries?: { name?: string; query?: string }[];
  spanStartTimeShift?: string;
  spanEndTimeShift?: string;
}

export const DEFAULT_METRICS_QUERY = 'histogram_quantile(0.9, sum(rate(traces_spanmetrics_latency_bucket{$__tags}[5m])) by (le))';

/** The `$__tags` matchers for a span: `label="value"` for each configured tag the span has, comma-separated. */
export function spanTagMatchers(cfg: TracesToMetrics, tags: Record<string, string>): string {
  const out: string[] = [];
  for (const t of cfg.tags ?? []) {
    const key = typeof t === 'string' ? t : t.key;
    const label = (typeof t === 'string' ? '' : t.value) || key.replace(/[^a-zA-Z0-9_]/g, '_');
    const value = spanTagValue(tags, key);
    if (value !== undefined) out.push(`${label}=${quoteLabelValue(value)}`);
  }
  return out.join(', ');
}

/** The named metric queries of a span (Grafana's "Related metrics" links), `$__tags` filled in. */
export function metricsQueriesForSpan(cfg: TracesToMetrics, tags: Record<string, string>): { name: string; expr: string }[] {
  const matchers = spanTagMatchers(cfg, tags);
  const queries = (cfg.queries ?? []).filter((q) => q.query && q.query.trim() !== '');
  const list = queries.length > 0 ? queries.map((q, i) => ({ name: q.name || `Query ${i + 1}`, query: q.query! })) : [{ name: 'Request latency', query: DEFAULT_METRICS_QUERY }];
  return list.map((q) => ({ name: q.name, expr: q.query.split('$__tags').join(matchers) }));
}
