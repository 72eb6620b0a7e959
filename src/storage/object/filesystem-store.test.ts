import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/process.js';
import { FilesystemObjectStore } from './filesystem-store.js';
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
});
