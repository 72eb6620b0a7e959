import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sightlineConfigSchema } from '../config/index.js';
import { FilesystemObjectStore, S3ObjectStore, closeObjectStore } from '../storage/index.js';
import { openTracesBucket } from './component.js';

describe('traces.storage', () => {
  it('defaults to the filesystem under <data-dir>/objects, shared with the other pillars', async () => {
    const cfg = sightlineConfigSchema.parse({});
    const store = openTracesBucket(cfg.traces.storage, '/tmp/sightline-data');
    expect(store).toBeInstanceOf(FilesystemObjectStore);
    expect(await store.list('tempo-traces/')).toEqual([]);
    expect(cfg.traces.bucket).toBe('tempo-traces');
    const dir = join('/tmp', 'elsewhere');
    expect(sightlineConfigSchema.parse({ traces: { storage: { filesystem: { dir } } } }).traces.storage.filesystem.dir).toBe(dir);
  });

  it('opens an S3 bucket for backend s3, and refuses s3 without its section or with unknown keys', () => {
    const cfg = sightlineConfigSchema.parse({ traces: { storage: { backend: 's3', s3: { endpoint: '127.0.0.1:9000', bucket: 'tempo', insecure: true } } } });
    const store = openTracesBucket(cfg.traces.storage, '/tmp/unused');
    expect(store).toBeInstanceOf(S3ObjectStore);
    closeObjectStore(store);
    const missing = sightlineConfigSchema.safeParse({ traces: { storage: { backend: 's3' } } });
    expect(missing.error?.issues.map((i) => i.message)).toContain('backend s3 needs traces.storage.s3');
    const unknown = sightlineConfigSchema.safeParse({ traces: { storage: { backend: 's3', s3: { bucket: 'b', bucket_name: 'x' } } } });
    expect(JSON.stringify(unknown.error?.issues)).toContain('"traces","storage","s3"');
  });
});
