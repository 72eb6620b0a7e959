import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { ObjectReader } from './object-store.js';

/**
 * Reads of at most this many bytes are one `pread` on the calling thread; larger ones go through libuv's thread
 * pool. A small range of a local file is in the page cache when it was written or read lately (a few microseconds);
 * a round trip through the pool costs two thread wake-ups, which on a loaded machine, or while a block write or a
 * compaction keeps the pool and the disk busy, take milliseconds each.
 */
export const SYNC_READ_MAX_BYTES = 64 * 1024;

/**
 * A file kept open for range reads (`FilesystemObjectStore.openReader`). After `close`, reads go to `reread` (the
 * store's `getRange`: open, read, close), so a reader closed while a caller still holds it stays correct; its
 * descriptor is never used again (the number may already name another file).
 */
export class FileObjectReader implements ObjectReader {
  private closed = false;

  constructor(
    private readonly fh: FileHandle,
    private readonly reread: (offset: number, length: number) => Promise<Buffer>,
  ) {}

  read(offset: number, length: number): Promise<Buffer> {
    if (this.closed) return this.reread(offset, length);
    const buf = Buffer.allocUnsafe(length);
    if (length > SYNC_READ_MAX_BYTES) return this.fh.read(buf, 0, length, offset).then(({ bytesRead }) => buf.subarray(0, bytesRead));
    try {
      return Promise.resolve(buf.subarray(0, readSync(this.fh.fd, buf, 0, length, offset)));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  /** Close the file once reads in flight (the larger, pooled ones) are done. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return this.fh.close();
  }
}
