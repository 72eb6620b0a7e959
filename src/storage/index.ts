export { FilesystemObjectStore } from './object/filesystem-store.js';
export { ObjectNotFoundError, type ObjectStore } from './object/object-store.js';
export * from './wal/index.js';
