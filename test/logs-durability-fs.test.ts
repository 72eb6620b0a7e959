import { join } from 'node:path';
import { describe, it } from 'vitest';
import { FilesystemObjectStore } from '../src/storage/index.js';
import { runLogsDurability } from './helpers/logs-durability.js';
import { tempDir } from './helpers/process.js';

// The Loki role with `logs.storage.backend: filesystem` and a bucket directory of its own: the same scenario as on
// S3 (logs-durability-s3.test.ts).

describe('logs durability (filesystem storage)', () => {
  it('keeps every acknowledged line across kill -9, and serves them from the bucket directory after the data directory is gone', async () => {
    const dir = tempDir('sightline-logs-fs-');
    const bucketDir = join(dir, 'bucket');
    await runLogsDurability({
      dir,
      storageYaml: `  storage:\n    backend: filesystem\n    filesystem: { dir: ${JSON.stringify(bucketDir)} }`,
      bucket: new FilesystemObjectStore(bucketDir),
      wipe: ['data'],
    });
  }, 120_000);
});
