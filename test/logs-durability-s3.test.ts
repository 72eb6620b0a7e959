import { existsSync } from 'node:fs';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../src/storage/index.js';
import { runLogsDurability } from './helpers/logs-durability.js';
import { tempDir } from './helpers/process.js';

// The Loki role with `logs.storage.backend: s3`: chunks and index files go to an S3-compatible server (s3rver on
// loopback) through the AWS SDK, and after the whole local data directory is removed, every acknowledged line comes
// back from the bucket.

let s3: S3rver;
let endpoint = '';

beforeAll(async () => {
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: tempDir('logs-s3-'), configureBuckets: [{ name: 'loki' }] });
  endpoint = `127.0.0.1:${(await s3.run()).port}`;
});

afterAll(async () => {
  await s3?.close();
});

describe('logs durability (S3 storage)', () => {
  it('keeps every acknowledged line across kill -9, and serves them from the bucket after the local data is gone', async () => {
    const dir = tempDir('sightline-logs-s3-');
    const s3cfg = { endpoint, bucket: 'loki', region: 'us-east-1', access_key_id: 'S3RVER', secret_access_key: 'S3RVER', insecure: true, list_objects_version: 'v1' as const };
    const bucket = new S3ObjectStore(s3cfg);
    try {
      await runLogsDurability({
        dir,
        storageYaml: `  storage:\n    backend: s3\n    s3: ${JSON.stringify(s3cfg)}`,
        bucket,
        // Nothing of the role is left on local disk: chunks and index come from S3 alone.
        wipe: ['data'],
        afterFlush: () => expect(existsSync(join(dir, 'data', 'objects'))).toBe(false),
      });
    } finally {
      bucket.close();
    }
  }, 120_000);
});
