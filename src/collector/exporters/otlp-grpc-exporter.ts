import { Client, Metadata, credentials, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import * as z from 'zod';
import { exportServicePath } from '../../otlp/index.js';
import type { ExporterFactory } from '../components.js';
import { ExportError } from './export-error.js';
import { QueuedExporter, exporterHelperShape, itemBytes } from './exporter-helper.js';
import { authSetting, compressionSetting, headersSetting, tlsSettings } from './common-settings.js';
import { clientTlsOptions, exporterAuthHeaders } from '../transport-security.js';

const schema = z.strictObject({
  endpoint: z.string(),
  headers: headersSetting,
  compression: compressionSetting,
  tls: tlsSettings,
  auth: authSetting,
  balancer_name: z.string().optional(),
  authority: z.string().optional(),
  keepalive: z.looseObject({}).optional(),
  wait_for_ready: z.boolean().optional(),
  ...exporterHelperShape,
});

/** gRPC codes the Collector's otlp exporter retries (RESOURCE_EXHAUSTED included: the backend sheds load). */
const RETRYABLE = new Set([GrpcStatus.CANCELLED, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.ABORTED, GrpcStatus.OUT_OF_RANGE, GrpcStatus.UNAVAILABLE, GrpcStatus.DATA_LOSS, GrpcStatus.RESOURCE_EXHAUSTED]);

const identity = (b: Buffer) => b;

/** `host:port` of an otlp exporter endpoint (`tempo:4317`, `http://tempo:4317`, `dns:///tempo:4317`). */
export function grpcTarget(endpoint: string): { target: string; secure: boolean } {
  const m = /^(https?):\/\/(.*)$/.exec(endpoint);
  if (m) return { target: m[2].replace(/\/+$/, ''), secure: m[1] === 'https' };
  return { target: endpoint, secure: true };
}

/** A Buffer over the same bytes (no copy). */
const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** `otlp`: the OTLP gRPC Export services (as the seed's `otlp/tempo`), gzip by default; retryable codes are retried. */
export const otlpExporterFactory: ExporterFactory<typeof schema> = {
  type: 'otlp',
  signals: ['traces', 'metrics', 'logs'],
  schema,
  create(id, cfg, env) {
    const { target, secure } = grpcTarget(cfg.endpoint);
    const useTls = secure && !cfg.tls.insecure;
    const tls = useTls ? clientTlsOptions(cfg.tls) : undefined;
    const authHeaders = exporterAuthHeaders(env, cfg.auth);
    const creds = !useTls
      ? credentials.createInsecure()
      : credentials.createSsl(tls?.ca ?? null, tls?.key ?? null, tls?.cert ?? null, tls && !tls.rejectUnauthorized ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : undefined);
    const client = new Client(target, creds, {
      ...(tls?.servername ? { 'grpc.ssl_target_name_override': tls.servername, 'grpc.default_authority': tls.servername } : {}),
      'grpc.max_send_message_length': -1,
      ...(cfg.compression === 'gzip' ? { 'grpc.default_compression_algorithm': 2 } : {}),
    });
    const exporter = new QueuedExporter(
      id,
      cfg,
      (item, signal) =>
        new Promise<void>((resolve, reject) => {
          const md = new Metadata();
          for (const [k, v] of Object.entries({ ...cfg.headers, ...authHeaders() })) md.set(k, v);
          const deadline = new Date(Date.now() + (cfg.timeout > 0 ? cfg.timeout : 3_600_000));
          const call = client.makeUnaryRequest(exportServicePath(item.signal), identity, identity, asBuffer(itemBytes(item)), md, { deadline }, (err: ServiceError | null) => {
            signal.removeEventListener('abort', onAbort);
            if (!err) return resolve();
            reject(new ExportError(`${target}: ${GrpcStatus[err.code] ?? err.code}: ${err.details}`, !RETRYABLE.has(err.code)));
          });
          const onAbort = () => call.cancel();
          signal.addEventListener('abort', onAbort, { once: true });
        }),
      env,
    );
    const shutdown = exporter.shutdown.bind(exporter);
    exporter.shutdown = async () => {
      await shutdown();
      client.close();
    };
    return exporter;
  },
};
