import { Labels, type MetricMetadata } from '../../model/index.js';
import type { Appender, SeriesRef } from '../../metrics/index.js';
import type { ExportMetricsServiceRequest, KeyValue, Metric } from '../../otlp/index.js';

/**
 * An appender that adds the namespace prefix (`<namespace>_<name>`) and constant labels before the inner one, and
 * leaves out `target_info` when it is disabled.
 */
export function decorateAppender(inner: Appender, namespace: string, constLabels: Record<string, string>, targetInfo = true): Appender {
  const extra = Object.entries(constLabels);
  const skip = (l: Labels) => !targetInfo && l.get('__name__') === 'target_info';
  const fix = (l: Labels): Labels => {
    if (namespace === '' && extra.length === 0) return l;
    const o = l.toObject();
    if (namespace !== '' && o.__name__) o.__name__ = `${namespace}_${o.__name__}`;
    for (const [k, v] of extra) if (o[k] === undefined) o[k] = v;
    return Labels.fromObject(o);
  };
  return {
    append: (ref: SeriesRef, l: Labels, t: number, v: number) => (skip(l) ? 0 : inner.append(ref, fix(l), t, v)),
    appendExemplar: () => 0,
    updateMetadata: (ref: SeriesRef, l: Labels, m: MetricMetadata) => (skip(l) ? 0 : inner.updateMetadata(ref, fix(l), m)),
    commit: () => inner.commit(),
    rollback: () => inner.rollback(),
  } as Appender;
}

type Point = { attributes?: KeyValue[] };

/** The data points of a metric, whatever its type. */
export function pointsOf(m: Metric): Point[] {
  return (m.gauge ?? m.sum ?? m.histogram ?? m.summary ?? m.exponentialHistogram)?.dataPoints ?? [];
}

/**
 * A copy of a metrics request with extra attributes on every data point (the point's own win): the resource's
 * attributes with `resource_to_telemetry_conversion`, and whatever `extra` gives per scope. Points are copied
 * shallowly; the input is not changed.
 */
export function withPointAttributes(req: ExportMetricsServiceRequest, resourceToTelemetry: boolean, extra?: (scope: { name?: string; version?: string } | null | undefined) => KeyValue[]): ExportMetricsServiceRequest {
  return {
    resourceMetrics: (req.resourceMetrics ?? []).map((rm) => ({
      resource: rm.resource,
      scopeMetrics: (rm.scopeMetrics ?? []).map((sm) => {
        const add = [...(extra?.(sm.scope) ?? []), ...(resourceToTelemetry ? (rm.resource?.attributes ?? []) : [])];
        if (add.length === 0) return sm;
        const merge = (own: KeyValue[] | undefined): KeyValue[] => {
          const have = new Set((own ?? []).map((kv) => kv.key));
          return [...(own ?? []), ...add.filter((kv) => !have.has(kv.key) && (have.add(kv.key), true))];
        };
        return {
          scope: sm.scope,
          metrics: (sm.metrics ?? []).map((m) => {
            if (!m.data) return m;
            const body = (m as unknown as Record<string, { dataPoints?: Point[] }>)[m.data];
            return { ...m, [m.data]: { ...body, dataPoints: (body.dataPoints ?? []).map((p) => ({ ...p, attributes: merge(p.attributes) })) } };
          }),
        };
      }),
    })),
  };
}
