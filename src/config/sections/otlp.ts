import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { byteSize, durationMs, listenAddress } from '../zod-helpers.js';
import { listenerSecurityFields } from './web-config.js';

/** A next hop of the receivers when the store of a signal is not in this process. */
const forwardEndpoint = lazySchema(() => z.strictObject({
  /** The full URL: OTLP/HTTP `/v1/traces`, Loki `/loki/api/v1/push`, Prometheus remote write `/api/v1/write`. */
  url: z.url(),
  headers: z.record(z.string(), z.string()).default({}),
  timeout: durationMs.default(30_000),
  max_retries: z.number().int().nonnegative().default(5),
}));

/** The OTLP receivers (the Collector's `otlp` receiver): gRPC 4317, HTTP 4318. */
export const otlpSection = lazySchema(() => z.strictObject({
  grpc_listen_address: listenAddress.default('127.0.0.1:4317'),
  http_listen_address: listenAddress.default('127.0.0.1:4318'),
  ...listenerSecurityFields,
  /** Largest accepted request (gRPC message, or HTTP body before and after decompression). */
  max_recv_msg_size: byteSize.default(16 * 1024 * 1024),
  /** Require `X-Scope-OrgID` (HTTP header or gRPC metadata) on every export. */
  multitenancy_enabled: z.boolean().default(false),
  /**
   * Like the Collector's exporters: where a signal goes when its store does not run in this process (e.g.
   * `--target otlp` alone). A store in the process always wins; without either the signal is refused with 503.
   */
  exporters: z
    .strictObject({
      /** OTLP/HTTP protobuf to Tempo's distributor. */
      traces: forwardEndpoint.optional(),
      /** Prometheus remote write 1.0 to Mimir or Prometheus. */
      metrics: forwardEndpoint.optional(),
      /** Loki push (JSON, structured metadata). */
      logs: forwardEndpoint.optional(),
    })
    .prefault({}),
}));

export type OtlpConfig = z.output<typeof otlpSection>;
