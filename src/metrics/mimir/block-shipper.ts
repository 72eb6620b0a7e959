import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { ObjectStore } from '../../storage/index.js';
import type { BlockMeta } from '../tsdb/index.js';

/** Object keys of a tenant's blocks: `<tenant>/<ULID>/{meta.json,index,chunks/000001,...}`. */
export const META_FILE = 'meta.json';
export const DELETION_MARK = 'deletion-mark.json';

export function blockPrefix(tenant: string, ulid: string): string {
  return `${tenant}/${ulid}/`;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
  }
  return out.sort();
}

/**
 * Upload one block directory to `<tenant>/<ULID>/`: every file but `meta.json` first, `meta.json` last — a reader
 * treats a block as present only when its `meta.json` is, so it never sees a half-uploaded block.
 * Returns the bytes uploaded.
 */
export async function uploadBlock(store: ObjectStore, tenant: string, dir: string, meta: BlockMeta): Promise<number> {
  const prefix = blockPrefix(tenant, meta.ulid);
  let bytes = 0;
  for (const rel of filesUnder(dir)) {
    if (rel === META_FILE) continue;
    const data = readFileSync(join(dir, rel));
    await store.put(prefix + rel, data);
    bytes += data.length;
  }
  const m = Buffer.from(JSON.stringify(meta, null, 2));
  await store.put(prefix + META_FILE, m);
  return bytes + m.length;
}

/**
 * Delete a block from the bucket: a deletion mark first (readers skip marked blocks), then the files, `meta.json`
 * before the rest so an interrupted deletion leaves an invisible, re-deletable block, the mark last.
 */
export async function deleteBlock(store: ObjectStore, tenant: string, ulid: string): Promise<void> {
  const prefix = blockPrefix(tenant, ulid);
  await store.put(prefix + DELETION_MARK, Buffer.from(JSON.stringify({ id: ulid, deletion_time: Math.floor(Date.now() / 1000), version: 1 })));
  await store.delete(prefix + META_FILE);
  for (const key of await store.list(prefix)) if (!key.endsWith('/' + DELETION_MARK)) await store.delete(key);
  await store.delete(prefix + DELETION_MARK);
}
