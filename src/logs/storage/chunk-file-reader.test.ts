import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/process.js';
import { FilesystemObjectStore, ObjectNotFoundError } from '../../storage/index.js';
import { ChunkFileReader } from './chunk-file-reader.js';

describe('ChunkFileReader', () => {
  it('reads a filesystem store\'s objects whole, small and larger in turn, into one reused buffer', async () => {
    const s = new FilesystemObjectStore(tempDir());
    const objects = [randomBytes(10), randomBytes(300_000), randomBytes(5), Buffer.alloc(0), randomBytes(1_000_000)];
    for (const [i, o] of objects.entries()) await s.put(`c/${i}`, o);
    const r = new ChunkFileReader();
    for (const [i, o] of objects.entries()) {
      const got = r.read(s.localPath(`c/${i}`), `c/${i}`);
      expect(got.equals(o), String(i)).toBe(true);
      expect(got.equals(await s.get(`c/${i}`))).toBe(true);
    }
    // The 5-byte object after the 300 kB one shares its buffer.
    expect(r.read(s.localPath('c/2'), 'c/2').buffer).toBe(r.read(s.localPath('c/0'), 'c/0').buffer);
  });

  it('a missing chunk: the object store\'s not-found message', async () => {
    const s = new FilesystemObjectStore(tempDir());
    const r = new ChunkFileReader();
    expect(() => r.read(s.localPath('gone/x'), 'gone/x')).toThrow(new ObjectNotFoundError('gone/x').message);
    expect(() => s.localPath('../x')).toThrow(/invalid object key/);
  });
});
