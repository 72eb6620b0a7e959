import http from 'node:http';
import * as z from 'zod';
import type { Labels, MetricMetadata, MetricType } from '../../model/index.js';
import type { Appender } from '../../metrics/index.js';
import { appendOtlpMetrics, countItems, type ExportMetricsServiceRequest, type HistogramDataPoint, type KeyValue, type Metric, type NumberDataPoint } from '../../otlp/index.js';
import type { ExporterFactory } from '../components.js';
import { goDurationMs } from '../config/go-duration.js';
import { toAnyValue } from '../pipeline/otlp-data.js';
import { listenComponent } from '../http-listen.js';
import { decorateAppender, withPointAttributes } from './prometheus-translation.js';

const schema = z.strictObject({
  endpoint: z.string().min(1),
  namespace: z.string().default(''),
  const_labels: z.record(z.string(), z.string()).nullish().transform((v) => v ?? {}),
  send_timestamps: z.boolean().default(false),
  metric_expiration: goDurationMs.default(5 * 60_000),
  resource_to_telemetry_conversion: z.strictObject({ enabled: z.boolean().default(false) }).prefault({}),
  enable_open_metrics: z.boolean().default(false),
  // Names always carry their unit and type suffixes (the translator of the OTLP metrics path).
  add_metric_suffixes: z.literal(true).default(true),
  tls: z.looseObject({}).optional(),
});

const DELTA = 1;

interface Sample {
  labels: Labels;
  value: number;
  t: number;
  family: string;
  type: MetricType;
  help: string;
  updated: number;
}

const FAMILY_SUFFIX: Partial<Record<MetricType, RegExp>> = { histogram: /_(bucket|sum|count)$/, summary: /_(sum|count)$/ };

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

const escapeValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

const SUFFIX_ORDER: Record<string, number> = { _bucket: 0, _sum: 1, _count: 2 };
const leOf = (s: Sample) => (s.labels.has('le') ? (s.labels.get('le') === '+Inf' ? Infinity : Number(s.labels.get('le'))) : 0);

/** Within a family: by series (labels but `le`), then buckets in `le` order, `_sum`, `_count` (as client_golang). */
function exposeOrder(a: Sample, b: Sample): number {
  const ka = a.labels.without('__name__', 'le').key();
  const kb = b.labels.without('__name__', 'le').key();
  if (ka !== kb) return ka < kb ? -1 : 1;
  const sa = SUFFIX_ORDER[a.labels.get('__name__').slice(a.family.length)] ?? 0;
  const sb = SUFFIX_ORDER[b.labels.get('__name__').slice(b.family.length)] ?? 0;
  return sa !== sb ? sa - sb : leOf(a) - leOf(b);
}

/**
 * The latest value of every series the exporter received, as the contrib exporter's accumulator keeps them:
 * cumulative points replace older ones, delta monotonic sums and delta histograms are added up into cumulative
 * ones (non-monotonic delta sums are dropped), series not updated for `metric_expiration` are forgotten.
 */
export class PrometheusAccumulator {
  private readonly series = new Map<string, Sample>();
  private readonly deltaSums = new Map<string, number>();
  private readonly deltaHistograms = new Map<string, { bounds: number[]; counts: number[]; count: number; sum: number }>();

