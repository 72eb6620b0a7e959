import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../../server/index.js';
import { DashboardSaveError, slugify, type DashboardJson, type DashboardRow, type DashboardStore, type FolderRow } from '../dashboards/dashboard-store.js';
import { applyImportInputs } from '../dashboards/import-inputs.js';
import { migrateDashboard } from '../dashboards/schema-migrations.js';
import { requireRole, type UiRouteContext } from './context.js';
import type { SignedInUser } from './request-user.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const bool = (v: unknown) => v === true || v === 'true';
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v !== '' ? [v] : []).flatMap((s) => s.split(',')).filter((s) => s !== '');

const dashUrl = (r: { uid: string; title: string }) => `/d/${r.uid}/${slugify(r.title)}`;
const folderUrl = (f: FolderRow) => `/dashboards/f/${f.uid}/${slugify(f.title)}`;

/** Grafana's save error answer: 412 with `status` for conflicts, 400/404 otherwise. */
async function saving<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof DashboardSaveError) throw Object.assign(new HttpError(e.httpStatus, e.status, e.message), { grafanaStatus: e.status });
    throw e;
  }
}

/** The default home dashboard when none is set: a short welcome text. */
const HOME: DashboardJson = {
  title: 'Home',
  uid: '',
  editable: false,
  schemaVersion: 39,
  time: { from: 'now-6h', to: 'now' },
  panels: [{ id: 1, type: 'text', title: 'Welcome to Sightline', gridPos: { h: 8, w: 24, x: 0, y: 0 }, options: { mode: 'markdown', content: 'Open **Dashboards** to browse, or **Explore** to query.' } }],
};

