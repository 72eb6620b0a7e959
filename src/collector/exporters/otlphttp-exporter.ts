import { gzipSync } from 'node:zlib';
import * as z from 'zod';
import type { ExporterFactory } from '../components.js';
import { ExportError, httpStatusError } from './export-error.js';
import { QueuedExporter, exporterHelperShape, itemBytes } from './exporter-helper.js';
import { authSetting, compressionSetting, headersSetting, tlsSettings } from './common-settings.js';
import { fetchWithTls } from '../../otlp/index.js';
import { clientTlsOptions, exporterAuthHeaders } from '../transport-security.js';

const schema = z.strictObject({
  endpoint: z.string().optional(),
  traces_endpoint: z.string().optional(),
  metrics_endpoint: z.string().optional(),
  logs_endpoint: z.string().optional(),
  headers: headersSetting,
  compression: compressionSetting,
  encoding: z.enum(['proto']).default('proto'),
  tls: tlsSettings,
  auth: authSetting,
  ...exporterHelperShape,
});

/**
 * `otlphttp`: OTLP/HTTP protobuf POSTs to `endpoint` + `/v1/<signal>` (or the per-signal URL), gzip by default.
 * 429/502/503/504 are retried (honouring Retry-After); other errors drop the request.
 */
export const otlphttpExporterFactory: ExporterFactory<typeof schema> = {
  type: 'otlphttp',
  signals: ['traces', 'metrics', 'logs'],
  schema,
  create(id, cfg, env) {
    const tls = clientTlsOptions(cfg.tls);
    const authHeaders = exporterAuthHeaders(env, cfg.auth);
    const urlFor = (signal: 'traces' | 'metrics' | 'logs'): string => {
      const explicit = cfg[`${signal}_endpoint`];
      if (explicit) return explicit;
      if (!cfg.endpoint) throw new ExportError(`exporter ${id}: no endpoint for ${signal}`, true);
      return `${cfg.endpoint.replace(/\/+$/, '')}/v1/${signal}`;
    };
    return new QueuedExporter(
      id,
      cfg,
      async (item, signal) => {
        const url = urlFor(item.signal);
        let body: Uint8Array = itemBytes(item);
        const headers: Record<string, string> = { ...cfg.headers, ...authHeaders(), 'content-type': 'application/x-protobuf' };
        if (cfg.compression === 'gzip') {
          body = gzipSync(body);
          headers['content-encoding'] = 'gzip';
        }
        let res: Response;
        try {
          res = await fetchWithTls(url, { method: 'POST', headers, body, signal }, tls);
        } catch (e) {
          throw new ExportError(`sending to ${url} failed: ${(e as Error).message}`, false);
        }
        const text = await res.text().catch(() => '');
        if (!res.ok) throw httpStatusError(url, res.status, text, res.headers.get('retry-after'));
      },
      env,
    );
  },
};
