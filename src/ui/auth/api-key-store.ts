import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { sha256Hex } from './secret-box.js';

/** The CRC-32 (IEEE) of a string, as Grafana's service-account tokens carry it as a checksum suffix. */
function crc32Hex(s: string): string {
  let c = ~0;
  for (const b of Buffer.from(s)) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ((~c) >>> 0).toString(16).padStart(8, '0');
}

export interface ApiKeyInfo {
  id: number;
  name: string;
  userId: number;
  created: number;
  expiration: number;
  lastUsedAt: number;
}

/** Service-account tokens (`glsa_...`, Grafana's format). Only their SHA-256 is stored. */
export class ApiKeyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(userId: number, name: string, secondsToLive: number): Promise<{ id: number; key: string }> {
    const secret = randomBytes(24).toString('base64url').replace(/[-_]/g, 'x');
    const body = `glsa_${secret}`;
    const key = `${body}_${crc32Hex(body)}`;
    const now = Date.now();
    const row = await this.db
      .insertInto('api_keys')
      .values({ name, user_id: userId, key_hash: sha256Hex(key), created_at: now, expires_at: secondsToLive > 0 ? now + secondsToLive * 1000 : 0, last_used_at: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: row.id, key };
  }

  /** The user id a token authenticates, or undefined (unknown, expired, or the account disabled). */
  async lookup(key: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .innerJoin('users', 'users.id', 'api_keys.user_id')
      .select(['api_keys.id', 'api_keys.user_id', 'api_keys.expires_at', 'api_keys.last_used_at', 'users.disabled'])
      .where('api_keys.key_hash', '=', sha256Hex(key))
      .executeTakeFirst();
    if (!row || row.disabled) return undefined;
    const now = Date.now();
    if (row.expires_at !== 0 && row.expires_at <= now) return undefined;
    if (now - row.last_used_at > 60_000) await this.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute();
    return row.user_id;
  }

  async list(userId?: number): Promise<ApiKeyInfo[]> {
    let q = this.db.selectFrom('api_keys').selectAll();
    if (userId !== undefined) q = q.where('user_id', '=', userId);
    const rows = await q.orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, userId: r.user_id, created: r.created_at, expiration: r.expires_at, lastUsedAt: r.last_used_at }));
  }

  async delete(id: number, userId?: number): Promise<boolean> {
    let q = this.db.deleteFrom('api_keys').where('id', '=', id);
    if (userId !== undefined) q = q.where('user_id', '=', userId);
    const r = await q.executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}
