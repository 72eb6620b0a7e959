import { z } from 'zod';
import { Labels, type MetricMetadata } from '../../model/index.js';
import type { Appender, SeriesRef } from '../../metrics/index.js';
import { RemoteWriteTarget, appendOtlpMetrics } from '../../otlp/index.js';
import { HttpError } from '../../server/index.js';
import type { ExporterFactory } from '../components.js';
import { ExportError } from './export-error.js';
import { QueuedExporter, exporterHelperShape, itemData } from './exporter-helper.js';
import { headersSetting, tlsSettings } from './common-settings.js';

const schema = z.strictObject({
  endpoint: z.url(),
  headers: headersSetting,
  tls: tlsSettings,
  namespace: z.string().default(''),
  external_labels: z.record(z.string(), z.string()).nullish().transform((v) => v ?? {}),
  resource_to_telemetry_conversion: z.strictObject({ enabled: z.boolean().default(false) }).prefault({}),
  add_metric_suffixes: z.boolean().default(true),
  send_metadata: z.boolean().default(false),
  remote_write_queue: z.looseObject({}).optional(),
  target_info: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
  max_batch_size_bytes: z.number().int().positive().optional(),
  compression: z.string().optional(),
  timeout: exporterHelperShape.timeout,
  retry_on_failure: exporterHelperShape.retry_on_failure,
  sending_queue: exporterHelperShape.sending_queue,
});

/** An appender that adds the namespace prefix and external labels before the remote-write encoder. */
function decorate(inner: Appender, namespace: string, external: Record<string, string>): Appender {
  const extra = Object.entries(external);
  const fix = (l: Labels): Labels => {
    if (namespace === '' && extra.length === 0) return l;
    const o = l.toObject();
    if (namespace !== '' && o.__name__) o.__name__ = `${namespace}_${o.__name__}`;
    for (const [k, v] of extra) if (o[k] === undefined) o[k] = v;
    return Labels.fromObject(o);
  };
  return {
    append: (ref: SeriesRef, l: Labels, t: number, v: number) => inner.append(ref, fix(l), t, v),
    appendExemplar: () => 0,
    updateMetadata: (ref: SeriesRef, l: Labels, m: MetricMetadata) => inner.updateMetadata(ref, fix(l), m),
    commit: () => inner.commit(),
    rollback: () => inner.rollback(),
  } as Appender;
}

/**
 * `prometheusremotewrite`: the Collector's OTLP→Prometheus translation (the same as the OTLP metrics path), sent as
 * Prometheus remote write 1.0 to `endpoint` (Mimir's `/api/v1/push`, Prometheus's `/api/v1/write`).
 */
export const prometheusRemoteWriteExporterFactory: ExporterFactory<typeof schema> = {
  type: 'prometheusremotewrite',
  signals: ['metrics'],
  schema,
  create(id, cfg, env) {
    const target = new RemoteWriteTarget({ url: cfg.endpoint, headers: cfg.headers, timeoutMs: cfg.timeout > 0 ? cfg.timeout : 30_000, maxRetries: 0 });
    return new QueuedExporter(
      id,
      cfg,
      async (item) => {
        const data = itemData(item);
        if (data.signal !== 'metrics') throw new ExportError(`exporter ${id} exports metrics only`, true);
        const app = decorate(target.appender(), cfg.namespace, cfg.external_labels);
        appendOtlpMetrics(data.req, app);
        try {
          await app.commit();
        } catch (e) {
          if (e instanceof HttpError) {
            const upstream = (e as HttpError & { upstreamStatus?: number }).upstreamStatus;
            throw new ExportError(e.message, upstream !== undefined && upstream !== 429 && upstream < 500);
          }
          throw new ExportError((e as Error).message, false);
        }
      },
      env,
    );
  },
};
