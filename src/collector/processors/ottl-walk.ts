import type { ExportRequest } from '../pipeline/consumer.js';
import type { OttlContextName, OttlTarget } from '../ottl/evaluate.js';

type Obj = Record<string, unknown>;
type Keep = (t: OttlTarget) => boolean;

/**
 * Visit every item of a request in one OTTL context, in place. `visit` returns false to drop the item; groups
 * (scopes, resources, metrics) left empty by drops are removed, as the Collector's filter processor does.
 */
export function walkContext(e: ExportRequest, context: OttlContextName, visit: Keep): void {
  const groups = (e.signal === 'traces' ? e.req.resourceSpans : e.signal === 'metrics' ? e.req.resourceMetrics : e.req.resourceLogs) as Obj[] | undefined;
  if (!groups) return;
  const scopeKey = e.signal === 'traces' ? 'scopeSpans' : e.signal === 'metrics' ? 'scopeMetrics' : 'scopeLogs';
  const itemKey = e.signal === 'traces' ? 'spans' : e.signal === 'metrics' ? 'metrics' : 'logRecords';
  const keptGroups = groups.filter((g) => {
    const resource = (g.resource ??= { attributes: [] }) as OttlTarget['resource'];
    if (context === 'resource') return visit({ context, item: resource as Obj, resource });
    const scopes = (g[scopeKey] ?? []) as Obj[];
    g[scopeKey] = scopes.filter((sc) => {
      const scope = (sc.scope ?? undefined) as OttlTarget['scope'];
      if (context === 'scope') return visit({ context, item: (scope ?? {}) as Obj, resource, scope });
      const items = (sc[itemKey] ?? []) as Obj[];
      sc[itemKey] = items.filter((item) => {
        if (context === 'spanevent') {
          const span = item as { events?: Obj[]; raw?: Uint8Array };
          const before = span.events?.length ?? 0;
          span.events = (span.events ?? []).filter((ev) => visit({ context, item: ev, resource, scope, span }));
          if (span.events.length !== before) delete span.raw;
          return true;
        }
        if (context === 'datapoint') {
          const m = item as Obj;
          const d = m.data ? (m[m.data as string] as { dataPoints?: Obj[] } | null) : null;
          if (!d?.dataPoints) return true;
          d.dataPoints = d.dataPoints.filter((p) => visit({ context, item: p, resource, scope, metric: m }));
          return d.dataPoints.length > 0;
        }
        return visit({ context, item, resource, scope, metric: context === 'metric' ? item : undefined });
      });
      return (sc[itemKey] as Obj[]).length > 0;
    });
    return (g[scopeKey] as Obj[]).length > 0;
  });
  if (e.signal === 'traces') e.req.resourceSpans = keptGroups as never;
  else if (e.signal === 'metrics') e.req.resourceMetrics = keptGroups as never;
  else e.req.resourceLogs = keptGroups as never;
}
