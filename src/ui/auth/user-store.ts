import type { Kysely, Selectable } from 'kysely';
import type { Database, UserTable } from '../db/schema.js';
import { hashPassword } from './password.js';
import type { Role } from './roles.js';

export type UserRow = Selectable<UserTable>;

export interface NewUser {
  login: string;
  email?: string;
  name?: string;
  password?: string;
  role: Role;
  isServiceAccount?: boolean;
}

/** Users and service accounts (Grafana keeps both in one table too). */
export class UserStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(u: NewUser): Promise<UserRow> {
    const now = Date.now();
    const row = await this.db
      .insertInto('users')
      .values({
        login: u.login,
        email: u.email ?? '',
        name: u.name ?? u.login,
        password_hash: u.password ? await hashPassword(u.password) : '',
        role: u.role,
        is_service_account: u.isServiceAccount ? 1 : 0,
        disabled: 0,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return row;
  }

  byLogin(login: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('login', '=', login).executeTakeFirst();
  }

  /** By login or e-mail, as Grafana's sign-in accepts either. */
  async byLoginOrEmail(s: string): Promise<UserRow | undefined> {
    return (await this.byLogin(s)) ?? this.db.selectFrom('users').selectAll().where('email', '=', s).where('email', '!=', '').where('is_service_account', '=', 0).executeTakeFirst();
  }

  byId(id: number): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(serviceAccounts: boolean): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().where('is_service_account', '=', serviceAccounts ? 1 : 0).orderBy('id').execute();
  }

  async setRole(id: number, role: Role): Promise<boolean> {
    const r = await this.db.updateTable('users').set({ role, updated_at: Date.now() }).where('id', '=', id).executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async setPassword(id: number, password: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: await hashPassword(password), updated_at: Date.now() }).where('id', '=', id).execute();
  }

  async delete(id: number): Promise<boolean> {
    const r = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  /**
   * Make sure the configured admin exists with Admin role. Like Grafana, the password only seeds a new admin;
   * an existing admin's password is left as it is (changed through the API).
   */
  async ensureAdmin(login: string, password: string): Promise<UserRow> {
    const existing = await this.byLogin(login);
    if (existing) {
      if (existing.role !== 'Admin') await this.setRole(existing.id, 'Admin');
      return existing;
    }
    return this.create({ login, password, role: 'Admin', name: login, email: login === 'admin' ? 'admin@localhost' : '' });
  }
}
