import { resolve } from 'node:path';
import type { ObjectStorageConfig } from '../../config/index.js';
import { FilesystemObjectStore } from './filesystem-store.js';
import type { ObjectStore } from './object-store.js';
import { S3ObjectStore } from './s3-store.js';

/**
 * The bucket a pillar's `storage` section names: an S3-compatible store, or a directory (the section's
 * `filesystem.dir`, else `defaultDir`). Call `closeObjectStore` when done.
 */
export function openObjectStore(cfg: ObjectStorageConfig, defaultDir: string): ObjectStore {
  if (cfg.backend === 's3' && cfg.s3) return new S3ObjectStore({ ...cfg.s3 });
  return new FilesystemObjectStore(resolve(cfg.filesystem.dir ?? defaultDir));
}

/** Release the store's connections (S3 keeps a socket pool). */
export function closeObjectStore(store: ObjectStore): void {
  if (store instanceof S3ObjectStore) store.close();
}
