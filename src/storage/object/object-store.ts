/**
 * The one object-storage interface: everything that persists long-term (metric blocks, log chunks and indexes,
 * trace blocks) goes through it. Implementations: the filesystem (default) and S3-compatible stores.
 * Keys are `/`-separated paths without a leading slash.
 */
export interface ObjectStore {
  get(key: string): Promise<Buffer>;
  /** Bytes [offset, offset + length). */
  getRange(key: string, offset: number, length: number): Promise<Buffer>;
  /**
   * The object kept open for many range reads (a trace block's data object, read one trace at a time): what opening
   * it costs is paid once, not per read. Throws `ObjectNotFoundError` when there is no such object.
   */
  openReader(key: string): Promise<ObjectReader>;
  put(key: string, data: Buffer | Uint8Array): Promise<void>;
  /** Keys under `prefix`, recursively, sorted. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Object size in bytes. */
  size(key: string): Promise<number>;
  /**
   * The local file holding an object, for stores whose objects are files on this machine (the filesystem store):
   * another thread may then read it itself (a LogQL query worker reads chunk files so). Absent for remote stores (S3).
   */
  localPath?(key: string): string;
}

/** An object opened for range reads (`ObjectStore.openReader`). */
export interface ObjectReader {
  /** Bytes [offset, offset + length), as `getRange`. After `close` the object is read anew (as `getRange` does). */
  read(offset: number, length: number): Promise<Buffer>;
  /** Release what it holds (a file descriptor); reads still in flight finish first. */
  close(): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
    this.name = 'ObjectNotFoundError';
  }
}
