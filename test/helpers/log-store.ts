import { join } from 'node:path';
import { LogStore } from '../../src/logs/index.js';
import { FilesystemObjectStore } from '../../src/storage/index.js';
import { tempDir } from './process.js';

/**
 * A log store in a fresh temporary directory, as the LogQL tests read it: WAL and filesystem chunks, one-day index
 * periods, a one-hour out-of-order window and blocks cut at `chunkTargetSize`.
 */
export function openTestLogStore(dirPrefix: string, chunkTargetSize: number): Promise<LogStore> {
  const dir = tempDir(dirPrefix);
  return LogStore.open({
    walDir: join(dir, 'wal'),
    objects: new FilesystemObjectStore(join(dir, 'objects')),
    prefix: 'loki-data',
    chunkTargetSize,
    fsyncIntervalMs: 1000,
    indexPeriodMs: 24 * 3600_000,
    outOfOrderWindowNs: BigInt(3600_000) * 1_000_000n,
  });
}
