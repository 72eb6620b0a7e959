import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { sha256Hex } from './secret-box.js';

export interface SessionOptions {
  lifetimeMs: number;
  idleTimeoutMs: number;
}

/** Server-side sessions: the cookie holds a random token, the database only its SHA-256. */
export class SessionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: SessionOptions,
  ) {}

  async create(userId: number, clientIp: string, userAgent: string): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    const expiresAt = now + this.opts.lifetimeMs;
    await this.db
      .insertInto('sessions')
      .values({ token_hash: sha256Hex(token), user_id: userId, created_at: now, expires_at: expiresAt, last_seen_at: now, client_ip: clientIp.slice(0, 64), user_agent: userAgent.slice(0, 255) })
      .execute();
    return { token, expiresAt };
  }

  /** The session's user id, or undefined when unknown, expired or idle too long. */
  async lookup(token: string): Promise<number | undefined> {
    const hash = sha256Hex(token);
    const s = await this.db.selectFrom('sessions').select(['user_id', 'expires_at', 'last_seen_at']).where('token_hash', '=', hash).executeTakeFirst();
    if (!s) return undefined;
    const now = Date.now();
    if (s.expires_at <= now || s.last_seen_at + this.opts.idleTimeoutMs <= now) {
      await this.db.deleteFrom('sessions').where('token_hash', '=', hash).execute();
      return undefined;
    }
    // Touch at most once a minute, not on every request.
    if (now - s.last_seen_at > 60_000) await this.db.updateTable('sessions').set({ last_seen_at: now }).where('token_hash', '=', hash).execute();
    return s.user_id;
  }

  async revoke(token: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', sha256Hex(token)).execute();
  }

  async revokeUser(userId: number): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }

  async deleteExpired(): Promise<void> {
    await this.db.deleteFrom('sessions').where('expires_at', '<=', Date.now()).execute();
  }
}
