import * as z from 'zod';
import { appendOtlpMetrics, countItems, otlpLogsToLokiStreams } from '../../otlp/index.js';
import { DEFAULT_TENANT } from '../../server/index.js';
import type { ExporterFactory } from '../components.js';
import { retryableError } from '../pipeline/consumer.js';

const schema = z.strictObject({
  /** The tenant data lands in (default: each store's single-tenant default). */
  tenant: z.string().optional(),
});

/**
 * `sightline`: hands data to Sightline's own stores in this process (the one-process default): traces to the
 * trace distributor, metrics to the TSDB (the OTLP→Prometheus translation), logs to the log distributor. Each
 * store acknowledges once the data is in its write-ahead log, so no queue is needed in between.
 */
export const sightlineExporterFactory: ExporterFactory<typeof schema> = {
  type: 'sightline',
  signals: ['traces', 'metrics', 'logs'],
  schema,
  create(id, cfg, env) {
    const labels = { exporter: id };
    return {
      mutates: false,
      async consume(data) {
        const sinks = env.inProcess ?? {};
        if (data.signal === 'traces') {
          if (!sinks.traces) throw retryableError(`exporter ${id}: no trace store runs in this process`);
          await sinks.traces.pushTraces(cfg.tenant ?? DEFAULT_TENANT.tempo, data.req);
        } else if (data.signal === 'metrics') {
          if (!sinks.metrics) throw retryableError(`exporter ${id}: no metrics store runs in this process`);
          const app = sinks.metrics.appender();
          appendOtlpMetrics(data.req, app);
          try {
            await app.commit();
          } catch (e) {
            app.rollback();
            throw e;
          }
        } else {
          if (!sinks.logs) throw retryableError(`exporter ${id}: no log store runs in this process`);
          await sinks.logs.push(cfg.tenant ?? DEFAULT_TENANT.loki, otlpLogsToLokiStreams(data.req).streams);
        }
        env.telemetry.exporterSent[data.signal].inc(labels, countItems(data));
      },
    };
  },
};
