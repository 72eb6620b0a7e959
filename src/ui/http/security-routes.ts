import type { FastifyInstance } from 'fastify';
import * as z from 'zod';
import { TENANT_ID_RE } from '../../config/index.js';
import { HttpError, TENANT_SCOPES, tenantAuthInForce } from '../../server/index.js';
import { auditTarget, type AuditLog } from '../audit/audit-log.js';
import { TenantTokenConflictError, type TenantTokenStore } from '../auth/tenant-token-store.js';
import { parseId, requireRole, type UiRouteContext } from './context.js';
import { parseBody } from './validation.js';

const tokenBody = z.object({
  name: z.string().trim().min(1, 'Name is required').max(190),
  tenants: z.array(z.string().regex(TENANT_ID_RE, 'invalid tenant ID')).min(1, 'at least one tenant'),
  scopes: z.array(z.enum(TENANT_SCOPES)).min(1, 'at least one scope'),
});

const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  user: z.string().optional(),
  resource: z.string().optional(),
  before: z.coerce.number().int().positive().optional(),
});

/**
 * Every change made through the API by a signed-in user or token (datasources, dashboards, folders, users, service
 * accounts, API keys, tenant tokens, rules, scrape jobs), with its status, into the audit log. Answers are never
 * stored: a create's id is read from them, nothing else.
 */
export function registerAuditHook(app: FastifyInstance, c: UiRouteContext, audit: AuditLog): void {
  app.addHook('onSend', async (req, reply, payload) => {
    const u = req.uiUser;
    if (!u) return payload;
    const path = req.url.split('?', 1)[0];
    let answer: unknown;
    if (typeof payload === 'string' && reply.statusCode < 300) {
      try {
        answer = JSON.parse(payload);
      } catch {
        answer = undefined;
      }
    }
    const target = auditTarget(req.method, path, answer);
    if (!target) return payload;
    try {
      await audit.record({ at: Date.now(), user_id: u.id, user_login: u.login, client_ip: req.ip.slice(0, 64), action: req.method, resource: target.resource, resource_id: target.resourceId, path: path.slice(0, 2048), status: reply.statusCode });
    } catch (err) {
      c.logger.error({ component: 'ui', err, user: u.login, path }, 'audit log write failed');
    }
    return payload;
  });
}

/** Administration: tenant tokens for the listeners (`/api/sightline/tenant-tokens`) and the audit log (`/api/sightline/audit`), Admin only. */
export function registerSecurityRoutes(app: FastifyInstance, tokens: TenantTokenStore, audit: AuditLog): void {
  app.get('/api/sightline/tenant-tokens', async (req) => {
    requireRole(req, 'Admin');
    return { tenantAuth: tenantAuthInForce(), scopes: TENANT_SCOPES, tokens: await tokens.list() };
  });
  app.post('/api/sightline/tenant-tokens', async (req) => {
    const u = requireRole(req, 'Admin');
    const body = parseBody(tokenBody, req.body);
    try {
      const { token, view } = await tokens.create(body.name, [...new Set(body.tenants)], [...new Set(body.scopes)], u.login);
      return { ...view, token };
    } catch (e) {
      if (e instanceof TenantTokenConflictError) throw new HttpError(409, 'conflict', e.message);
      throw e;
    }
  });
  app.delete('/api/sightline/tenant-tokens/:id', async (req) => {
    requireRole(req, 'Admin');
    if (!(await tokens.revoke(parseId((req.params as { id: string }).id)))) throw new HttpError(404, 'not_found', 'Token not found');
    return { message: 'Token revoked' };
  });
  app.get('/api/sightline/audit', async (req) => {
    requireRole(req, 'Admin');
    const q = parseBody(auditQuery, req.query);
    const rows = await audit.list(q);
    return rows.map((r) => ({ id: r.id, time: new Date(r.at).toISOString(), user: r.user_login, userId: r.user_id, clientIp: r.client_ip, action: r.action, resource: r.resource, resourceId: r.resource_id, path: r.path, status: r.status }));
  });
}
