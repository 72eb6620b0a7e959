import { Server, ServerCredentials, status as GrpcStatus, type Metadata, type ServerUnaryCall, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { HttpError, processWebConfigInForce } from '../server/index.js';
import { splitHostPort } from '../config/index.js';
import { OtlpDecodeError, decodeOrReject, decodeLogsRequest, decodeMetricsRequest, decodeTracesRequest, encodeExportResponse, type Signal } from './proto/codec.js';
import type { ExportRequest } from './export-handler.js';
import { grpcCodeOf } from './http-receiver.js';
import type { PushOutcome } from './sinks.js';

const SERVICE: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

const identity = (b: Buffer) => b;

export interface GrpcReceiverOptions {
  listenAddress: string;
  maxRecvMsgSize: number;
  logger: Logger;
  tenant(signal: Signal, metadata: Record<string, string | undefined>): string;
  handle(e: ExportRequest, tenant: string): Promise<PushOutcome>;
}

function decodeGrpc(signal: Signal, buf: Buffer): ExportRequest {
  if (signal === 'traces') return { signal, req: decodeTracesRequest(buf) };
  if (signal === 'metrics') return { signal, req: decodeMetricsRequest(buf) };
  return { signal, req: decodeLogsRequest(buf) };
}

function metadataObject(md: Metadata): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(md.getMap())) out[k.toLowerCase()] = typeof v === 'string' ? v : v.toString();
  return out;
}

/**
 * OTLP/gRPC: the three collector Export services on one server. Messages arrive as raw bytes (grpc-js handles gzip
 * message compression) and are decoded with the same codec as OTLP/HTTP. Bad input → INVALID_ARGUMENT; over limits →
 * RESOURCE_EXHAUSTED; no store → UNAVAILABLE.
 */
export async function startOtlpGrpcServer(opts: GrpcReceiverOptions): Promise<{ server: Server; port: number }> {
  const server = new Server({ 'grpc.max_receive_message_length': opts.maxRecvMsgSize });
  for (const signal of ['traces', 'metrics', 'logs'] as const) {
    const definition = {
      Export: {
        path: SERVICE[signal],
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
        originalName: 'export',
      },
    };
    const impl: UntypedServiceImplementation = {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
        void (async () => {
          try {
            const web = processWebConfigInForce();
            if (web && !(await web.checkBasicAuth(metadataObject(call.metadata).authorization))) {
              cb({ code: GrpcStatus.UNAUTHENTICATED, details: 'Unauthorized' });
              return;
            }
            const tenant = opts.tenant(signal, metadataObject(call.metadata));
            const out = await opts.handle(decodeOrReject(() => decodeGrpc(signal, call.request)), tenant);
            cb(null, Buffer.from(encodeExportResponse(signal, out.rejected, out.message)));
          } catch (e) {
            if (e instanceof OtlpDecodeError) cb({ code: GrpcStatus.INVALID_ARGUMENT, details: e.message });
            else if (e instanceof HttpError) cb({ code: grpcCodeOf(e.status), details: e.message });
            else {
              opts.logger.error({ err: e }, 'OTLP gRPC export failed');
              cb({ code: GrpcStatus.INTERNAL, details: 'internal error while storing the export' });
            }
          }
        })();
      },
    };
    server.addService(definition, impl);
  }
  const { host, port } = splitHostPort(opts.listenAddress);
  const bound = await new Promise<number>((res, rej) =>
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, grpcCredentials(), (err, p) => (err ? rej(err) : res(p))),
  );
  return { server, port: bound };
}

/** TLS (and mTLS) from the process's web configuration, plaintext without one. */
function grpcCredentials(): ServerCredentials {
  const tls = processWebConfigInForce()?.tlsMaterial();
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.ca ?? null, [{ private_key: tls.key, cert_chain: tls.cert }], tls.verifyClient);
}
