import type { Component, ComponentContext } from '../server/index.js';
import { DEFAULT_TENANT, createHttpServer, listen, resolveTenant } from '../server/index.js';
import type { Signal } from './proto/codec.js';
import { ReceiverMetrics, dispatchExport, type ExportRequest, type Transport } from './export-handler.js';
import { startOtlpGrpcServer } from './grpc-receiver.js';
import { registerOtlpHttpRoutes } from './http-receiver.js';
import type { OtlpSinks } from './sinks.js';
import type { ForwardEndpoint } from './forward/post-with-retry.js';
import { LokiPushForwarder } from './forward/loki-push-forwarder.js';
import { OtlpTracesForwarder } from './forward/otlp-traces-forwarder.js';
import { RemoteWriteTarget } from './forward/remote-write-target.js';

/** The tenant a signal lands in when multi-tenancy is off: Tempo's, Mimir's and Loki's defaults. */
const SIGNAL_TENANT: Record<Signal, string> = { traces: DEFAULT_TENANT.tempo, metrics: DEFAULT_TENANT.mimir, logs: DEFAULT_TENANT.loki };

/**
 * The OTLP receivers (the Collector's `otlp` receiver): gRPC on 4317 and HTTP on 4318, for traces, metrics and logs.
 * Decoded requests go to `sinks` (the stores of this process, passed by the caller), or, for a signal without a
 * sink, to the exporter configured under `otlp.exporters`; otherwise that signal is refused with 503.
 */
export async function startOtlp(ctx: ComponentContext, sinks: OtlpSinks = {}): Promise<Component> {
  const cfg = ctx.config.otlp;
  const metrics = new ReceiverMetrics(ctx.registry);
  const tenant = (signal: Signal, headers: Record<string, string | string[] | undefined>) =>
    resolveTenant(headers, { multiTenant: cfg.multitenancy_enabled, defaultTenant: SIGNAL_TENANT[signal] });
  const ep = (c: { url: string; headers: Record<string, string>; timeout: number; max_retries: number }): ForwardEndpoint => ({
    url: c.url,
    headers: c.headers,
    timeoutMs: c.timeout,
    maxRetries: c.max_retries,
  });
  const ex = cfg.exporters;
  const fwdTraces = ex.traces ? new OtlpTracesForwarder(ep(ex.traces)) : undefined;
  const fwdMetrics = ex.metrics ? new RemoteWriteTarget(ep(ex.metrics)) : undefined;
  const fwdLogs = ex.logs ? new LokiPushForwarder(ep(ex.logs)) : undefined;
  // Stores in this process first; configured exporters for the signals whose store runs elsewhere.
  // Multi-tenant metrics go to the tenant's store (or the forwarder, as the tenant); with none, they are refused
  // rather than mixed into the shared store.
  const tenantMetrics = async (tenantId: string) => {
    if (sinks.metricsForTenant) return sinks.metricsForTenant(tenantId);
    return fwdMetrics?.forTenant(tenantId);
  };
  const sinksFor = async (signal: Signal, tenantId: string): Promise<OtlpSinks> => ({
    traces: sinks.traces ?? fwdTraces,
    metrics: signal !== 'metrics' ? undefined : cfg.multitenancy_enabled ? await tenantMetrics(tenantId) : (sinks.metrics ?? fwdMetrics?.forTenant(tenantId)),
    logs: sinks.logs ?? fwdLogs,
  });
  const handle = (transport: Transport) => async (e: ExportRequest, t: string) => dispatchExport(e, t, await sinksFor(e.signal, t), metrics, transport);

  const grpc = await startOtlpGrpcServer({
    listenAddress: cfg.grpc_listen_address,
    maxRecvMsgSize: cfg.max_recv_msg_size,
    logger: ctx.logger.child({ component: 'otlp' }),
    tenant,
    handle: handle('grpc'),
  });
  const app = createHttpServer({ name: 'otlp', listenAddress: cfg.http_listen_address, logger: ctx.logger, registry: ctx.registry, bodyLimit: cfg.max_recv_msg_size });
  await registerOtlpHttpRoutes(app, { tenant, handle: handle('http'), maxDecompressedSize: cfg.max_recv_msg_size });
  let httpPort: number;
  try {
    httpPort = await listen(app, cfg.http_listen_address);
  } catch (e) {
    grpc.server.forceShutdown();
    throw e;
  }
  ctx.logger.info({ component: 'otlp', grpc: grpc.port, http: httpPort }, 'OTLP receivers listening');
  return {
    name: 'otlp',
    ports: { otlp_grpc: grpc.port, otlp_http: httpPort },
    async stop() {
      await new Promise<void>((res) => grpc.server.tryShutdown(() => res()));
      await app.close();
    },
  };
}