/** Grafana's dashboard, folder, search, star and import API (`/api/dashboards/*`, `/api/folders`, `/api/search`). */
export function registerDashboardRoutes(app: FastifyInstance, c: UiRouteContext & { dashboards: DashboardStore }): void {
  const store = c.dashboards;
  const folderTitles = async () => new Map((await store.listFolders()).map((f) => [f.uid, f]));

  const findDash = async (req: FastifyRequest): Promise<DashboardRow> => {
    const row = await store.byUid((req.params as { uid: string }).uid);
    if (!row) throw new HttpError(404, 'not-found', 'Dashboard not found');
    return row;
  };
  const findFolder = async (req: FastifyRequest): Promise<FolderRow> => {
    const f = await store.folderByUid((req.params as { uid: string }).uid);
    if (!f) throw new HttpError(404, 'not-found', 'Folder not found');
    return f;
  };
  const canEdit = (u: SignedInUser) => u.role !== 'Viewer';

  const saveAnswer = (row: DashboardRow, f?: FolderRow) => ({
    id: row.id,
    uid: row.uid,
    url: dashUrl(row),
    status: 'success',
    version: row.version,
    slug: slugify(row.title),
    folderUid: row.folder_uid,
    ...(f ? { folderId: f.id } : { folderId: 0 }),
  });

  const folderView = (f: FolderRow, u: SignedInUser) => ({
    id: f.id,
    uid: f.uid,
    title: f.title,
    url: folderUrl(f),
    hasAcl: false,
    canSave: canEdit(u),
    canEdit: canEdit(u),
    canAdmin: u.role === 'Admin',
    canDelete: canEdit(u) && !f.provisioned,
    createdBy: f.created_by,
    created: new Date(f.created_at).toISOString(),
    updatedBy: f.updated_by,
    updated: new Date(f.updated_at).toISOString(),
    version: f.version,
  });

  /** Read and check a save request body: `dashboard` must be an object (Grafana: 400 "bad request data"). */
  const saveBody = (body: unknown) => {
    if (!isObject(body) || !isObject(body.dashboard)) throw new HttpError(400, 'bad-request', 'bad request data');
    return body as { dashboard: DashboardJson } & Record<string, unknown>;
  };
  const folderUidOf = async (b: Record<string, unknown>): Promise<string> => {
    if (typeof b.folderUid === 'string') return b.folderUid === 'general' ? '' : b.folderUid;
    if (typeof b.folderId === 'number' && b.folderId > 0) {
      const f = await store.folderById(b.folderId);
      if (!f) throw new HttpError(400, 'folder-not-found', 'folder not found');
      return f.uid;
    }
    return '';
  };

  app.post('/api/dashboards/db', async (req) => {
    const u = requireRole(req, 'Editor');
    const b = saveBody(req.body);
    const folderUid = await folderUidOf(b);
    const row = await saving(() => store.save({ dashboard: b.dashboard, folderUid, message: str(b.message), overwrite: bool(b.overwrite), user: u.login }));
    c.logger.info({ component: 'ui', dashboard: row.uid, version: row.version, user: u.login }, 'dashboard saved');
    return saveAnswer(row, folderUid ? await store.folderByUid(folderUid) : undefined);
  });

  app.get('/api/dashboards/uid/:uid', async (req) => {
    const u = requireRole(req, 'Viewer');
    const row = await findDash(req);
    const f = row.folder_uid ? await store.folderByUid(row.folder_uid) : undefined;
    const starred = (await store.starredIds(u.id)).has(row.id);
    const provisionedReadOnly = !!row.provisioned && !row.allow_ui_updates;
    return {
      // Grafana's schema migrations on load: old exports open as they are; the stored JSON stays as saved.
      dashboard: migrateDashboard(store.json(row), await c.datasources.list()),
      meta: {
        type: 'db',
        canSave: canEdit(u),
        canEdit: canEdit(u),
        canAdmin: u.role === 'Admin',
        canStar: true,
        canDelete: canEdit(u) && !row.disable_deletion,
        slug: slugify(row.title),
        url: dashUrl(row),
        expires: '0001-01-01T00:00:00Z',
        created: new Date(row.created_at).toISOString(),
        updated: new Date(row.updated_at).toISOString(),
        updatedBy: row.updated_by,
        createdBy: row.created_by,
        version: row.version,
        hasAcl: false,
        isFolder: false,
        isStarred: starred,
        folderId: f?.id ?? 0,
        folderUid: f?.uid ?? '',
        folderTitle: f?.title ?? 'General',
        folderUrl: f ? folderUrl(f) : '',
        provisioned: !!row.provisioned,
        provisionedExternalId: row.provisioned_external_id,
        annotationsPermissions: { dashboard: { canAdd: canEdit(u), canEdit: canEdit(u), canDelete: canEdit(u) }, organization: { canAdd: false, canEdit: false, canDelete: false } },
        ...(provisionedReadOnly ? { canSave: false } : {}),
      },
    };
  });

  app.delete('/api/dashboards/uid/:uid', async (req) => {
    const u = requireRole(req, 'Editor');
    const row = await findDash(req);
    if (row.provisioned && row.disable_deletion) throw new HttpError(400, 'provisioned', 'provisioned dashboard cannot be deleted');
    await store.delete(row.id);
    c.logger.info({ component: 'ui', dashboard: row.uid, user: u.login }, 'dashboard deleted');
    return { id: row.id, title: row.title, message: `Dashboard ${row.title} deleted` };
  });

  const versionView = (row: DashboardRow, v: { id: number; version: number; parent_version: number; restored_from: number; created_at: number; created_by: string; message: string }) => ({
    id: v.id,
    dashboardId: row.id,
    dashboardUid: row.uid,
    parentVersion: v.parent_version,
    restoredFrom: v.restored_from,
    version: v.version,
    created: new Date(v.created_at).toISOString(),
    createdBy: v.created_by,
    message: v.message,
  });
  app.get('/api/dashboards/uid/:uid/versions', async (req) => {
    requireRole(req, 'Viewer');
    const row = await findDash(req);
    const q = req.query as Record<string, unknown>;
    const limit = Math.min(Math.max(Number(q.limit) || 1000, 1), 1000);
    return (await store.versions(row.id, limit)).map((v) => versionView(row, v));
  });
  app.get('/api/dashboards/uid/:uid/versions/:version', async (req) => {
    requireRole(req, 'Viewer');
    const row = await findDash(req);
    const v = await store.version(row.id, Number((req.params as { version: string }).version));
    if (!v) throw new HttpError(404, 'not-found', 'Dashboard version not found');
    return { ...versionView(row, v), data: { ...(JSON.parse(v.data) as DashboardJson), id: row.id, uid: row.uid, version: v.version } };
  });
  app.post('/api/dashboards/uid/:uid/restore', async (req) => {
    const u = requireRole(req, 'Editor');
    const row = await findDash(req);
    const version = isObject(req.body) ? Number(req.body.version) : NaN;
    const v = Number.isInteger(version) ? await store.version(row.id, version) : undefined;
    if (!v) throw new HttpError(404, 'not-found', 'Dashboard version not found');
    const data = { ...(JSON.parse(v.data) as DashboardJson), uid: row.uid, version: row.version };
    const saved = await saving(() => store.save({ dashboard: data, folderUid: row.folder_uid, message: `Restored from version ${v.version}`, overwrite: false, user: u.login, restoredFrom: v.version }));
    return saveAnswer(saved);
  });

  app.get('/api/dashboards/home', async (req) => {
    const u = requireRole(req, 'Viewer');
    return { dashboard: HOME, meta: { isHome: true, canSave: false, canEdit: canEdit(u), canStar: false, canDelete: false, slug: '', url: '', folderId: 0, folderUid: '', folderTitle: 'General', provisioned: false } };
  });

  app.get('/api/dashboards/tags', async (req) => {
    requireRole(req, 'Viewer');
    const counts = new Map<string, number>();
    for (const r of await store.listAll()) for (const t of JSON.parse(r.tags) as string[]) counts.set(t, (counts.get(t) ?? 0) + 1);
    return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([term, count]) => ({ term, count }));
  });

  app.post('/api/dashboards/import', async (req) => {
    const u = requireRole(req, 'Editor');
    const b = saveBody(req.body);
    const inputs = Array.isArray(b.inputs) ? b.inputs.filter(isObject) : [];
    const dashboard = await saving(async () => applyImportInputs(b.dashboard, inputs, await c.datasources.list()));
    const folderUid = await folderUidOf(b);
    // An export carries the numeric id it had where it came from: an import matches by uid (or title), never by that id.
    const row = await saving(() => store.save({ dashboard: { ...dashboard, id: null }, folderUid, message: '', overwrite: bool(b.overwrite), user: u.login }));
    const f = folderUid ? await store.folderByUid(folderUid) : undefined;
    return {
      uid: row.uid,
      pluginId: '',
      title: row.title,
      imported: true,
      importedUri: `db/${slugify(row.title)}`,
      importedUrl: dashUrl(row),
      slug: slugify(row.title),
      dashboardId: row.id,
      folderId: f?.id ?? 0,
      folderUid,
      importedRevision: 0,
      revision: 0,
      description: '',
      path: '',
      removed: false,
    };
  });

  app.get('/api/search', async (req) => {
    const u = requireRole(req, 'Viewer');
    const q = req.query as Record<string, unknown>;
    const limit = Math.min(Math.max(Number(q.limit) || 1000, 1), 5000);
    const type = str(q.type) || undefined;
    const { dashboards, folders } = await store.search({
      query: str(q.query) || undefined,
      tags: list(q.tag),
      type,
      folderUids: list(q.folderUIDs),
      dashboardUids: list(q.dashboardUIDs),
      starredBy: bool(q.starred) ? u.id : undefined,
      limit,
    });
    const starred = await store.starredIds(u.id);
    const fmap = await folderTitles();
    const hits: Record<string, unknown>[] = folders.map((f) => ({ id: f.id, uid: f.uid, title: f.title, uri: `db/${slugify(f.title)}`, url: folderUrl(f), slug: '', type: 'dash-folder', tags: [], isStarred: false, sortMeta: 0 }));
    for (const r of dashboards) {
      const f = fmap.get(r.folder_uid);
      hits.push({
        id: r.id,
        uid: r.uid,
        title: r.title,
        uri: `db/${slugify(r.title)}`,
        url: dashUrl(r),
        slug: '',
        type: 'dash-db',
        tags: JSON.parse(r.tags) as string[],
        isStarred: starred.has(r.id),
        ...(f ? { folderId: f.id, folderUid: f.uid, folderTitle: f.title, folderUrl: folderUrl(f) } : {}),
        sortMeta: 0,
      });
    }
    return hits.slice(0, limit);
  });

  for (const method of ['post', 'delete'] as const) {
    app[method]('/api/user/stars/dashboard/uid/:uid', async (req) => {
      const u = requireRole(req, 'Viewer');
      const row = await findDash(req);
      if (method === 'post') await store.star(u.id, row.id);
      else await store.unstar(u.id, row.id);
      return { message: method === 'post' ? 'Dashboard starred!' : 'Dashboard unstarred' };
    });
  }

  app.get('/api/folders', async (req) => {
    requireRole(req, 'Viewer');
    return (await store.listFolders()).map((f) => ({ id: f.id, uid: f.uid, title: f.title }));
  });
  app.get('/api/folders/:uid', async (req) => folderView(await findFolder(req), requireRole(req, 'Viewer')));
  app.post('/api/folders', async (req) => {
    const u = requireRole(req, 'Editor');
    const b = isObject(req.body) ? req.body : {};
    const f = await saving(() => store.createFolder(str(b.title), str(b.uid) || undefined, u.login));
    return folderView(f, u);
  });
  app.put('/api/folders/:uid', async (req) => {
    const u = requireRole(req, 'Editor');
    const f = await findFolder(req);
    const b = isObject(req.body) ? req.body : {};
    const updated = await saving(() => store.updateFolder(f, str(b.title), typeof b.version === 'number' ? b.version : undefined, bool(b.overwrite), u.login));
    return folderView(updated, u);
  });
  app.delete('/api/folders/:uid', async (req) => {
    const u = requireRole(req, 'Editor');
    const f = await findFolder(req);
    if (f.provisioned) throw new HttpError(400, 'provisioned', 'provisioned folder cannot be deleted');
    await store.deleteFolder(f);
    c.logger.info({ component: 'ui', folder: f.uid, user: u.login }, 'folder deleted');
    return { id: f.id, title: f.title, message: 'Folder deleted' };
  });
}
