import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { countSpans, type ExportTraceServiceRequest, type TracesConsumer } from '../../otlp/index.js';
import { HttpError, createHttpServer, listen } from '../../server/index.js';
import { registerJaegerRoutes, registerZipkinRoutes } from '../../traces/index.js';
import type { BuildEnv, ReceiverFactory } from '../components.js';
import { retryableError, type Consumer } from '../pipeline/consumer.js';
import { listenAddressOf } from './otlp-receiver.js';

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

async function serve(id: string, name: string, endpoint: string, env: BuildEnv, register: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const addr = listenAddressOf(endpoint);
  const app = createHttpServer({ name: `otelcol-${id}`, listenAddress: addr, logger: env.logger, registry: env.telemetry.registry });
  register(app);
  env.ports[`otelcol_${id.replace(/[^a-zA-Z0-9]/g, '_')}${name}`] = await listen(app, addr);
  return app;
}

const zipkinSchema = z.strictObject({ endpoint: z.string().default('localhost:9411'), parse_string_tags: z.boolean().default(false), tls: z.looseObject({}).optional() });

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
        app = await serve(id, '', cfg.endpoint, env, (a) => registerZipkinRoutes(a, { store, tenancy: { multiTenant: false, defaultTenant: 'anonymous' } }));
      },
      async shutdown() {
        await app?.close();
      },
    };
  },
};

const jaegerSchema = z.strictObject({
  protocols: z
    .strictObject({
      thrift_http: z.strictObject({ endpoint: z.string().default('localhost:14268') }).nullable().optional(),
      grpc: z.unknown().optional(),
      thrift_compact: z.unknown().optional(),
      thrift_binary: z.unknown().optional(),
    })
    .superRefine((p, ctx) => {
      for (const k of ['grpc', 'thrift_compact', 'thrift_binary'] as const)
        if (p[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `the jaeger receiver's ${k} protocol is not supported (supported: thrift_http)` });
      if (p.thrift_http === undefined) ctx.addIssue({ code: 'custom', message: 'must specify at least one protocol when using the Jaeger receiver' });
    }),
});

/** `jaeger`: Jaeger Thrift over HTTP at `POST /api/traces` (Sightline's Jaeger adapter), into the traces pipelines. */
export const jaegerReceiverFactory: ReceiverFactory<typeof jaegerSchema> = {
  type: 'jaeger',
  signals: ['traces'],
  schema: jaegerSchema,
  create(id, cfg, next, env) {
    let app: FastifyInstance | undefined;
    return {
      async start() {
        const store = pipelineAsTraces(id, 'thrift_http', next.traces, env);
        app = await serve(id, '_thrift_http', cfg.protocols.thrift_http?.endpoint ?? 'localhost:14268', env, (a) => registerJaegerRoutes(a, { store, tenancy: { multiTenant: false, defaultTenant: 'anonymous' } }));
      },
      async shutdown() {
        await app?.close();
      },
    };
  },
};
