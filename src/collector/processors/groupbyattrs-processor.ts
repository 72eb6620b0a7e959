import * as z from 'zod';
import type { InstrumentationScope, KeyValue, Metric, Resource } from '../../otlp/index.js';
import type { ProcessorFactory } from '../components.js';
import type { ExportRequest } from '../pipeline/consumer.js';

const schema = z.strictObject({ keys: z.array(z.string()).default([]) });

const valueKey = (kv: KeyValue) => `${kv.key}\u0000${JSON.stringify(kv.value ?? null, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))}`;
const attrsKey = (attrs: KeyValue[] | undefined) => (attrs ?? []).map(valueKey).sort().join('\u0001');
const scopeKey = (s: InstrumentationScope | null | undefined) => `${s?.name ?? ''}\u0000${s?.version ?? ''}\u0000${attrsKey(s?.attributes)}`;

interface Holder {
  attributes?: KeyValue[];
  raw?: Uint8Array;
}

/**
 * Move the `keys` attributes a record carries to its resource: the record goes to the resource that has the original
 * resource's attributes plus those (record values win), records of equal resources are grouped together. Without
 * matching keys a record stays with its resource; equal resources and scopes are merged (compaction).
 */
function regroup<R>(
  groups: { resource?: Resource | null; scopes: { scope?: InstrumentationScope | null; records: Holder[] }[] }[],
  keys: readonly string[],
  build: (resource: Resource, scopes: { scope?: InstrumentationScope | null; records: Holder[] }[]) => R,
): R[] {
  const out = new Map<string, { resource: Resource; scopes: Map<string, { scope?: InstrumentationScope | null; records: Holder[] }> }>();
  for (const g of groups) {
    const base = g.resource?.attributes ?? [];
    for (const s of g.scopes)
      for (const rec of s.records) {
        const moved: KeyValue[] = [];
        if (keys.length > 0 && rec.attributes) {
          const kept: KeyValue[] = [];
          for (const kv of rec.attributes) (keys.includes(kv.key) ? moved : kept).push(kv);
          if (moved.length > 0) {
            rec.attributes = kept;
            delete rec.raw;
          }
        }
        const attrs = moved.length === 0 ? base : [...base.filter((kv) => !moved.some((m) => m.key === kv.key)), ...moved];
        const rk = attrsKey(attrs);
        let target = out.get(rk);
        if (!target) {
          target = { resource: { attributes: attrs, droppedAttributesCount: g.resource?.droppedAttributesCount }, scopes: new Map() };
          out.set(rk, target);
        }
        const sk = scopeKey(s.scope);
        let ts = target.scopes.get(sk);
        if (!ts) {
          ts = { scope: s.scope, records: [] };
          target.scopes.set(sk, ts);
        }
        ts.records.push(rec);
      }
  }
  return [...out.values()].map((t) => build(t.resource, [...t.scopes.values()]));
}

type MetricPoint = Holder & { __metric: Metric };

function group(data: ExportRequest, keys: readonly string[]): ExportRequest {
  if (data.signal === 'traces') {
    const groups = (data.req.resourceSpans ?? []).map((rs) => ({ resource: rs.resource, scopes: (rs.scopeSpans ?? []).map((ss) => ({ scope: ss.scope, records: ss.spans ?? [] })) }));
    return { signal: 'traces', req: { resourceSpans: regroup(groups, keys, (resource, scopes) => ({ resource, scopeSpans: scopes.map((s) => ({ scope: s.scope, spans: s.records as never })) })) } };
  }
  if (data.signal === 'logs') {
    const groups = (data.req.resourceLogs ?? []).map((rl) => ({ resource: rl.resource, scopes: (rl.scopeLogs ?? []).map((sl) => ({ scope: sl.scope, records: sl.logRecords ?? [] })) }));
    return { signal: 'logs', req: { resourceLogs: regroup(groups, keys, (resource, scopes) => ({ resource, scopeLogs: scopes.map((s) => ({ scope: s.scope, logRecords: s.records as never })) })) } };
  }
  // Metrics: data points move; each keeps a reference to its metric, which is copied into the new scope.
  const groups = (data.req.resourceMetrics ?? []).map((rm) => ({
    resource: rm.resource,
    scopes: (rm.scopeMetrics ?? []).map((sm) => ({
      scope: sm.scope,
      records: (sm.metrics ?? []).flatMap((m) => {
        const body = m.data ? (m as unknown as Record<string, { dataPoints?: Holder[] }>)[m.data] : undefined;
        return (body?.dataPoints ?? []).map((p) => Object.assign(p, { __metric: m }) as MetricPoint);
      }),
    })),
  }));
  const resourceMetrics = regroup(groups, keys, (resource, scopes) => ({
    resource,
    scopeMetrics: scopes.map((s) => {
      const metrics = new Map<Metric, Metric>();
      for (const rec of s.records as MetricPoint[]) {
        const m = rec.__metric;
        delete (rec as Partial<MetricPoint>).__metric;
        let copy = metrics.get(m);
        if (!copy) {
          const body = (m as unknown as Record<string, object>)[m.data!];
          copy = { ...m, [m.data!]: { ...body, dataPoints: [] } } as Metric;
          metrics.set(m, copy);
        }
        ((copy as unknown as Record<string, { dataPoints: Holder[] }>)[m.data!].dataPoints).push(rec);
      }
      return { scope: s.scope, metrics: [...metrics.values()] };
    }),
  }));
  return { signal: 'metrics', req: { resourceMetrics } };
}

/**
 * `groupbyattrs`: regroups spans, log records and data points by the values of `keys` (moved from the record to its
 * resource), or only compacts equal resources and scopes when `keys` is empty.
 */
export const groupbyattrsProcessorFactory: ProcessorFactory<typeof schema> = {
  type: 'groupbyattrs',
  signals: ['traces', 'metrics', 'logs'],
  schema,
  create(_id, cfg, _signal, next) {
    return {
      mutates: true,
      consume(data, client) {
        return next.consume(group(data, cfg.keys), client);
      },
    };
  },
};
