import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { DashboardTable, Database, FolderTable } from '../db/schema.js';

export type DashboardRow = Selectable<DashboardTable>;
export type FolderRow = Selectable<FolderTable>;
export type DashboardJson = Record<string, unknown>;

export const DASHBOARD_UID_RE = /^[a-zA-Z0-9_-]{1,40}$/;

/** A save refused as Grafana refuses it; `status` is Grafana's status word (version-mismatch, name-exists, ...). */
export class DashboardSaveError extends Error {
  override name = 'DashboardSaveError';
  constructor(
    readonly httpStatus: number,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

export const newUid = () => randomBytes(9).toString('base64url').replace(/[^a-zA-Z0-9]/g, 'x').slice(0, 12);

/** Grafana's slug: lower case, runs of non-alphanumerics to '-'. */
export function slugify(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export interface SaveInput {
  dashboard: DashboardJson;
  folderUid: string;
  message: string;
  overwrite: boolean;
  user: string;
  /** Set by provisioning: the provider that owns it, and its file. */
  provisioned?: { provider: string; externalId: string; allowUiUpdates: boolean; disableDeletion: boolean };
  restoredFrom?: number;
}

export interface SearchInput {
  query?: string;
  tags: string[];
  type?: string;
  folderUids?: string[];
  dashboardUids?: string[];
  starredBy?: number;
  limit: number;
}

const tagsOf = (d: DashboardJson): string[] => (Array.isArray(d.tags) ? d.tags.filter((t): t is string => typeof t === 'string') : []);

/** Dashboards, their versions, folders and stars in the UI database (SQLite or PostgreSQL). */
export class DashboardStore {
  constructor(private readonly db: Kysely<Database>) {}

  byUid(uid: string): Promise<DashboardRow | undefined> {
    return this.db.selectFrom('dashboards').selectAll().where('uid', '=', uid).executeTakeFirst();
  }
  byId(id: number): Promise<DashboardRow | undefined> {
    return this.db.selectFrom('dashboards').selectAll().where('id', '=', id).executeTakeFirst();
  }
  listAll(): Promise<DashboardRow[]> {
    return this.db.selectFrom('dashboards').selectAll().orderBy('title').execute();
  }

  /** The stored JSON with id, uid, title and version from the row, as Grafana answers it. */
  json(row: DashboardRow): DashboardJson {
    return { ...(JSON.parse(row.data) as DashboardJson), id: row.id, uid: row.uid, title: row.title, version: row.version };
  }

  /** Create or update following Grafana's rules: version check unless overwrite, title unique per folder. */
  async save(input: SaveInput): Promise<DashboardRow> {
    const d = input.dashboard;
    const title = typeof d.title === 'string' ? d.title.trim() : '';
    if (!title) throw new DashboardSaveError(400, 'empty-name', 'Dashboard title cannot be empty');
    const uidIn = typeof d.uid === 'string' && d.uid !== '' ? d.uid : undefined;
    if (uidIn !== undefined && !DASHBOARD_UID_RE.test(uidIn)) throw new DashboardSaveError(400, 'bad-uid', 'uid contains illegal characters');
    const idIn = typeof d.id === 'number' && d.id > 0 ? d.id : undefined;
    if (input.folderUid && !(await this.folderByUid(input.folderUid))) throw new DashboardSaveError(400, 'folder-not-found', 'folder not found');

    let existing = uidIn ? await this.byUid(uidIn) : undefined;
    if (!existing && idIn !== undefined) {
      existing = await this.byId(idIn);
      if (!existing) throw new DashboardSaveError(404, 'not-found', 'Dashboard not found');
    }
    // Grafana: without overwrite the saved version must be the stored one (a missing version counts as 0).
    if (existing && !input.overwrite && (typeof d.version === 'number' ? d.version : 0) !== existing.version) {
      throw new DashboardSaveError(412, 'version-mismatch', 'The dashboard has been changed by someone else');
    }
    if (existing?.provisioned && !existing.allow_ui_updates && !input.provisioned) {
      throw new DashboardSaveError(400, 'provisioned', 'Cannot save provisioned dashboard');
    }
    const sameName = await this.db
      .selectFrom('dashboards')
      .select(['id', 'uid'])
      .where('folder_uid', '=', input.folderUid)
      .where('title', '=', title)
      .executeTakeFirst();
    if (sameName && sameName.id !== existing?.id) {
      if (!input.overwrite) throw new DashboardSaveError(412, 'name-exists', 'A dashboard with the same name in the folder already exists');
      await this.db.deleteFrom('dashboards').where('id', '=', sameName.id).execute();
    }

    const { id: _id, uid: _uid, version: _v, ...rest } = d;
    const data = JSON.stringify({ ...rest, title });
    const now = Date.now();
    const tags = JSON.stringify(tagsOf(d));
    const prov = input.provisioned;
    return this.db.transaction().execute(async (tx) => {
      let row: DashboardRow;
      if (existing) {
        const version = existing.version + 1;
        row = await tx
          .updateTable('dashboards')
          .set({
            title,
            folder_uid: input.folderUid,
            tags,
            data,
            version,
            updated_by: input.user,
            updated_at: now,
            ...(prov ? { provisioned: prov.provider, provisioned_external_id: prov.externalId, allow_ui_updates: prov.allowUiUpdates ? 1 : 0, disable_deletion: prov.disableDeletion ? 1 : 0 } : {}),
          })
          .where('id', '=', existing.id)
          .returningAll()
          .executeTakeFirstOrThrow();
      } else {
        row = await tx
          .insertInto('dashboards')
          .values({
            uid: uidIn ?? newUid(),
            title,
            folder_uid: input.folderUid,
            tags,
            data,
            version: 1,
            created_by: input.user,
            updated_by: input.user,
            provisioned: prov?.provider ?? '',
            provisioned_external_id: prov?.externalId ?? '',
            allow_ui_updates: prov?.allowUiUpdates ? 1 : 0,
            disable_deletion: prov?.disableDeletion ? 1 : 0,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
      }
      await tx
        .insertInto('dashboard_versions')
        .values({ dashboard_id: row.id, version: row.version, parent_version: existing?.version ?? 0, restored_from: input.restoredFrom ?? 0, message: input.message, data, created_by: input.user, created_at: now })
        .execute();
      return row;
    });
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('dashboards').where('id', '=', id).execute();
  }

  versions(dashboardId: number, limit: number) {
    return this.db.selectFrom('dashboard_versions').selectAll().where('dashboard_id', '=', dashboardId).orderBy('version', 'desc').limit(limit).execute();
  }
  version(dashboardId: number, version: number) {
    return this.db.selectFrom('dashboard_versions').selectAll().where('dashboard_id', '=', dashboardId).where('version', '=', version).executeTakeFirst();
  }

  async search(q: SearchInput): Promise<{ dashboards: DashboardRow[]; folders: FolderRow[]; starred: Set<number> }> {
    let dq = this.db.selectFrom('dashboards').selectAll();
    if (q.folderUids?.length) dq = dq.where('folder_uid', 'in', q.folderUids.map((f) => (f === 'general' ? '' : f)));
    if (q.dashboardUids?.length) dq = dq.where('uid', 'in', q.dashboardUids);
    if (q.starredBy !== undefined) dq = dq.where('id', 'in', this.db.selectFrom('stars').select('dashboard_id').where('user_id', '=', q.starredBy));
    const needle = q.query?.toLowerCase();
    const wantDash = q.type !== 'dash-folder';
    const wantFolder = (q.type === undefined || q.type === 'dash-folder') && !q.tags.length && q.starredBy === undefined && !q.dashboardUids?.length && !q.folderUids?.length;
    const dashboards = wantDash
      ? (await dq.orderBy('title').execute()).filter((r) => (!needle || r.title.toLowerCase().includes(needle)) && q.tags.every((t) => (JSON.parse(r.tags) as string[]).includes(t)))
      : [];
    const folders = wantFolder ? (await this.listFolders()).filter((f) => !needle || f.title.toLowerCase().includes(needle)) : [];
    return { dashboards, folders, starred: new Set() };
  }

  async starredIds(userId: number): Promise<Set<number>> {
    const rows = await this.db.selectFrom('stars').select('dashboard_id').where('user_id', '=', userId).execute();
    return new Set(rows.map((r) => r.dashboard_id));
  }
  async star(userId: number, dashboardId: number): Promise<void> {
    if ((await this.starredIds(userId)).has(dashboardId)) return;
    await this.db.insertInto('stars').values({ user_id: userId, dashboard_id: dashboardId }).execute();
  }
  async unstar(userId: number, dashboardId: number): Promise<void> {
    await this.db.deleteFrom('stars').where('user_id', '=', userId).where('dashboard_id', '=', dashboardId).execute();
  }

  // Folders
  listFolders(): Promise<FolderRow[]> {
    return this.db.selectFrom('folders').selectAll().orderBy('title').execute();
  }
  folderByUid(uid: string): Promise<FolderRow | undefined> {
    return this.db.selectFrom('folders').selectAll().where('uid', '=', uid).executeTakeFirst();
  }
  folderById(id: number): Promise<FolderRow | undefined> {
    return this.db.selectFrom('folders').selectAll().where('id', '=', id).executeTakeFirst();
  }
  folderByTitle(title: string): Promise<FolderRow | undefined> {
    return this.db.selectFrom('folders').selectAll().where('title', '=', title).executeTakeFirst();
  }
  async createFolder(title: string, uid: string | undefined, user: string, provisioned = ''): Promise<FolderRow> {
    const t = title.trim();
    if (!t) throw new DashboardSaveError(400, 'bad-request', 'folder title cannot be empty');
    if (uid !== undefined && !DASHBOARD_UID_RE.test(uid)) throw new DashboardSaveError(400, 'bad-request', 'uid contains illegal characters');
    if (uid && (await this.folderByUid(uid))) throw new DashboardSaveError(409, 'conflict', 'a folder with the same uid already exists');
    if (await this.folderByTitle(t)) throw new DashboardSaveError(409, 'conflict', 'a folder or dashboard in the general folder with the same name already exists');
    const now = Date.now();
    return this.db
      .insertInto('folders')
      .values({ uid: uid || newUid(), title: t, version: 1, created_by: user, updated_by: user, provisioned, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  async updateFolder(f: FolderRow, title: string, version: number | undefined, overwrite: boolean, user: string): Promise<FolderRow> {
    if (!overwrite && version !== undefined && version !== f.version) throw new DashboardSaveError(412, 'version-mismatch', 'the folder has been changed by someone else');
    const t = title.trim();
    if (!t) throw new DashboardSaveError(400, 'bad-request', 'folder title cannot be empty');
    const other = await this.folderByTitle(t);
    if (other && other.id !== f.id) throw new DashboardSaveError(409, 'conflict', 'a folder or dashboard in the general folder with the same name already exists');
    return this.db.updateTable('folders').set({ title: t, version: f.version + 1, updated_by: user, updated_at: Date.now() }).where('id', '=', f.id).returningAll().executeTakeFirstOrThrow();
  }
  /** Deletes the folder and the dashboards in it. */
  async deleteFolder(f: FolderRow): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('dashboards').where('folder_uid', '=', f.uid).execute();
      await tx.deleteFrom('folders').where('id', '=', f.id).execute();
    });
  }
}
