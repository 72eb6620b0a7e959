import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as z from 'zod';
import { HttpError } from '../../server/index.js';
import { DATASOURCE_TYPES, DatasourceConflictError, UID_RE, type DatasourceRow } from '../datasources/datasource-store.js';
import { checkDatasourceHealth } from '../datasources/health.js';
import { DatasourceUrlError } from '../datasources/url-policy.js';
import { upstreamTimeoutMs } from '../datasources/upstream.js';
import { parseId, requireRole, type UiRouteContext } from './context.js';
import { parseBody } from './validation.js';

const datasourceBody = z.object({
  uid: z.string().regex(UID_RE, 'uid: 1-40 characters of a-z, A-Z, 0-9, - and _').optional().or(z.literal('')),
  name: z.string().min(1, 'Name is required').max(190),
  type: z.enum(DATASOURCE_TYPES),
  url: z
    .string()
    .max(2048)
    .refine((u) => u === '' || /^https?:\/\/[^\s]+$/i.test(u), 'url must be an http:// or https:// URL')
    .default(''),
  access: z.enum(['proxy', 'direct']).default('proxy'),
  isDefault: z.boolean().default(false),
  basicAuth: z.boolean().default(false),
  basicAuthUser: z.string().default(''),
  database: z.string().default(''),
  user: z.string().default(''),
  withCredentials: z.boolean().default(false),
  jsonData: z.record(z.string(), z.unknown()).default({}),
  secureJsonData: z.record(z.string(), z.string()).optional(),
  version: z.number().int().optional(),
});

/** Grafana's `/api/datasources` API: read for every role, changes for Admins; provisioned ones are read-only. */
export function registerDatasourceRoutes(app: FastifyInstance, c: UiRouteContext): void {
  const store = c.datasources;
  const find = async (req: FastifyRequest, by: 'id' | 'uid' | 'name'): Promise<DatasourceRow> => {
    const p = req.params as Record<string, string>;
    const row = by === 'id' ? await store.byId(parseId(p.id)) : by === 'uid' ? await store.byUid(p.uid) : await store.byName(p.name);
    if (!row) throw new HttpError(404, 'not_found', 'Data source not found');
    return row;
  };
  const conflict = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      if (e instanceof DatasourceConflictError) throw new HttpError(409, 'conflict', e.message);
      throw e;
    }
  };

  /** A URL the server may never call (metadata address, other scheme) is refused when saved, not only when used. */
  const checkUrl = <T extends { url: string }>(body: T): T => {
    try {
      if (body.url !== '') c.urlPolicy.checkSyntax(body.url);
    } catch (e) {
      if (e instanceof DatasourceUrlError) throw new HttpError(400, 'bad_data', e.message);
      throw e;
    }
    return body;
  };

  app.get('/api/datasources', async (req) => {
    requireRole(req, 'Viewer');
    const rows = await store.list();
    return rows.map((r) => {
      const v = store.view(r);
      return { id: v.id, uid: v.uid, orgId: 1, name: v.name, type: v.type, typeName: v.typeName, typeLogoUrl: '', access: v.access, url: v.url, user: v.user, database: v.database, basicAuth: v.basicAuth, isDefault: v.isDefault, jsonData: v.jsonData, readOnly: v.readOnly };
    });
  });
  for (const by of ['id', 'uid', 'name'] as const) {
    const path = by === 'id' ? '/api/datasources/:id' : `/api/datasources/${by}/:${by}`;
    app.get(path, async (req) => {
      requireRole(req, 'Viewer');
      return store.view(await find(req, by));
    });
  }
  app.get('/api/datasources/id/:name', async (req) => {
    requireRole(req, 'Viewer');
    return { id: (await find(req, 'name')).id };
  });

  app.post('/api/datasources', async (req) => {
    requireRole(req, 'Admin');
    const body = checkUrl(parseBody(datasourceBody, req.body));
    const row = await conflict(() => store.create({ ...body, uid: body.uid || undefined }));
    c.logger.info({ component: 'ui', datasource: row.name, user: req.uiUser?.login }, 'datasource added');
    return { datasource: store.view(row), id: row.id, message: 'Datasource added', name: row.name };
  });

  const update = async (req: FastifyRequest, by: 'id' | 'uid') => {
    requireRole(req, 'Admin');
    const cur = await find(req, by);
    if (cur.read_only) throw new HttpError(403, 'forbidden', 'Cannot update read-only data source');
    const body = checkUrl(parseBody(datasourceBody, req.body));
    const row = await conflict(() => store.update(cur.id, { ...body, uid: body.uid || cur.uid }, { expectedVersion: body.version }));
    return { datasource: store.view(row), id: row.id, message: 'Datasource updated', name: row.name };
  };
  app.put('/api/datasources/:id', (req) => update(req, 'id'));
  app.put('/api/datasources/uid/:uid', (req) => update(req, 'uid'));

  for (const by of ['id', 'uid', 'name'] as const) {
    const path = by === 'id' ? '/api/datasources/:id' : `/api/datasources/${by}/:${by}`;
    app.delete(path, async (req) => {
      requireRole(req, 'Admin');
      const cur = await find(req, by);
      if (cur.read_only) throw new HttpError(403, 'forbidden', 'Cannot delete read-only data source');
      await store.delete(cur.id);
      return { message: 'Data source deleted', id: cur.id };
    });
  }

  const health = async (req: FastifyRequest, reply: FastifyReply, by: 'id' | 'uid') => {
    requireRole(req, 'Viewer');
    const row = await find(req, by);
    const r = await checkDatasourceHealth(row, store.secrets(row), upstreamTimeoutMs(row, c.proxyTimeoutMs), c.urlPolicy);
    return reply.code(r.status === 'OK' ? 200 : 400).send(r);
  };
  app.get('/api/datasources/uid/:uid/health', (req, reply) => health(req, reply, 'uid'));
  app.get('/api/datasources/:id/health', (req, reply) => health(req, reply, 'id'));
}
