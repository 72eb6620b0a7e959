import { existsSync } from 'node:fs';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../src/storage/index.js';
import { tempDir } from './helpers/process.js';
import { runTraceDurability } from './helpers/traces-durability.js';

// The Tempo role with `traces.storage.backend: s3`: blocks go to an S3-compatible server (s3rver on loopback)
// through the AWS SDK, and after the whole local data directory is removed, traces come back from the bucket.

let s3: S3rver;
let endpoint = '';

beforeAll(async () => {
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: tempDir('traces-s3-'), configureBuckets: [{ name: 'tempo' }] });
  endpoint = `127.0.0.1:${(await s3.run()).port}`;
});

afterAll(async () => {
  await s3?.close();
});

describe('trace durability (S3 storage)', () => {
  it('keeps every acknowledged span across kill -9, and serves traces from the bucket after the local data is gone', async () => {
    const dir = tempDir('sightline-traces-s3-');
    const s3cfg = { endpoint, bucket: 'tempo', region: 'us-east-1', access_key_id: 'S3RVER', secret_access_key: 'S3RVER', insecure: true, list_objects_version: 'v1' as const };
    const bucket = new S3ObjectStore(s3cfg);
    try {
      await runTraceDurability({
        dir,
        storageYaml: `  storage:\n    backend: s3\n    s3: ${JSON.stringify({ ...s3cfg, region: undefined })}`,
        bucket,
        // Nothing of the role is left on local disk: blocks come from S3 alone.
        wipe: ['data'],
        afterFlush: () => expect(existsSync(join(dir, 'data', 'objects', 'tempo-traces'))).toBe(false),
      });
    } finally {
      bucket.close();
    }
  }, 120_000);
});
