import type { Server } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import * as z from 'zod';
import { countItems, registerOtlpHttpRoutes, startOtlpGrpcServer, type Signal } from '../../otlp/index.js';
import { HttpError, createHttpServer, listen, refuseUnread } from '../../server/index.js';
import type { ReceiverFactory } from '../components.js';
import { authSchema, receiverGrpcCredentials, receiverWebConfig, requireAuth, resolveAuthenticator, serverTlsSchema } from '../transport-security.js';
import { retryableError, type ClientContext, type Consumer, type ExportRequest } from '../pipeline/consumer.js';
import { JSON_COST_PER_BODY_BYTE, REQUEST_COST_PER_BODY_BYTE } from '../pipeline/memory-pressure.js';

const grpcSchema = z
  .strictObject({
    endpoint: z.string().default('localhost:4317'),
    max_recv_msg_size_mib: z.number().positive().default(4),
    max_concurrent_streams: z.number().optional(),
    read_buffer_size: z.number().optional(),
    write_buffer_size: z.number().optional(),
    include_metadata: z.boolean().optional(),
    keepalive: z.looseObject({}).optional(),
    tls: serverTlsSchema.optional(),
    auth: authSchema.optional(),
    transport: z.string().optional(),
  })
  .nullable()
  .transform((v) => v ?? grpcSchema_default());
function grpcSchema_default() {
  return { endpoint: 'localhost:4317', max_recv_msg_size_mib: 4, tls: undefined, auth: undefined };
}

const httpSchema = z
  .strictObject({
    endpoint: z.string().default('localhost:4318'),
    traces_url_path: z.string().default('/v1/traces'),
    metrics_url_path: z.string().default('/v1/metrics'),
    logs_url_path: z.string().default('/v1/logs'),
    cors: z.strictObject({ allowed_origins: z.array(z.string()).default([]), allowed_headers: z.array(z.string()).default([]), max_age: z.number().optional() }).optional(),
    include_metadata: z.boolean().optional(),
    max_request_body_size: z.number().int().positive().optional(),
    tls: serverTlsSchema.optional(),
    auth: authSchema.optional(),
  })
  .nullable()
  .transform((v) => v ?? { endpoint: 'localhost:4318', traces_url_path: '/v1/traces', metrics_url_path: '/v1/metrics', logs_url_path: '/v1/logs', cors: undefined, max_request_body_size: undefined, tls: undefined, auth: undefined });

const schema = z.strictObject({
  protocols: z.strictObject({ grpc: grpcSchema.optional(), http: httpSchema.optional() }).refine((p) => p.grpc !== undefined || p.http !== undefined, 'must specify at least one protocol when using the OTLP receiver'),
});

const MEMORY_REFUSED = 'data refused due to high memory usage';
/** A gzip body is counted as this many times its length (decompressed OTLP is several times larger). */
const GZIP_EXPANSION = 4;

/** What a request's body will take once read and decompressed, from its headers (undefined: not said). */
function bodyBytesOf(headers: Record<string, string | string[] | undefined>): number | undefined {
  const len = Number(headers['content-length']);
  if (!headers['content-length'] || !Number.isFinite(len)) return undefined;
  return headers['content-encoding'] === 'gzip' ? len * GZIP_EXPANSION : len;
}

/** `0.0.0.0:4317` / `localhost:4317` / `:4317` as a listen address Sightline's listeners take. */
export function listenAddressOf(endpoint: string): string {
  const m = /^(.*):(\d+)$/.exec(endpoint);
  if (!m) return endpoint;
  const host = m[1] === '' ? '0.0.0.0' : m[1] === 'localhost' ? '127.0.0.1' : m[1];
  return `${host}:${m[2]}`;
}

/**
 * `otlp`: OTLP/gRPC and OTLP/HTTP (Sightline's OTLP receivers, `src/otlp`), handing each request to the pipelines
 * of its signal. Answers once the pipelines accepted it: their retryable refusals become 503 / UNAVAILABLE, their
 * permanent ones 400 / INVALID_ARGUMENT; malformed OTLP gets the OTLP error. CORS for browsers when configured.
 */
