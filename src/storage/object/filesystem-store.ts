import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { FileObjectReader } from './file-object-reader.js';
import { ObjectNotFoundError, type ObjectReader, type ObjectStore } from './object-store.js';

/** Objects as files under a root directory; writes go to a temp file and are renamed, so readers never see halves. */
export class FilesystemObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  /** The file an object is stored in (for a worker thread to read itself; the object may not exist). */
  localPath(key: string): string {
    return this.path(key);
  }

  private path(key: string): string {
    if (key.startsWith('/') || key.split('/').includes('..')) throw new Error(`invalid object key: ${key}`);
    return join(this.root, ...key.split('/'));
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.path(key));
    } catch (e) {
      throw notFound(e, key);
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    let fh;
    try {
      fh = await open(this.path(key), 'r');
    } catch (e) {
      throw notFound(e, key);
    }
    try {
      const buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  /** The file kept open: a small range is then one `pread` on this thread (see `SYNC_READ_MAX_BYTES`). */
  async openReader(key: string): Promise<ObjectReader> {
    try {
      return new FileObjectReader(await open(this.path(key), 'r'), (offset, length) => this.getRange(key, offset, length));
    } catch (e) {
      throw notFound(e, key);
    }
  }

  async put(key: string, data: Buffer | Uint8Array): Promise<void> {
    const p = this.path(key);
    await mkdir(dirname(p), { recursive: true });
    const tmp = `${p}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await writeFile(tmp, data, { flush: true });
    await rename(tmp, p);
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (!e.name.includes('.tmp-')) {
          const key = relative(this.root, full).split(sep).join('/');
          if (key.startsWith(prefix)) out.push(key);
        }
      }
    };
    // Walk from the deepest directory the prefix names.
    const slash = prefix.lastIndexOf('/');
    await walk(slash >= 0 ? this.path(prefix.slice(0, slash)) : this.root);
    return out.sort();
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async exists(key: string): Promise<boolean> {
    try {
      await stat(this.path(key));
      return true;
    } catch {
      return false;
    }
  }

  async size(key: string): Promise<number> {
    try {
      return (await stat(this.path(key))).size;
    } catch (e) {
      throw notFound(e, key);
    }
  }
}

function notFound(e: unknown, key: string): Error {
  return (e as NodeJS.ErrnoException).code === 'ENOENT' ? new ObjectNotFoundError(key) : (e as Error);
}
