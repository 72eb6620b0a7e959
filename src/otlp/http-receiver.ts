import { DecompressedTooLargeError, UnsupportedEncodingError, decompressBody } from '../lib/decompress/index.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../server/index.js';
import {
  OtlpDecodeError,
  decodeOrReject,
  decodeLogsRequest,
  decodeMetricsRequest,
  decodeTracesRequest,
  encodeExportResponse,
  encodeRpcStatus,
  exportResponseObject,
  logsRequestFromJson,
  metricsRequestFromJson,
  tracesRequestFromJson,
  type Signal,
} from './proto/codec.js';
import type { ExportRequest } from './export-handler.js';
import type { PushOutcome } from './sinks.js';

/** gRPC status codes used in OTLP/HTTP error bodies (google.rpc.Status.code). */
export const GRPC_CODE = { OK: 0, INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

export function grpcCodeOf(status: number): number {
  if (status === 429) return GRPC_CODE.RESOURCE_EXHAUSTED;
  if (status === 503) return GRPC_CODE.UNAVAILABLE;
  if (status === 401) return GRPC_CODE.UNAUTHENTICATED;
  if (status >= 400 && status < 500) return GRPC_CODE.INVALID_ARGUMENT;
  return GRPC_CODE.INTERNAL;
}

type Encoding = 'protobuf' | 'json';

/** Decode an OTLP/HTTP body (protobuf or JSON) of a signal. Throws `OtlpDecodeError` for bad input. */
export function decodeHttpExport(signal: Signal, body: Buffer, enc: Encoding): ExportRequest {
  if (enc === 'protobuf') {
    if (signal === 'traces') return { signal, req: decodeTracesRequest(body) };
    if (signal === 'metrics') return { signal, req: decodeMetricsRequest(body) };
    return { signal, req: decodeLogsRequest(body) };
  }
  if (signal === 'traces') return { signal, req: tracesRequestFromJson(body) };
  if (signal === 'metrics') return { signal, req: metricsRequestFromJson(body) };
  return { signal, req: logsRequestFromJson(body) };
}

export interface HttpReceiverOptions {
  /** Resolve the tenant of a request for a signal (throws HttpError 401/400). */
  tenant(signal: Signal, headers: FastifyRequest['headers']): string;
  handle(e: ExportRequest, tenant: string): Promise<PushOutcome>;
  /** Largest body after decompression (the Collector's `max_request_body_size`); default 100 MiB. */
  maxDecompressedSize?: number;
}

const DEFAULT_MAX_DECOMPRESSED = 100 << 20;

/**
 * OTLP/HTTP (https://opentelemetry.io/docs/specs/otlp/#otlphttp): POST `/v1/traces`, `/v1/metrics`, `/v1/logs` with
 * `application/x-protobuf` or `application/json`, optionally gzip-compressed. Success answers 200 with the Export
 * response in the request's encoding (partial success included); failures answer 400 (not retryable), 429 / 503
 * (retryable, with Retry-After) with a google.rpc.Status body.
 */
export async function registerOtlpHttpRoutes(app: FastifyInstance, opts: HttpReceiverOptions): Promise<void> {
  await app.register(async (inst) => {
    inst.removeAllContentTypeParsers();
    inst.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      inst.post(`/v1/${signal}`, (req, reply) => handle(signal, req, reply, opts));
    }
  });
}

function sendStatus(reply: FastifyReply, enc: Encoding, status: number, message: string): FastifyReply {
  const code = grpcCodeOf(status);
  if (status === 429 || status === 503) reply.header('retry-after', '1');
  if (enc === 'json') return reply.code(status).type('application/json').send(JSON.stringify({ code, message }));
  return reply.code(status).type('application/x-protobuf').send(Buffer.from(encodeRpcStatus(code, message)));
}

async function handle(signal: Signal, req: FastifyRequest, reply: FastifyReply, opts: HttpReceiverOptions): Promise<FastifyReply> {
  const ctype = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  let enc: Encoding;
  if (ctype === 'application/x-protobuf' || ctype === 'application/protobuf') enc = 'protobuf';
  else if (ctype === 'application/json') enc = 'json';
  else {
    return reply
      .code(415)
      .type('text/plain')
      .send(`${ctype === '' ? 'missing' : 'unsupported'} content type ${JSON.stringify(ctype)}, supported: [application/json, application/x-protobuf]`);
  }
  try {
    let body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const ce = String(req.headers['content-encoding'] ?? '').toLowerCase();
    try {
      body = await decompressBody(body, ce, opts.maxDecompressedSize ?? DEFAULT_MAX_DECOMPRESSED);
    } catch (e) {
      if (e instanceof DecompressedTooLargeError) throw new HttpError(413, 'bad_data', `http: request body too large (limit ${e.limit} bytes after decompression)`);
      if (e instanceof UnsupportedEncodingError) throw new HttpError(400, 'bad_data', `unsupported Content-Encoding ${JSON.stringify(ce)}`);
      throw new HttpError(400, 'bad_data', `failed to decompress ${ce} body: ${(e as Error).message}`);
    }
    const tenant = opts.tenant(signal, req.headers);
    const decoded = decodeOrReject(() => decodeHttpExport(signal, body, enc));
    const out = await opts.handle(decoded, tenant);
    if (enc === 'json') return reply.code(200).type('application/json').send(JSON.stringify(exportResponseObject(signal, out.rejected, out.message)));
    return reply.code(200).type('application/x-protobuf').send(Buffer.from(encodeExportResponse(signal, out.rejected, out.message)));
  } catch (e) {
    if (e instanceof OtlpDecodeError) return sendStatus(reply, enc, 400, e.message);
    if (e instanceof HttpError) return sendStatus(reply, enc, e.status, e.message);
    req.log.error({ err: e }, 'OTLP export failed');
    return sendStatus(reply, enc, 500, 'internal error while storing the export');
  }
}