export const otlpReceiverFactory: ReceiverFactory<typeof schema> = {
  type: 'otlp',
  signals: ['traces', 'metrics', 'logs'],
  schema,
  create(id, cfg, next, env) {
    let grpc: { server: Server; port: number } | undefined;
    let app: FastifyInstance | undefined;
    const portName = (p: string) => `otelcol_${id.replace(/[^a-zA-Z0-9]/g, '_')}_${p}`;
    const handle = (transport: 'grpc' | 'http') => async (e: ExportRequest, _tenant: string, client: ClientContext) => {
      const n = countItems(e);
      const labels = { receiver: id, transport };
      const consumer: Consumer | undefined = next[e.signal as Signal];
      try {
        if (!consumer) throw new HttpError(404, 'not_found', `no pipeline for ${e.signal} uses receiver ${id}`);
        if (n > 0) await consumer.consume(e, client);
        env.telemetry.receiverAccepted[e.signal].inc(labels, n);
        return { rejected: 0, message: '' };
      } catch (err) {
        env.telemetry.receiverRefused[e.signal].inc(labels, n);
        if (err instanceof HttpError) throw err;
        throw retryableError((err as Error).message);
      }
    };
    return {
      async start() {
        const g = cfg.protocols.grpc;
        if (g) {
          const auth = resolveAuthenticator(env, g.auth);
          grpc = await startOtlpGrpcServer({
            credentials: receiverGrpcCredentials(receiverWebConfig(g.tls)),
            authenticate: auth ? (md) => auth.authenticate(md) : undefined,
            listenAddress: listenAddressOf(g.endpoint),
            listener: `otelcol-${id}`,
            maxRecvMsgSize: g.max_recv_msg_size_mib * 1024 * 1024,
            logger: env.logger,
            tenant: () => 'anonymous',
            handle: handle('grpc'),
            admit: env.memoryPressure ? (bytes) => env.memoryPressure!.admit(bytes) : undefined,
            refusedMessage: MEMORY_REFUSED,
          });
          env.ports[portName('grpc')] = grpc.port;
        }
        const h = cfg.protocols.http;
        if (h) {
          const addr = listenAddressOf(h.endpoint);
          app = createHttpServer({ name: `otelcol-${id}`, listenAddress: addr, logger: env.logger, registry: env.telemetry.registry, bodyLimit: h.max_request_body_size ?? 20 * 1024 * 1024, tls: receiverWebConfig(h.tls) });
          // Over a memory_limiter's soft limit (now, or with this body): 503 before the body is read and decoded.
          app.addHook('onRequest', async (req, reply) => {
            if (req.method !== 'POST' || !env.memoryPressure) return;
            const json = /^application\/json\b/i.test(req.headers['content-type'] ?? '');
            const release = env.memoryPressure.admit(bodyBytesOf(req.headers), json ? JSON_COST_PER_BODY_BYTE : REQUEST_COST_PER_BODY_BYTE);
            if (!release) return refuseUnread(req, reply, 503, { 'retry-after': '1', 'content-type': 'application/json' }, JSON.stringify({ code: 14, message: MEMORY_REFUSED }));
            reply.raw.once('close', release);
          });
          const cors = h.cors;
          if (cors && cors.allowed_origins.length > 0) {
            const allowed = cors.allowed_origins.map((o) => new RegExp(`^${o.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`));
            app.addHook('onRequest', async (req, reply) => {
              const origin = req.headers.origin;
              if (!origin || !allowed.some((re) => re.test(origin))) return;
              reply.header('access-control-allow-origin', origin);
              reply.header('vary', 'Origin');
              if (req.method === 'OPTIONS') {
                reply.header('access-control-allow-methods', 'POST');
                reply.header('access-control-allow-headers', ['content-type', 'content-encoding', ...cors.allowed_headers].join(', '));
                if (cors.max_age) reply.header('access-control-max-age', String(cors.max_age));
                return reply.code(204).send();
              }
            });
            for (const p of [h.traces_url_path, h.metrics_url_path, h.logs_url_path]) app.options(p, async (_req, reply) => reply.code(204).send());
          }
          requireAuth(app, resolveAuthenticator(env, h.auth));
          await registerOtlpHttpRoutes(app, { tenant: () => 'anonymous', handle: handle('http'), paths: { traces: h.traces_url_path, metrics: h.metrics_url_path, logs: h.logs_url_path } });
          try {
            env.ports[portName('http')] = await listen(app, addr);
          } catch (e) {
            grpc?.server.forceShutdown();
            throw e;
          }
        }
        env.logger.info({ receiver: id, grpc: grpc?.port, http: env.ports[portName('http')] }, 'OTLP receiver started');
      },
      async shutdown() {
        if (grpc) await new Promise<void>((res) => grpc!.server.tryShutdown(() => res()));
        await app?.close();
      },
    };
  },
};
