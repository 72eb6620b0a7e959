export { FilesystemObjectStore } from './object/filesystem-store.js';
export { ObjectNotFoundError, type ObjectReader, type ObjectStore } from './object/object-store.js';
export * from './wal/index.js';
export { S3ObjectStore, type S3ObjectStoreConfig } from './object/s3-store.js';
export { closeObjectStore, openObjectStore } from './object/open-object-store.js';
export { DirLockedError, lockDir } from './dir-lock.js';
