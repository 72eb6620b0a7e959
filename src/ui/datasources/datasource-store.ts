import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { SecretBox } from '../auth/secret-box.js';
import type { Database, DatasourceTable } from '../db/schema.js';

export type DatasourceRow = Selectable<DatasourceTable>;

export const DATASOURCE_TYPES = ['prometheus', 'loki', 'tempo', 'alertmanager'] as const;
export const TYPE_NAMES: Record<string, string> = { prometheus: 'Prometheus', loki: 'Loki', tempo: 'Tempo', alertmanager: 'Alertmanager' };

/** A datasource as the API takes it (Grafana's field names). */
export interface DatasourceInput {
  uid?: string;
  name: string;
  type: string;
  url: string;
  access?: string;
  isDefault?: boolean;
  basicAuth?: boolean;
  basicAuthUser?: string;
  database?: string;
  user?: string;
  withCredentials?: boolean;
  jsonData?: Record<string, unknown>;
  /** New secrets; a key with an empty value... is kept as empty. Keys not given keep their stored value on update. */
  secureJsonData?: Record<string, string>;
}

/** The API's view of a datasource: secrets are never returned, only which ones are set (`secureJsonFields`). */
export interface DatasourceView {
  id: number;
  uid: string;
  orgId: number;
  name: string;
  type: string;
  typeName: string;
  typeLogoUrl: string;
  access: string;
  url: string;
  user: string;
  database: string;
  basicAuth: boolean;
  basicAuthUser: string;
  withCredentials: boolean;
  isDefault: boolean;
  jsonData: Record<string, unknown>;
  secureJsonFields: Record<string, boolean>;
  version: number;
  readOnly: boolean;
}

export class DatasourceConflictError extends Error {
  override name = 'DatasourceConflictError';
}

/** A uid from a name, as Sightline fills a missing `uid` (Grafana would pick a random one). */
export function uidFromName(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return slug || randomBytes(7).toString('hex');
}

export const UID_RE = /^[a-zA-Z0-9_-]{1,40}$/;

/** Datasources in the database; `secureJsonData` sealed with the secret box. */
export class DatasourceStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
  ) {}

  view(r: DatasourceRow): DatasourceView {
    const secrets = this.box.open(r.secure_json_data);
    return {
      id: r.id,
      uid: r.uid,
      orgId: 1,
      name: r.name,
      type: r.type,
      typeName: TYPE_NAMES[r.type] ?? r.type,
      typeLogoUrl: '',
      access: r.access,
      url: r.url,
      user: r.user_name,
      database: r.database_name,
      basicAuth: r.basic_auth === 1,
      basicAuthUser: r.basic_auth_user,
      withCredentials: r.with_credentials === 1,
      isDefault: r.is_default === 1,
      jsonData: JSON.parse(r.json_data) as Record<string, unknown>,
      secureJsonFields: Object.fromEntries(Object.keys(secrets).map((k) => [k, true])),
      version: r.version,
      readOnly: r.read_only === 1,
    };
  }

  secrets(r: DatasourceRow): Record<string, string> {
    return this.box.open(r.secure_json_data);
  }

  list(): Promise<DatasourceRow[]> {
    return this.db.selectFrom('datasources').selectAll().orderBy('name').execute();
  }

  byUid(uid: string): Promise<DatasourceRow | undefined> {
    return this.db.selectFrom('datasources').selectAll().where('uid', '=', uid).executeTakeFirst();
  }

  byName(name: string): Promise<DatasourceRow | undefined> {
    return this.db.selectFrom('datasources').selectAll().where('name', '=', name).executeTakeFirst();
  }

  byId(id: number): Promise<DatasourceRow | undefined> {
    return this.db.selectFrom('datasources').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async create(d: DatasourceInput, readOnly = false): Promise<DatasourceRow> {
    const uid = d.uid || uidFromName(d.name);
    return this.db.transaction().execute(async (tx) => {
      const clash = await tx.selectFrom('datasources').select(['name', 'uid']).where((eb) => eb.or([eb('name', '=', d.name), eb('uid', '=', uid)])).executeTakeFirst();
      if (clash) throw new DatasourceConflictError(clash.name === d.name ? 'data source with the same name already exists' : 'data source with the same uid already exists');
      const existing = await tx.selectFrom('datasources').select('id').executeTakeFirst();
      const isDefault = d.isDefault === true || !existing;
      if (isDefault) await tx.updateTable('datasources').set({ is_default: 0 }).execute();
      const now = Date.now();
      return tx
        .insertInto('datasources')
        .values({
          uid,
          name: d.name,
          type: d.type,
          url: d.url,
          access: d.access ?? 'proxy',
          is_default: isDefault ? 1 : 0,
          basic_auth: d.basicAuth ? 1 : 0,
          basic_auth_user: d.basicAuthUser ?? '',
          database_name: d.database ?? '',
          user_name: d.user ?? '',
          with_credentials: d.withCredentials ? 1 : 0,
          json_data: JSON.stringify(d.jsonData ?? {}),
          secure_json_data: this.box.seal(d.secureJsonData ?? {}),
          read_only: readOnly ? 1 : 0,
          version: 1,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    });
  }

  /** Replace a datasource's settings (Grafana's PUT semantics); secrets not mentioned are kept. */
  async update(id: number, d: DatasourceInput, opts: { readOnly?: boolean; expectedVersion?: number } = {}): Promise<DatasourceRow> {
    return this.db.transaction().execute(async (tx) => {
      const cur = await tx.selectFrom('datasources').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      if (opts.expectedVersion !== undefined && opts.expectedVersion < cur.version) {
        throw new DatasourceConflictError('Datasource has already been updated by someone else. Please reload and try again');
      }
      const uid = d.uid || cur.uid;
      const clash = await tx
        .selectFrom('datasources')
        .select(['name', 'uid'])
        .where('id', '!=', id)
        .where((eb) => eb.or([eb('name', '=', d.name), eb('uid', '=', uid)]))
        .executeTakeFirst();
      if (clash) throw new DatasourceConflictError(clash.name === d.name ? 'data source with the same name already exists' : 'data source with the same uid already exists');
      if (d.isDefault) await tx.updateTable('datasources').set({ is_default: 0 }).where('id', '!=', id).execute();
      const secrets = { ...this.box.open(cur.secure_json_data), ...(d.secureJsonData ?? {}) };
      return tx
        .updateTable('datasources')
        .set({
          uid,
          name: d.name,
          type: d.type,
          url: d.url,
          access: d.access ?? cur.access,
          is_default: d.isDefault ? 1 : 0,
          basic_auth: d.basicAuth ? 1 : 0,
          basic_auth_user: d.basicAuthUser ?? '',
          database_name: d.database ?? '',
          user_name: d.user ?? '',
          with_credentials: d.withCredentials ? 1 : 0,
          json_data: JSON.stringify(d.jsonData ?? {}),
          secure_json_data: this.box.seal(secrets),
          read_only: opts.readOnly === undefined ? cur.read_only : opts.readOnly ? 1 : 0,
          version: cur.version + 1,
          updated_at: Date.now(),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
    });
  }

  async delete(id: number): Promise<boolean> {
    const r = await this.db.deleteFrom('datasources').where('id', '=', id).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}
