import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/process.js';
import { ObjectNotFoundError } from './object-store.js';
import { S3ObjectStore } from './s3-store.js';

// A real S3-compatible server (s3rver) on loopback, reached through the real AWS SDK.
describe('S3ObjectStore against s3rver', () => {
  let server: S3rver;
  let endpoint = '';

  beforeAll(async () => {
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: tempDir('s3rver-'), configureBuckets: [{ name: 'blocks' }] });
    const addr = await server.run();
    endpoint = `127.0.0.1:${addr.port}`;
  });
  afterAll(async () => {
    await server.close();
  });

  const store = (extra: Partial<ConstructorParameters<typeof S3ObjectStore>[0]> = {}) =>
    new S3ObjectStore({ endpoint, bucket: 'blocks', region: 'us-east-1', access_key_id: 'S3RVER', secret_access_key: 'S3RVER', insecure: true, ...extra });

  it('puts, gets, range-gets, lists and deletes (same behaviour as the filesystem store)', async () => {
    const s = store();
    await s.put('tenant/blocks/01/meta.json', Buffer.from('{"a":1}'));
    await s.put('tenant/blocks/02/chunks', Buffer.from('0123456789'));
    await s.put('other/x', Buffer.from('x'));
    expect((await s.get('tenant/blocks/01/meta.json')).toString()).toBe('{"a":1}');
    expect((await s.getRange('tenant/blocks/02/chunks', 3, 4)).toString()).toBe('3456');
    expect((await s.getRange('tenant/blocks/02/chunks', 8, 10)).toString()).toBe('89');
    const reader = await s.openReader('tenant/blocks/02/chunks');
    expect((await reader.read(2, 3)).toString()).toBe('234');
    await reader.close();
    expect(await s.list('tenant/')).toEqual(['tenant/blocks/01/meta.json', 'tenant/blocks/02/chunks']);
    expect(await s.size('tenant/blocks/02/chunks')).toBe(10);
    expect(await s.exists('tenant/blocks/01/meta.json')).toBe(true);
    await s.delete('tenant/blocks/01/meta.json');
    expect(await s.exists('tenant/blocks/01/meta.json')).toBe(false);
    await expect(s.get('tenant/blocks/01/meta.json')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(s.getRange('tenant/blocks/01/meta.json', 0, 1)).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(s.size('nope')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(s.get('../etc/passwd')).rejects.toThrow(/invalid object key/);
    s.close();
  });

  // s3rver's ListObjectsV2 continuation tokens use DES, which Node 20's OpenSSL refuses; paging is exercised with
  // ListObjects v1 markers here (the v2 loop is the same shape, following NextContinuationToken).
  it('lists across pages and keeps a key prefix inside the bucket', async () => {
    const s = store({ prefix: 'pfx', list_page_size: 3, list_objects_version: 'v1' });
    const keys = Array.from({ length: 10 }, (_, i) => `t1/obj-${String(i).padStart(2, '0')}`);
    for (const k of keys) await s.put(k, Buffer.from(k));
    expect(await s.list('t1/')).toEqual(keys);
    // The raw bucket has them under the prefix.
    const raw = store({ list_page_size: 4, list_objects_version: 'v1' });
    expect((await raw.list('pfx/t1/')).length).toBe(10);
    expect((await raw.get('pfx/t1/obj-03')).toString()).toBe('t1/obj-03');
    s.close();
    raw.close();
  });

  it('fails on a bucket that does not exist with an error that is not "not found" for the object', async () => {
    const s = store({ bucket: 'missing-bucket' });
    await expect(s.put('a', Buffer.from('a'))).rejects.toThrow(/bucket/i);
    s.close();
  });
});
