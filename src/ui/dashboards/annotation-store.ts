/**
 * Grafana's annotations (`/api/annotations`): an event (time) or region (time to timeEnd) with text and tags, on a
 * dashboard's panel, a whole dashboard, or the organization (no dashboard). Queries as Grafana's: the annotations
 * that overlap [from, to], newest first, narrowed by dashboard, panel, user and tags (all of them, or any).
 */
import type { Kysely, Selectable } from 'kysely';
import type { AnnotationTable, Database } from '../db/schema.js';

export type AnnotationRow = Selectable<AnnotationTable>;

/** One annotation as Grafana's API answers it (`GET /api/annotations`). */
export interface AnnotationJson {
  id: number;
  alertId: number;
  alertName: string;
  dashboardId: number;
  dashboardUID: string;
  panelId: number;
  userId: number;
  newState: string;
  prevState: string;
  created: number;
  updated: number;
  time: number;
  timeEnd: number;
  text: string;
  tags: string[];
  login: string;
  email: string;
  avatarUrl: string;
  data: Record<string, unknown>;
}

export interface AnnotationInput {
  dashboardUid: string;
  panelId: number;
  time: number;
  timeEnd: number;
  text: string;
  tags: string[];
  data: Record<string, unknown>;
}

export interface AnnotationQuery {
  from?: number;
  to?: number;
  limit: number;
  dashboardUid?: string;
  panelId?: number;
  userId?: number;
  tags: string[];
  matchAny: boolean;
}

const parseTags = (s: string): string[] => {
  const v = JSON.parse(s) as unknown;
  return Array.isArray(v) ? v.map(String) : [];
};

export class AnnotationStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(a: AnnotationInput, user: { id: number; login: string; email: string }, now = Date.now()): Promise<number> {
    const row = await this.db
      .insertInto('annotations')
      .values({ dashboard_uid: a.dashboardUid, panel_id: a.panelId, user_id: user.id, login: user.login, email: user.email, epoch: a.time, epoch_end: a.timeEnd, text: a.text, tags: JSON.stringify(a.tags), data: JSON.stringify(a.data), created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  byId(id: number): Promise<AnnotationRow | undefined> {
    return this.db.selectFrom('annotations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Change the given fields (PATCH); PUT passes them all. */
  async update(id: number, a: Partial<Omit<AnnotationInput, 'dashboardUid' | 'panelId'>>, now = Date.now()): Promise<void> {
    await this.db
      .updateTable('annotations')
      .set({
        ...(a.time !== undefined ? { epoch: a.time } : {}),
        ...(a.timeEnd !== undefined ? { epoch_end: a.timeEnd } : {}),
        ...(a.text !== undefined ? { text: a.text } : {}),
        ...(a.tags !== undefined ? { tags: JSON.stringify(a.tags) } : {}),
        ...(a.data !== undefined ? { data: JSON.stringify(a.data) } : {}),
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
  }

  async remove(id: number): Promise<void> {
    await this.db.deleteFrom('annotations').where('id', '=', id).execute();
  }

  /** Those overlapping [from, to] (Grafana: `epoch <= to AND epoch_end >= from`), newest first, at most `limit`. */
  async find(q: AnnotationQuery): Promise<AnnotationRow[]> {
    let s = this.db.selectFrom('annotations').selectAll();
    if (q.to !== undefined) s = s.where('epoch', '<=', q.to);
    if (q.from !== undefined) s = s.where('epoch_end', '>=', q.from);
    if (q.dashboardUid !== undefined) s = s.where('dashboard_uid', '=', q.dashboardUid);
    if (q.panelId !== undefined) s = s.where('panel_id', '=', q.panelId);
    if (q.userId !== undefined) s = s.where('user_id', '=', q.userId);
    const rows = await s.orderBy('epoch', 'desc').orderBy('epoch_end', 'desc').orderBy('id', 'desc').execute();
    // tags are a JSON array per row: matched here (a few per dashboard and range)
    const tagged = q.tags.length === 0 ? rows : rows.filter((r) => (q.matchAny ? q.tags.some((t) => parseTags(r.tags).includes(t)) : q.tags.every((t) => parseTags(r.tags).includes(t))));
    return tagged.slice(0, q.limit);
  }

  /** Grafana's answer for a row; `dashboardId` from the dashboard's row id (0 when none). */
  static json(r: AnnotationRow, dashboardId: number): AnnotationJson {
    return {
      id: Number(r.id),
      alertId: 0,
      alertName: '',
      dashboardId,
      dashboardUID: r.dashboard_uid,
      panelId: Number(r.panel_id),
      userId: Number(r.user_id),
      newState: '',
      prevState: '',
      created: Number(r.created_at),
      updated: Number(r.updated_at),
      time: Number(r.epoch),
      timeEnd: Number(r.epoch_end),
      text: r.text,
      tags: parseTags(r.tags),
      login: r.login,
      email: r.email,
      avatarUrl: '',
      data: JSON.parse(r.data) as Record<string, unknown>,
    };
  }
}
