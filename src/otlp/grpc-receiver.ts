import { Server, status as GrpcStatus, type ServerCredentials, type Metadata, type ServerUnaryCall, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { HttpError, authenticateGrpc, bindPrincipal, webConfigFor } from '../server/index.js';
import { splitHostPort } from '../config/index.js';
import { OtlpDecodeError, decodeOrReject, decodeLogsRequest, decodeMetricsRequest, decodeTracesRequest, encodeExportResponse, type Signal } from './proto/codec.js';
import type { ExportRequest } from './export-handler.js';
import { grpcServerCredentials } from './grpc-credentials.js';
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
  /** Whose web configuration applies (`webConfigFor`): `otlp` for the OTLP section's receiver (the default). */
  listener?: string;
  maxRecvMsgSize: number;
  logger: Logger;
  tenant(signal: Signal, metadata: Record<string, string | undefined>): string;
  handle(e: ExportRequest, tenant: string, client: ClientInfo): Promise<PushOutcome>;
  /** The listener's own credentials (a collector receiver's `tls`) instead of the process's web configuration. */
  credentials?: ServerCredentials;
  /** A further check of each call's metadata (a collector receiver's `auth`): false answers UNAUTHENTICATED. */
  authenticate?(metadata: Record<string, string | undefined>): Promise<boolean>;
  /**
   * Admission before the message is decoded (a collector's `memory_limiter`): given the message's size, undefined
   * refuses the call with UNAVAILABLE (`refusedMessage`), as the Collector's receiver answers a refusing limiter;
   * otherwise the returned function is called once the call is answered.
   */
  admit?(messageBytes: number): (() => void) | undefined;
  refusedMessage?: string;
}

/** Who sent a request: the peer's address (k8sattributes associates pods by it) and its metadata / headers. */
export interface ClientInfo {
  address: string;
  metadata: Record<string, string | string[] | undefined>;
}

/** The IP of a grpc-js peer string (`ipv4:10.0.0.1:5000`, `ipv6:[::1]:5000`, `10.0.0.1:5000`). */
export function peerAddress(peer: string): string {
  const p = peer.replace(/^ipv[46]:/, '');
  if (p.startsWith('[')) return p.slice(1, p.indexOf(']'));
  const i = p.lastIndexOf(':');
  return i < 0 ? p : p.slice(0, i);
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
  const listener = opts.listener ?? 'otlp';
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
            const md = metadataObject(call.metadata);
            const web = webConfigFor(listener);
            if ((web && !(await web.checkBasicAuth(md.authorization))) || (opts.authenticate && !(await opts.authenticate(md)))) {
              cb({ code: GrpcStatus.UNAUTHENTICATED, details: 'Unauthorized' });
              return;
            }
            const auth = authenticateGrpc(md.authorization, `${signal}:write`);
            if (auth.code) {
              cb({ code: auth.code === 'unauthenticated' ? GrpcStatus.UNAUTHENTICATED : GrpcStatus.PERMISSION_DENIED, details: auth.code === 'unauthenticated' ? 'no valid credentials' : `missing scope ${signal}:write` });
              return;
            }
            if (auth.principal) bindPrincipal(md, auth.principal);
            const tenant = opts.tenant(signal, md);
            const release = opts.admit ? opts.admit(call.request.length) : undefined;
            if (opts.admit && !release) {
              cb({ code: GrpcStatus.UNAVAILABLE, details: opts.refusedMessage ?? 'refused' });
              return;
            }
            try {
              const out = await opts.handle(decodeOrReject(() => decodeGrpc(signal, call.request)), tenant, { address: peerAddress(call.getPeer()), metadata: md });
              cb(null, Buffer.from(encodeExportResponse(signal, out.rejected, out.message)));
            } finally {
              release?.();
            }
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
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, opts.credentials ?? grpcServerCredentials(webConfigFor(listener)), (err, p) => (err ? rej(err) : res(p))),
  );
  return { server, port: bound };
}
