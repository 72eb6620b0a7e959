import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../../server/index.js';
import { AnnotationStore, type AnnotationInput, type AnnotationRow } from '../dashboards/annotation-store.js';
import type { DashboardStore } from '../dashboards/dashboard-store.js';
import { requireRole, type UiRouteContext } from './context.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A number from JSON or a query string ('' and absent: undefined); anything else is Grafana's 400. */
function num(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new HttpError(400, 'bad-request', `${name} must be a number`);
  return Math.trunc(n);
}
const tagList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v !== '' ? [v] : []).map((t) => t.trim()).filter((t) => t !== '');

/** Grafana's annotations API: `GET/POST /api/annotations`, `PUT/PATCH/DELETE /api/annotations/:id`. */
export function registerAnnotationRoutes(app: FastifyInstance, c: UiRouteContext & { dashboards: DashboardStore; annotations: AnnotationStore }): void {
  const store = c.annotations;

  /** The dashboard uid the body or query names (`dashboardUID`, or the older numeric `dashboardId`); '' for none. */
  const dashboardUid = async (uid: unknown, id: unknown): Promise<string> => {
    if (typeof uid === 'string' && uid !== '') {
      if (!(await c.dashboards.byUid(uid))) throw new HttpError(404, 'not-found', 'Dashboard not found');
      return uid;
    }
    const n = num(id, 'dashboardId');
    if (!n) return '';
    const row = await c.dashboards.byId(n);
    if (!row) throw new HttpError(404, 'not-found', 'Dashboard not found');
    return row.uid;
  };
  const answer = async (rows: AnnotationRow[]) => {
    const ids = new Map<string, number>();
    for (const uid of new Set(rows.map((r) => r.dashboard_uid))) ids.set(uid, uid === '' ? 0 : ((await c.dashboards.byUid(uid))?.id ?? 0));
    return rows.map((r) => AnnotationStore.json(r, ids.get(r.dashboard_uid) ?? 0));
  };
  const find = async (req: FastifyRequest): Promise<AnnotationRow> => {
    const id = num((req.params as { id: string }).id, 'id');
    const row = id === undefined ? undefined : await store.byId(id);
    if (!row) throw new HttpError(404, 'not-found', 'Annotation not found');
    return row;
  };

  app.get('/api/annotations', async (req) => {
    requireRole(req, 'Viewer');
    const q = req.query as Record<string, unknown>;
    // type=alert asks for alert state annotations: Sightline records none
    if (q.type === 'alert') return [];
    const uid = q.dashboardUID !== undefined || q.dashboardId !== undefined ? await dashboardUid(q.dashboardUID, q.dashboardId) : undefined;
    const rows = await store.find({
      from: num(q.from, 'from'),
      to: num(q.to, 'to'),
      limit: num(q.limit, 'limit') ?? 100,
      ...(uid !== undefined ? { dashboardUid: uid } : {}),
      ...(num(q.panelId, 'panelId') !== undefined ? { panelId: num(q.panelId, 'panelId') } : {}),
      ...(num(q.userId, 'userId') !== undefined ? { userId: num(q.userId, 'userId') } : {}),
      tags: tagList(q.tags),
      matchAny: q.matchAny === 'true' || q.matchAny === true,
    });
    return answer(rows);
  });

  app.post('/api/annotations', async (req) => {
    const u = requireRole(req, 'Editor');
    const b = req.body;
    if (!isObject(b)) throw new HttpError(400, 'bad-request', 'bad request data');
    const text = typeof b.text === 'string' ? b.text : '';
    if (text === '') throw new HttpError(400, 'bad-request', 'Failed to save annotation');
    // Grafana: no time is now, no end is the start (an event rather than a region)
    const time = num(b.time, 'time') || Date.now();
    const a: AnnotationInput = {
      dashboardUid: await dashboardUid(b.dashboardUID, b.dashboardId),
      panelId: num(b.panelId, 'panelId') ?? 0,
      time,
      timeEnd: Math.max(time, num(b.timeEnd, 'timeEnd') || time),
      text,
      tags: tagList(b.tags),
      data: isObject(b.data) ? b.data : {},
    };
    const id = await store.create(a, u);
    return { message: 'Annotation added', id };
  });

  const change = (partial: boolean) => async (req: FastifyRequest) => {
    requireRole(req, 'Editor');
    const row = await find(req);
    const b = req.body;
    if (!isObject(b)) throw new HttpError(400, 'bad-request', 'bad request data');
    if (!partial && (typeof b.text !== 'string' || b.text === '')) throw new HttpError(400, 'bad-request', 'Failed to update annotation: text field should not be empty');
    const time = num(b.time, 'time') ?? (partial ? undefined : Number(row.epoch));
    const timeEnd = num(b.timeEnd, 'timeEnd') ?? (partial ? undefined : time);
    await store.update(Number(row.id), {
      ...(time !== undefined ? { time } : {}),
      ...(timeEnd !== undefined ? { timeEnd: Math.max(timeEnd, time ?? Number(row.epoch)) } : {}),
      ...(typeof b.text === 'string' && b.text !== '' ? { text: b.text } : {}),
      ...(b.tags !== undefined || !partial ? { tags: tagList(b.tags) } : {}),
      ...(isObject(b.data) ? { data: b.data } : {}),
    });
    return { message: partial ? 'Annotation patched' : 'Annotation updated' };
  };
  app.put('/api/annotations/:id', change(false));
  app.patch('/api/annotations/:id', change(true));

  app.delete('/api/annotations/:id', async (req) => {
    requireRole(req, 'Editor');
    const row = await find(req);
    await store.remove(Number(row.id));
    return { message: 'Annotation deleted' };
  });
}
