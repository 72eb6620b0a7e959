import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/process.js';
import { FilesystemObjectStore } from './filesystem-store.js';
import { SYNC_READ_MAX_BYTES } from './file-object-reader.js';
import { ObjectNotFoundError } from './object-store.js';

describe('FilesystemObjectStore', () => {
  it('puts, gets, range-gets, lists and deletes', async () => {
    const s = new FilesystemObjectStore(tempDir());
    await s.put('tenant/blocks/01/meta.json', Buffer.from('{"a":1}'));
    await s.put('tenant/blocks/02/chunks', Buffer.from('0123456789'));
    await s.put('other/x', Buffer.from('x'));
    expect((await s.get('tenant/blocks/01/meta.json')).toString()).toBe('{"a":1}');
    expect((await s.getRange('tenant/blocks/02/chunks', 3, 4)).toString()).toBe('3456');
    expect(await s.list('tenant/')).toEqual(['tenant/blocks/01/meta.json', 'tenant/blocks/02/chunks']);
    expect(await s.size('tenant/blocks/02/chunks')).toBe(10);
    await s.delete('tenant/blocks/01/meta.json');
    expect(await s.exists('tenant/blocks/01/meta.json')).toBe(false);
    await expect(s.get('tenant/blocks/01/meta.json')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(s.get('../etc/passwd')).rejects.toThrow(/invalid object key/);
  });

  it('keeps an object open for range reads, small ones without the thread pool, and reads it anew once closed', async () => {
    const s = new FilesystemObjectStore(tempDir());
    const big = Buffer.alloc(3 * SYNC_READ_MAX_BYTES);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    await s.put('b/data', big);
    const r = await s.openReader('b/data');
    // A small read is done when `read` returns: its bytes are there before any callback could have run.
    let small: Buffer | undefined;
    void r.read(10, 100).then((b) => (small = b));
    await Promise.resolve();
    expect(small).toEqual(big.subarray(10, 110));
    // A large one goes through the pool; past the end is cut short, as getRange does.
    expect(await r.read(5, 2 * SYNC_READ_MAX_BYTES)).toEqual(big.subarray(5, 5 + 2 * SYNC_READ_MAX_BYTES));
    expect(await r.read(big.length - 4, 16)).toEqual(big.subarray(big.length - 4));
    // Closed (e.g. the block was evicted while a lookup still held the reader): reads open the file again.
    await r.close();
    expect(await r.read(1000, 50)).toEqual(big.subarray(1000, 1050));
    await expect(s.openReader('b/none')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });
});
