export { PROTO_V1, PROTO_V2, negotiateProtocol } from './content-negotiation.js';
export { receiverMetrics, type ReceiverMetrics } from './receiver-metrics.js';
export { registerRemoteWriteReceiver, type ReceiverRouteOptions } from './register-receiver.js';
export { RemoteWriteIngester, type PushResult, type RemoteWriteDeps } from './remote-write-ingester.js';
export { TenantMetadata } from './tenant-metadata.js';
