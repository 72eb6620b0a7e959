import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';

/** An S3-compatible bucket (AWS S3, MinIO, Ceph RGW, ...). */
export const s3StorageSchema = lazySchema(() => z.strictObject({
  endpoint: z.string().optional(),
  bucket: z.string(),
  region: z.string().default('us-east-1'),
  access_key_id: z.string().optional(),
  secret_access_key: z.string().optional(),
  /** Plain HTTP to the endpoint (MinIO on a private network). */
  insecure: z.boolean().default(false),
  /** Key prefix inside the bucket. */
  prefix: z.string().optional(),
  /** `v1` for stores without ListObjectsV2. */
  list_objects_version: z.enum(['v1', 'v2']).optional(),
}));

/**
 * Where a pillar keeps its blocks: one shape for every pillar that persists (`mimir.storage`, `logs.storage`,
 * `traces.storage`), as Mimir's `blocks_storage`, Loki's `storage_config` and Tempo's `storage.trace` choose a
 * backend.
 *
 * ```yaml
 * storage: { backend: s3, s3: { endpoint: minio:9000, bucket: blocks, secret_access_key: ${S3_SECRET}, insecure: true } }
 * ```
 */
export function objectStorageSchema(section: string) {
  return z
    .strictObject({
      backend: z.enum(['filesystem', 's3']).default('filesystem'),
      filesystem: z.strictObject({ dir: z.string().optional() }).prefault({}),
      s3: s3StorageSchema.optional(),
    })
    .prefault({})
    .refine((s) => s.backend !== 's3' || s.s3 !== undefined, { message: `backend s3 needs ${section}.storage.s3` });
}

export type ObjectStorageConfig = z.output<ReturnType<typeof objectStorageSchema>>;
