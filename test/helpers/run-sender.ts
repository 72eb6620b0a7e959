/**
 * TEST HELPER: runs one remote-write sender as its own process over a test WAL directory, so tests can kill it
 * (even with SIGKILL) and start it again.  node --import tsx test/helpers/run-sender.ts <dir> <url>
 */
import { join } from 'node:path';
import { RemoteWriteSender, remoteWriteConfigSchema } from '../../src/metrics/remote/sender/index.js';
import { createSelfMetricsRegistry } from '../../src/server/index.js';
import { WalMetricsReader } from './wal-metrics.js';

const [dir, url] = process.argv.slice(2);
const sender = new RemoteWriteSender({
  config: remoteWriteConfigSchema.parse({
    url,
    name: 'test',
    remote_timeout: '5s',
    queue_config: { max_samples_per_send: 50, batch_send_deadline: '200ms', min_backoff: '50ms', max_backoff: '400ms', max_shards: 4 },
  }),
  openReader: (from) => new WalMetricsReader(join(dir, 'wal'), from),
  positionFile: join(dir, 'remote-write', 'test.json'),
  registry: createSelfMetricsRegistry(),
  pollIntervalMs: 50,
}).start();
process.on('SIGTERM', () => void sender.stop().then(() => process.exit(0)));
process.stdout.write('sender started\n');
