import * as z from 'zod';
import { RemoteWriteTarget, appendOtlpMetrics } from '../../otlp/index.js';
import { HttpError } from '../../server/index.js';
import type { ExporterFactory } from '../components.js';
import { ExportError } from './export-error.js';
import { QueuedExporter, exporterHelperShape, itemData } from './exporter-helper.js';
import { authSetting, headersSetting, tlsSettings } from './common-settings.js';
import { clientTlsOptions, exporterAuthHeaders } from '../transport-security.js';
import { decorateAppender, withPointAttributes } from './prometheus-translation.js';

const schema = z.strictObject({
  endpoint: z.url(),
  headers: headersSetting,
  tls: tlsSettings,
  auth: authSetting,
  namespace: z.string().default(''),
  external_labels: z.record(z.string(), z.string()).nullish().transform((v) => v ?? {}),
  resource_to_telemetry_conversion: z.strictObject({ enabled: z.boolean().default(false) }).prefault({}),
  // Names always carry their unit and type suffixes (the translator of the OTLP metrics path).
  add_metric_suffixes: z.literal(true).default(true),
  send_metadata: z.boolean().default(false),
  remote_write_queue: z.looseObject({}).optional(),
  target_info: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
  max_batch_size_bytes: z.number().int().positive().optional(),
  compression: z.string().optional(),
  timeout: exporterHelperShape.timeout,
  retry_on_failure: exporterHelperShape.retry_on_failure,
  sending_queue: exporterHelperShape.sending_queue,
});

/**
 * `prometheusremotewrite`: the Collector's OTLP→Prometheus translation (the same as the OTLP metrics path), sent as
 * Prometheus remote write 1.0 to `endpoint` (Mimir's `/api/v1/push`, Prometheus's `/api/v1/write`).
 */
export const prometheusRemoteWriteExporterFactory: ExporterFactory<typeof schema> = {
  type: 'prometheusremotewrite',
  signals: ['metrics'],
  schema,
  create(id, cfg, env) {
    // The authenticator's headers as of start (a bearer token file rotated later is not re-read by this exporter).
    const target = new RemoteWriteTarget({ url: cfg.endpoint, headers: { ...cfg.headers, ...exporterAuthHeaders(env, cfg.auth)() }, timeoutMs: cfg.timeout > 0 ? cfg.timeout : 30_000, maxRetries: 0, tls: clientTlsOptions(cfg.tls) });
    return new QueuedExporter(
      id,
      cfg,
      async (item) => {
        const data = itemData(item);
        if (data.signal !== 'metrics') throw new ExportError(`exporter ${id} exports metrics only`, true);
        const app = decorateAppender(target.appender(), cfg.namespace, cfg.external_labels, cfg.target_info.enabled);
        appendOtlpMetrics(cfg.resource_to_telemetry_conversion.enabled ? withPointAttributes(data.req, true) : data.req, app);
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
