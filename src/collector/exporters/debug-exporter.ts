import * as z from 'zod';
import { countItems, resourceSpansToJson } from '../../otlp/index.js';
import type { ExporterFactory } from '../components.js';

const schema = z.strictObject({
  verbosity: z.enum(['basic', 'normal', 'detailed']).default('basic'),
  sampling_initial: z.number().int().nonnegative().default(2),
  sampling_thereafter: z.number().int().positive().default(1),
  use_internal_logger: z.boolean().default(true),
});

/**
 * `debug`: writes what passes to the log — `basic`: counts; `normal`: one line per item; `detailed`: the items.
 * Sampled as the Collector does (the first `sampling_initial` messages per second, then every `sampling_thereafter`-th).
 */
export const debugExporterFactory: ExporterFactory<typeof schema> = {
  type: 'debug',
  signals: ['traces', 'metrics', 'logs'],
  schema,
  create(id, cfg, env) {
    const log = env.logger.child({ kind: 'exporter', name: id });
    let second = 0;
    let inSecond = 0;
    return {
      mutates: false,
      async consume(data) {
        const now = Math.floor(Date.now() / 1000);
        if (now !== second) {
          second = now;
          inSecond = 0;
        }
        inSecond++;
        if (inSecond > cfg.sampling_initial && (inSecond - cfg.sampling_initial) % cfg.sampling_thereafter !== 0) return;
        const n = countItems(data);
        const counts =
          data.signal === 'traces'
            ? { 'resource spans': data.req.resourceSpans?.length ?? 0, spans: n }
            : data.signal === 'metrics'
              ? { 'resource metrics': data.req.resourceMetrics?.length ?? 0, 'data points': n }
              : { 'resource logs': data.req.resourceLogs?.length ?? 0, 'log records': n };
        if (cfg.verbosity === 'basic') log.info(counts, data.signal === 'traces' ? 'Traces' : data.signal === 'metrics' ? 'Metrics' : 'Logs');
        else if (data.signal === 'traces' && cfg.verbosity === 'detailed') log.info({ ...counts, resourceSpans: resourceSpansToJson(data.req.resourceSpans ?? []) }, 'Traces');
        else log.info({ ...counts, data: cfg.verbosity === 'detailed' ? data.req : undefined }, data.signal);
      },
    };
  },
};
