import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Stored chunks read from their files (a filesystem object store's, `ObjectStore.localPath`) synchronously into one
 * buffer that the next read reuses — for a query worker, where a synchronous read blocks only that thread's query
 * (never the ingest event loop). One open, fstat, read and close, against the store's `get` on the main thread: four
 * libuv round trips, the promise machinery, a new buffer per chunk and a copy of it for the worker.
 * (Here rather than in src/storage: a worker importing that module would load the S3 client.)
 */
export class ChunkFileReader {
  private buf = Buffer.allocUnsafeSlow(0);

  /**
   * The chunk in file `path` (its object key `key`, for the not-found error, the object store's message): a view of
   * this reader's buffer, valid until the next read.
   */
  read(path: string, key: string): Buffer {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw (e as NodeJS.ErrnoException).code === 'ENOENT' ? new Error(`object not found: ${key}`) : e;
    }
    try {
      const size = fstatSync(fd).size;
      if (this.buf.length < size) this.buf = Buffer.allocUnsafeSlow(Math.max(size, Math.min(this.buf.length * 2, 64 << 20)));
      let n = 0;
      while (n < size) {
        const r = readSync(fd, this.buf, n, size - n, n);
        if (r === 0) break;
        n += r;
      }
      return this.buf.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  }
}
