import { Server, status as GrpcStatus, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import * as z from 'zod';
import { countSpans, grpcCodeOf, type ExportTraceServiceRequest, type TracesConsumer } from '../../otlp/index.js';
import { HttpError, createHttpServer, listen } from '../../server/index.js';
import { splitHostPort } from '../../config/index.js';
import { JaegerProtoDecodeError, jaegerPostSpansToOtlp, registerJaegerRoutes, registerZipkinRoutes } from '../../traces/index.js';
import type { BuildEnv, ReceiverFactory } from '../components.js';
import { retryableError, type Consumer } from '../pipeline/consumer.js';
import { listenAddressOf } from './otlp-receiver.js';
import { authSchema, receiverGrpcCredentials, receiverWebConfig, requireAuth, resolveAuthenticator, serverTlsSchema, type AuthSetting, type ServerTls } from '../transport-security.js';

/** The pipeline seen as the trace distributor the Zipkin and Jaeger adapters of `src/traces` push to. */
function pipelineAsTraces(id: string, transport: string, next: Consumer | undefined, env: BuildEnv): TracesConsumer {
  return {
    async pushTraces(_tenant: string, req: ExportTraceServiceRequest) {
      const n = countSpans(req);
      const labels = { receiver: id, transport };
      try {
        if (!next) throw new HttpError(404, 'not_found', `no traces pipeline uses receiver ${id}`);
        await next.consume({ signal: 'traces', req }, {});
        env.telemetry.receiverAccepted.traces.inc(labels, n);
        return { rejected: 0, message: '' };
      } catch (e) {
        env.telemetry.receiverRefused.traces.inc(labels, n);
        throw e instanceof HttpError ? e : retryableError((e as Error).message);
      }
    },
  };
}

interface Listener {
  endpoint: string;
  tls?: ServerTls;
  auth?: AuthSetting;
}

async function serve(id: string, name: string, l: Listener, env: BuildEnv, register: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const addr = listenAddressOf(l.endpoint);
  const app = createHttpServer({ name: `otelcol-${id}`, listenAddress: addr, logger: env.logger, registry: env.telemetry.registry, tls: receiverWebConfig(l.tls) });
  requireAuth(app, resolveAuthenticator(env, l.auth));
  register(app);
  env.ports[`otelcol_${id.replace(/[^a-zA-Z0-9]/g, '_')}${name}`] = await listen(app, addr);
  return app;
}

const zipkinSchema = z.strictObject({ endpoint: z.string().default('localhost:9411'), parse_string_tags: z.boolean().default(false), tls: serverTlsSchema.optional(), auth: authSchema.optional() });

/** `zipkin`: Zipkin v2 JSON spans at `POST /api/v2/spans` (Sightline's Zipkin adapter), into the traces pipelines. */
export const zipkinReceiverFactory: ReceiverFactory<typeof zipkinSchema> = {
  type: 'zipkin',
  signals: ['traces'],
  schema: zipkinSchema,
  create(id, cfg, next, env) {
    let app: FastifyInstance | undefined;
    return {
      async start() {
        const store = pipelineAsTraces(id, 'http', next.traces, env);
        app = await serve(id, '', cfg, env, (a) => registerZipkinRoutes(a, { store, tenancy: { multiTenant: false, defaultTenant: 'anonymous' } }));
      },
      async shutdown() {
        await app?.close();
      },
    };
  },
};

const endpointOf = (fallback: string) => z.strictObject({ endpoint: z.string().default(fallback), tls: serverTlsSchema.optional(), auth: authSchema.optional() }).nullable().optional();

const jaegerSchema = z.strictObject({
  protocols: z
    .strictObject({
      thrift_http: endpointOf('localhost:14268'),
      grpc: endpointOf('localhost:14250'),
      thrift_compact: z.unknown().optional(),
      thrift_binary: z.unknown().optional(),
    })
    .superRefine((p, ctx) => {
      for (const k of ['thrift_compact', 'thrift_binary'] as const)
        if (p[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `the jaeger receiver's ${k} protocol is not supported (supported: grpc, thrift_http)` });
      if (p.thrift_http === undefined && p.grpc === undefined) ctx.addIssue({ code: 'custom', message: 'must specify at least one protocol when using the Jaeger receiver' });
    }),
});

const identity = (b: Buffer) => b;

/** `jaeger.api_v2.CollectorService/PostSpans` (the Jaeger collector's gRPC port, 14250) handing spans to `store`. */
async function serveJaegerGrpc(l: Listener, store: TracesConsumer, env: BuildEnv): Promise<{ server: Server; port: number }> {
  const auth = resolveAuthenticator(env, l.auth);
  const server = new Server();
  const method = { path: '/jaeger.api_v2.CollectorService/PostSpans', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity, originalName: 'postSpans' };
  server.addService(
    { PostSpans: method },
    {
      PostSpans: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
        void (async () => {
          try {
            if (auth && !(await auth.authenticate(call.metadata.getMap() as Record<string, string>))) {
              cb({ code: GrpcStatus.UNAUTHENTICATED, details: 'Unauthorized' });
              return;
            }
            await store.pushTraces('anonymous', { resourceSpans: jaegerPostSpansToOtlp(call.request) });
            cb(null, Buffer.alloc(0)); // PostSpansResponse {}
          } catch (e) {
            if (e instanceof JaegerProtoDecodeError) cb({ code: GrpcStatus.INVALID_ARGUMENT, details: e.message });
            else if (e instanceof HttpError) cb({ code: grpcCodeOf(e.status), details: e.message });
            else cb({ code: GrpcStatus.INTERNAL, details: (e as Error).message });
          }
        })();
      },
    },
  );
  const { host, port } = splitHostPort(listenAddressOf(l.endpoint));
  const bound = await new Promise<number>((res, rej) => server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, receiverGrpcCredentials(receiverWebConfig(l.tls)), (err, p) => (err ? rej(err) : res(p))));
  return { server, port: bound };
}

/**
 * `jaeger`: Jaeger Thrift over HTTP at `POST /api/traces` (Sightline's Jaeger adapter) and `jaeger.api_v2` protobuf
 * over gRPC (`CollectorService/PostSpans`), into the traces pipelines.
 */
export const jaegerReceiverFactory: ReceiverFactory<typeof jaegerSchema> = {
  type: 'jaeger',
  signals: ['traces'],
  schema: jaegerSchema,
  create(id, cfg, next, env) {
    let app: FastifyInstance | undefined;
    let grpc: { server: Server; port: number } | undefined;
    return {
      async start() {
        const { thrift_http: thrift, grpc: g } = cfg.protocols;
        if (g !== undefined) {
          grpc = await serveJaegerGrpc(g ?? { endpoint: 'localhost:14250' }, pipelineAsTraces(id, 'grpc', next.traces, env), env);
          env.ports[`otelcol_${id.replace(/[^a-zA-Z0-9]/g, '_')}_grpc`] = grpc.port;
        }
        if (thrift !== undefined) {
          const store = pipelineAsTraces(id, 'thrift_http', next.traces, env);
          try {
            app = await serve(id, '_thrift_http', thrift ?? { endpoint: 'localhost:14268' }, env, (a) => registerJaegerRoutes(a, { store, tenancy: { multiTenant: false, defaultTenant: 'anonymous' } }));
          } catch (e) {
            grpc?.server.forceShutdown();
            throw e;
          }
        }
      },
      async shutdown() {
        if (grpc) await new Promise<void>((res) => grpc!.server.tryShutdown(() => res()));
        await app?.close();
      },
    };
  },
};
