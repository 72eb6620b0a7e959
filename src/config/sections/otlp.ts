import { z } from 'zod';
import { byteSize, listenAddress } from '../zod-helpers.js';

/** The OTLP receivers (the Collector's `otlp` receiver): gRPC 4317, HTTP 4318. */
export const otlpSection = z.strictObject({
  grpc_listen_address: listenAddress.default('127.0.0.1:4317'),
  http_listen_address: listenAddress.default('127.0.0.1:4318'),
  /** Largest accepted request (gRPC message or HTTP body, before decompression). */
  max_recv_msg_size: byteSize.default(16 * 1024 * 1024),
  /** Require `X-Scope-OrgID` (HTTP header or gRPC metadata) on every export. */
  multitenancy_enabled: z.boolean().default(false),
});

export type OtlpConfig = z.output<typeof otlpSection>;
