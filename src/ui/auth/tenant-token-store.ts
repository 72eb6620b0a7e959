import type { Kysely } from 'kysely';
import { newTenantToken, setTenantTokenSource, type TenantScope, type TenantTokenEntry } from '../../server/index.js';
import type { Database } from '../db/schema.js';

export interface TenantTokenView {
  id: number;
  name: string;
  tenants: string[];
  scopes: TenantScope[];
  createdBy: string;
  created: string;
}

export class TenantTokenConflictError extends Error {
  override name = 'TenantTokenConflictError';
}

/**
 * Tenant tokens made in Administration → Tokens. The database keeps only each token's SHA-256; every change is
 * handed at once to the listeners' tenant auth (`setTenantTokenSource('ui', ...)`), so a new token works and a
 * revoked one stops working without a restart, next to the `server.tenant_tokens` of the configuration.
 */
export class TenantTokenStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<TenantTokenView[]> {
    const rows = await this.db.selectFrom('tenant_tokens').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, tenants: JSON.parse(r.tenants) as string[], scopes: JSON.parse(r.scopes) as TenantScope[], createdBy: r.created_by, created: new Date(r.created_at).toISOString() }));
  }

  /** A new token: the token itself is returned here, once, and kept nowhere. */
  async create(name: string, tenants: string[], scopes: TenantScope[], createdBy: string): Promise<{ token: string; view: TenantTokenView }> {
    if (await this.db.selectFrom('tenant_tokens').select('id').where('name', '=', name).executeTakeFirst()) throw new TenantTokenConflictError(`a token named ${JSON.stringify(name)} already exists`);
    const { token, sha256 } = newTenantToken();
    const now = Date.now();
    await this.db.insertInto('tenant_tokens').values({ name, token_sha256: sha256, tenants: JSON.stringify(tenants), scopes: JSON.stringify(scopes), created_by: createdBy, created_at: now }).execute();
    await this.publish();
    const view = (await this.list()).find((t) => t.name === name)!;
    return { token, view };
  }

  /** Revoke (delete) a token; false when there was none with that id. */
  async revoke(id: number): Promise<boolean> {
    const r = await this.db.deleteFrom('tenant_tokens').where('id', '=', id).executeTakeFirst();
    await this.publish();
    return Number(r.numDeletedRows) > 0;
  }

  /** Hand the current tokens to the listeners' tenant auth (at start, after each change, and periodically for other replicas' changes). */
  async publish(): Promise<void> {
    const rows = await this.db.selectFrom('tenant_tokens').select(['name', 'token_sha256', 'tenants', 'scopes']).execute();
    const entries: TenantTokenEntry[] = rows.map((r) => ({ name: `ui:${r.name}`, token_sha256: r.token_sha256, tenants: JSON.parse(r.tenants) as string[], scopes: JSON.parse(r.scopes) as TenantScope[] }));
    setTenantTokenSource('ui', entries);
  }
}
