import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { uiMigrations, type SqlDialectName } from './migrations.js';

export type DatabaseOptions =
  | { type: 'sqlite'; path: string }
  | {
      type: 'postgres';
      host: string;
      port: number;
      database: string;
      user: string;
      password: string;
      sslMode?: 'disable' | 'require' | 'verify-full';
      maxConnections?: number;
    };

export interface UiDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: SqlDialectName;
  close(): Promise<void>;
}

export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

/** Open the UI database (SQLite file or PostgreSQL pool) and bring its schema up to date. */
export async function openUiDatabase(opts: DatabaseOptions): Promise<UiDatabase> {
  let db: Kysely<Database>;
  if (opts.type === 'sqlite') {
    mkdirSync(dirname(opts.path), { recursive: true });
    // Owner-only, like secret.key: the database holds password hashes, sessions and encrypted datasource secrets
    // (SQLite gives its -wal and -shm files the database file's mode).
    closeSync(openSync(opts.path, 'a', 0o600));
    chmodSync(opts.path, 0o600);
    const file = new BetterSqlite3(opts.path);
    file.pragma('journal_mode = WAL');
    file.pragma('foreign_keys = ON');
    file.pragma('busy_timeout = 5000');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: file }) });
  } else {
    const pool = new pg.Pool({
      host: opts.host,
      port: opts.port,
      database: opts.database,
      user: opts.user,
      password: opts.password,
      max: opts.maxConnections ?? 10,
      ssl: opts.sslMode === 'require' ? { rejectUnauthorized: false } : opts.sslMode === 'verify-full' ? { rejectUnauthorized: true } : undefined,
      connectionTimeoutMillis: 10_000,
      // bigint columns hold millisecond timestamps: read them as numbers, not strings.
      types: { getTypeParser: ((oid: number, format?: string) => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser },
    });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  const migrator = new Migrator({ db, provider: uiMigrations(opts.type), migrationTableName: 'sightline_migrations', migrationLockTableName: 'sightline_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy().catch(() => {});
    const failed = results?.find((r) => r.status === 'Error');
    const where = opts.type === 'sqlite' ? opts.path : `postgres://${opts.user}@${opts.host}:${opts.port}/${opts.database}`;
    throw new DatabaseError(`UI database ${where}: ${failed ? `migration ${failed.migrationName} failed: ` : ''}${(error as Error).message ?? String(error)}`);
  }
  return { db, dialect: opts.type, close: () => db.destroy() };
}