  constructor(
    private readonly cfg: z.output<typeof schema>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Delta points turned cumulative (the running totals per resource, scope, metric and attributes). */
  private cumulate(req: ExportMetricsServiceRequest): ExportMetricsServiceRequest {
    const attrKey = (a: KeyValue[] | undefined) => JSON.stringify((a ?? []).map((kv) => [kv.key, kv.value?.value, kv.value ? String((kv.value as Record<string, unknown>)[kv.value.value ?? ''] ?? '') : '']));
    return {
      resourceMetrics: (req.resourceMetrics ?? []).map((rm) => ({
        resource: rm.resource,
        scopeMetrics: (rm.scopeMetrics ?? []).map((sm) => ({
          scope: sm.scope,
          metrics: (sm.metrics ?? []).flatMap((m): Metric[] => {
            const temporality = (m.sum ?? m.histogram)?.aggregationTemporality;
            if (temporality !== DELTA) return [m];
            const base = `${attrKey(rm.resource?.attributes)}|${sm.scope?.name ?? ''}|${m.name}|`;
            if (m.data === 'sum') {
              if (!m.sum!.isMonotonic) return [];
              const dataPoints = (m.sum!.dataPoints ?? []).map((p): NumberDataPoint => {
                const k = base + attrKey(p.attributes);
                const v = (this.deltaSums.get(k) ?? 0) + (p.value === 'asInt' ? Number(p.asInt ?? 0) : (p.asDouble ?? 0));
                this.deltaSums.set(k, v);
                return { ...p, asDouble: v, value: 'asDouble' };
              });
              return [{ ...m, sum: { ...m.sum, dataPoints, aggregationTemporality: 2 } }];
            }
            const dataPoints = (m.histogram!.dataPoints ?? []).map((p): HistogramDataPoint => {
              const k = base + attrKey(p.attributes);
              const bounds = p.explicitBounds ?? [];
              const counts = (p.bucketCounts ?? []).map(Number);
              let acc = this.deltaHistograms.get(k);
              if (!acc || acc.bounds.join() !== bounds.join()) acc = { bounds, counts: counts.map(() => 0), count: 0, sum: 0 };
              acc.counts = acc.counts.map((c, i) => c + (counts[i] ?? 0));
              acc.count += Number(p.count ?? 0);
              acc.sum += p.sum ?? 0;
              this.deltaHistograms.set(k, acc);
              return { ...p, bucketCounts: [...acc.counts], count: acc.count, sum: acc.sum };
            });
            return [{ ...m, histogram: { ...m.histogram, dataPoints, aggregationTemporality: 2 } }];
          }),
        })),
      })),
    };
  }

  add(req: ExportMetricsServiceRequest): void {
    const scopeLabels = (scope: { name?: string; version?: string } | null | undefined): KeyValue[] => [
      ...(scope?.name ? [{ key: 'otel_scope_name', value: toAnyValue(scope.name) }] : []),
      ...(scope?.version ? [{ key: 'otel_scope_version', value: toAnyValue(scope.version) }] : []),
    ];
    const input = withPointAttributes(this.cumulate(req), this.cfg.resource_to_telemetry_conversion.enabled, scopeLabels);
    const now = this.now();
    const meta = new Map<string, MetricMetadata>();
    const pending: { labels: Labels; t: number; v: number }[] = [];
    const capture: Appender = {
      append: (_ref, labels, t, v) => (pending.push({ labels, t, v }), 0),
      appendExemplar: () => 0,
      updateMetadata: (_ref, labels, m) => (meta.set(labels.key(), m), 0),
      commit: () => Promise.resolve(),
      rollback: () => void (pending.length = 0),
    };
    appendOtlpMetrics(input, decorateAppender(capture, this.cfg.namespace, this.cfg.const_labels));
    for (const p of pending) {
      const key = p.labels.key();
      const old = this.series.get(key);
      if (old && old.t > p.t) continue;
      const m = meta.get(key) ?? { type: 'gauge' as MetricType, help: '', unit: '' };
      const name = p.labels.get('__name__');
      const suffix = FAMILY_SUFFIX[m.type];
      this.series.set(key, { labels: p.labels, value: p.v, t: p.t, family: suffix ? name.replace(suffix, '') : name, type: m.type, help: m.help, updated: now });
    }
  }

  /** The text exposition format (0.0.4) of the series not expired. */
  render(): string {
    const now = this.now();
    const families = new Map<string, Sample[]>();
    for (const [k, s] of this.series) {
      if (this.cfg.metric_expiration > 0 && now - s.updated > this.cfg.metric_expiration) {
        this.series.delete(k);
        continue;
      }
      const list = families.get(s.family) ?? [];
      list.push(s);
      families.set(s.family, list);
    }
    const lines: string[] = [];
    for (const family of [...families.keys()].sort()) {
      const list = families.get(family)!;
      const first = list[0];
      lines.push(`# HELP ${family} ${escapeHelp(first.help)}`, `# TYPE ${family} ${first.type === 'unknown' ? 'untyped' : first.type}`);
      list.sort(exposeOrder);
      for (const s of list) {
        const labels: string[] = [];
        s.labels.forEach((n, v) => {
          if (n !== '__name__') labels.push(`${n}="${escapeValue(v)}"`);
        });
        const ts = this.cfg.send_timestamps ? ` ${s.t}` : '';
        lines.push(`${s.labels.get('__name__')}${labels.length ? `{${labels.join(',')}}` : ''} ${formatValue(s.value)}${ts}`);
      }
    }
    return lines.length ? `${lines.join('\n')}\n` : '';
  }
}

/**
 * `prometheus`: a scrape endpoint (`endpoint`, path `/metrics`) serving the metrics received, with the Collector's
 * naming (suffixes, `job`/`instance` from the resource, `target_info`, `otel_scope_name`), `namespace`,
 * `const_labels`, `resource_to_telemetry_conversion` and `metric_expiration`.
 */
export const prometheusExporterFactory: ExporterFactory<typeof schema> = {
  type: 'prometheus',
  signals: ['metrics'],
  schema,
  create(id, cfg, env) {
    const acc = new PrometheusAccumulator(cfg);
    let server: http.Server | undefined;
    const labels = { exporter: id };
    return {
      mutates: false,
      consume(data) {
        if (data.signal === 'metrics') {
          acc.add(data.req);
          env.telemetry.exporterSent.metrics.inc(labels, countItems(data));
        }
        return Promise.resolve();
      },
      async start() {
        server = http.createServer((req, res) => {
          if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
            res.writeHead(404).end();
            return;
          }
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(acc.render());
        });
        await listenComponent(server, cfg.endpoint, id, env);
      },
      async shutdown() {
        await new Promise<void>((res) => (server ? server.close(() => res()) : res()));
      },
    };
  },
};
