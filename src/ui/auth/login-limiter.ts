import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export interface LoginLimiterOptions {
  /** Per user and address; a client address alone gets four times as many (several people may share one). */
  maxAttempts: number;
  lockoutMs: number;
  maxLockoutMs: number;
}

/**
 * Brute-force protection for password sign-in, kept in the database so it holds across restarts and replicas.
 * Failures are counted per user-and-address pair and per client address; after `maxAttempts` consecutive failures
 * the key is delayed for `lockoutMs`, doubling with every further failure up to `maxLockoutMs` (an exponential
 * delay, no hard lock of the account). A success clears the pair's key.
 */
export class LoginLimiter {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: LoginLimiterOptions,
  ) {}

  /** Milliseconds until the first of `keys` is unblocked, or 0 when none is blocked. */
  async blockedFor(keys: string[]): Promise<number> {
    const rows = await this.db.selectFrom('login_attempts').select(['locked_until']).where('key', 'in', keys).execute();
    const now = Date.now();
    return Math.max(0, ...rows.map((r) => r.locked_until - now));
  }

  async recordFailure(keys: string[]): Promise<void> {
    const now = Date.now();
    for (const key of keys) {
      await this.db.transaction().execute(async (tx) => {
        const row = await tx.selectFrom('login_attempts').selectAll().where('key', '=', key).executeTakeFirst();
        // Failures older than the longest block are forgotten.
        const failures = row && now - row.last_failure_at < this.opts.maxLockoutMs ? row.failures + 1 : 1;
        const max = key.startsWith('ip:') ? this.opts.maxAttempts * 4 : this.opts.maxAttempts;
        const over = failures - max;
        const lockedUntil = over >= 0 ? now + Math.min(this.opts.maxLockoutMs, this.opts.lockoutMs * 2 ** Math.min(over, 20)) : 0;
        if (row) await tx.updateTable('login_attempts').set({ failures, last_failure_at: now, locked_until: lockedUntil }).where('key', '=', key).execute();
        else await tx.insertInto('login_attempts').values({ key, failures, last_failure_at: now, locked_until: lockedUntil }).execute();
      });
    }
  }

  async recordSuccess(keys: string[]): Promise<void> {
    await this.db.deleteFrom('login_attempts').where('key', 'in', keys).execute();
  }

  /** Forget failures that no longer matter (older than the longest block and not blocked). */
  async prune(): Promise<void> {
    const now = Date.now();
    await this.db.deleteFrom('login_attempts').where('locked_until', '<', now).where('last_failure_at', '<', now - this.opts.maxLockoutMs).execute();
  }
}
