export { ProgressFile, comparePositions, loadProgress, type SenderProgress } from './read-position-file.js';
export { queueConfigSchema, remoteWriteConfigSchema, type QueueConfig, type RemoteWriteConfig } from './remote-write-config.js';
export { RemoteWriteSender, remoteName, type RemoteWriteSenderDeps } from './remote-write-sender.js';
export { senderMetrics, type SenderMetrics } from './sender-metrics.js';
