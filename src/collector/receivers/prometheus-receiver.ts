import * as z from 'zod';
import { ConfigError } from '../../config/index.js';
import { METRIC_NAME, ScrapeManager, buildPrometheusConfig, isStaleNaN, type Appendable, type Appender, type Labels, type MetricMetadata } from '../../metrics/index.js';
import type { ExportMetricsServiceRequest, KeyValue, Metric, ResourceMetrics } from '../../otlp/index.js';
import type { BuildEnv, ReceiverFactory } from '../components.js';
import { retryableError, type Consumer } from '../pipeline/consumer.js';
import { toAnyValue } from '../pipeline/otlp-data.js';

const schema = z.strictObject({
  /** An embedded prometheus.yml (`global`, `scrape_configs`, ...), validated with Prometheus's rules. */
  config: z.looseObject({}).transform((c, ctx) => {
    try {
      return buildPrometheusConfig(c, 'config');
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      ctx.addIssue({ code: 'custom', message: `${e.path === '' ? '' : `${e.path}: `}${e.reason}`, input: c });
      return z.NEVER;
    }
  }),
  trim_metric_suffixes: z.boolean().optional(),
  use_start_time_metric: z.boolean().optional(),
  target_allocator: z.unknown().optional(),
});

interface Sample {
  labels: Labels;
  t: number;
  v: number;
}

/**
 * The scraped samples of one commit as an OTLP metrics request: one resource per target (`service.name` = job,
 * `service.instance.id` = instance, as the Collector's prometheus receiver names them), each series a data point
 * of its family's type (counter → cumulative monotonic sum, everything else a gauge), other labels as attributes.
 */
export function samplesToOtlp(samples: Sample[], meta: Map<string, MetricMetadata>): ExportMetricsServiceRequest {
  const byTarget = new Map<string, { rm: ResourceMetrics; metrics: Map<string, Metric> }>();
  for (const s of samples) {
    if (isStaleNaN(s.v)) continue;
    const job = s.labels.get('job');
    const instance = s.labels.get('instance');
    const key = `${job}\u0000${instance}`;
    let target = byTarget.get(key);
    if (!target) {
      const attributes: KeyValue[] = [{ key: 'service.name', value: toAnyValue(job) }, { key: 'service.instance.id', value: toAnyValue(instance) }];
      const [host, port] = instance.includes(':') ? [instance.slice(0, instance.lastIndexOf(':')), instance.slice(instance.lastIndexOf(':') + 1)] : [instance, ''];
      attributes.push({ key: 'server.address', value: toAnyValue(host) });
      if (port) attributes.push({ key: 'server.port', value: toAnyValue(port) });
      target = { rm: { resource: { attributes }, scopeMetrics: [{ scope: { name: 'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/prometheusreceiver' }, metrics: [] }] }, metrics: new Map() };
      byTarget.set(key, target);
    }
    const name = s.labels.get(METRIC_NAME);
    let m = target.metrics.get(name);
    if (!m) {
      const md = meta.get(name);
      const counter = md?.type === 'counter';
      m = { name, description: md?.help ?? '', unit: md?.unit ?? '' };
      if (counter) Object.assign(m, { sum: { dataPoints: [], aggregationTemporality: 2, isMonotonic: true }, data: 'sum' });
      else Object.assign(m, { gauge: { dataPoints: [] }, data: 'gauge' });
      target.metrics.set(name, m);
      target.rm.scopeMetrics![0].metrics!.push(m);
    }
    const attributes: KeyValue[] = [];
    s.labels.forEach((k, v) => {
      if (k !== METRIC_NAME && k !== 'job' && k !== 'instance') attributes.push({ key: k, value: toAnyValue(v) });
    });
    const points = (m.sum ?? m.gauge)!.dataPoints!;
    points.push({ attributes, timeUnixNano: s.t * 1e6, asDouble: s.v, value: 'asDouble' } as never);
  }
  return { resourceMetrics: [...byTarget.values()].map((t) => t.rm) };
}

/** Scraped samples go into the pipeline instead of a TSDB: one request per scrape (per appender commit). */
function pipelineAppendable(next: Consumer | undefined, id: string, env: BuildEnv): Appendable {
  return {
    appender(): Appender {
      const samples: Sample[] = [];
      const meta = new Map<string, MetricMetadata>();
      return {
        append(_ref, labels, t, v) {
          samples.push({ labels, t, v });
          return 0;
        },
        appendExemplar: () => 0,
        updateMetadata(_ref, labels, m) {
          meta.set(labels.get(METRIC_NAME), m);
          return 0;
        },
        async commit() {
          const req = samplesToOtlp(samples, meta);
          samples.length = 0;
          const n = (req.resourceMetrics ?? []).reduce((a, rm) => a + (rm.scopeMetrics?.[0].metrics ?? []).reduce((b, m) => b + ((m.sum ?? m.gauge)?.dataPoints?.length ?? 0), 0), 0);
          if (n === 0 || !next) return;
          const labels = { receiver: id, transport: 'http' };
          try {
            await next.consume({ signal: 'metrics', req }, {});
            env.telemetry.receiverAccepted.metrics.inc(labels, n);
          } catch (e) {
            env.telemetry.receiverRefused.metrics.inc(labels, n);
            throw e instanceof Error ? e : retryableError(String(e));
          }
        },
        rollback() {
          samples.length = 0;
        },
      };
    },
  };
}

/**
 * `prometheus`: the Collector's Prometheus receiver — an embedded prometheus.yml `config` run by Sightline's scrape
 * manager (service discovery, relabeling, limits, staleness), its samples handed to the metrics pipelines.
 */
export const prometheusReceiverFactory: ReceiverFactory<typeof schema> = {
  type: 'prometheus',
  signals: ['metrics'],
  schema,
  create(id, cfg, next, env) {
    let scrape: ScrapeManager | undefined;
    return {
      async start() {
        scrape = new ScrapeManager(pipelineAppendable(next.metrics, id, env), { logger: env.logger.child({ receiver: id }) });
        scrape.applyConfig(cfg.config);
      },
      async shutdown() {
        await scrape?.stop();
      },
    };
  },
};
